"""The supervision API under ``/api/v1/oversight``, by sub-domain: plans, sessions (the live
log, seals), evidence, and findings with recommendations. ``controllers`` lists the
controllers and the generated workflow actions, as the app mounts them.
"""

from __future__ import annotations

from typing import Any

from service.oversight.controllers.evidence import (
    EvidenceController,
    PlanEvidenceController,
    SessionEvidenceController,
)
from service.oversight.controllers.plans import PLAN_ACTIONS, PlanController
from service.oversight.controllers.recommendations import (
    RECOMMENDATION_ACTIONS,
    FindingController,
    PlanRecommendationController,
    RecommendationController,
    SessionCheckController,
)
from service.oversight.controllers.sessions import SESSION_ACTIONS, SessionController

controllers: list[Any] = [
    PlanController,
    SessionController,
    PlanEvidenceController,
    SessionEvidenceController,
    EvidenceController,
    PlanRecommendationController,
    SessionCheckController,
    FindingController,
    RecommendationController,
    *PLAN_ACTIONS,
    *SESSION_ACTIONS,
    *RECOMMENDATION_ACTIONS,
]
