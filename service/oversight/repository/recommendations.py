"""Findings, recommendations and their implementation checks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.db import children_of, narrowed
from service.directory.models import Agency
from service.kernel.rows import getter
from service.oversight.models import (
    Finding,
    Recommendation,
    RecommendationCheck,
    RecommendationState,
    SupervisionPlan,
)
from service.oversight.views import (
    RecommendationView,
    columns,
)

# -- findings and recommendations -------------------------------------------------------------


get_finding = getter(Finding)


findings_for_plan = children_of(Finding, Finding.plan_id, Finding.created_at, Finding.id)


get_recommendation = getter(Recommendation)


async def list_recommendations(
    session: AsyncSession,
    *,
    plan_id: uuid.UUID | None = None,
    agency_id: uuid.UUID | None = None,
    unit_code: str | None = None,
    states: Sequence[RecommendationState] | None = None,
    issued_from: datetime | None = None,
    issued_to: datetime | None = None,
    ids: Sequence[uuid.UUID] | None = None,
) -> list[RecommendationView]:
    """Recommendations with their agency, due date and state, oldest first. Filters:
    the plan, the agency, the plan's unit, states, issue time in [issued_from, issued_to)."""
    query = (
        select(
            Recommendation,
            col(SupervisionPlan.code),
            col(Agency.code),
            col(Agency.name),
        )
        .join(SupervisionPlan, col(SupervisionPlan.id) == col(Recommendation.plan_id))
        .join(Agency, col(Agency.id) == col(Recommendation.agency_id))
    )
    query = narrowed(
        query,
        (col(Recommendation.plan_id), plan_id),
        (col(Recommendation.agency_id), agency_id),
        (col(SupervisionPlan.unit_code), unit_code),
    )
    if states:
        query = query.where(col(Recommendation.state).in_([s.value for s in states]))
    if issued_from is not None:
        query = query.where(col(Recommendation.issued_at) >= issued_from)
    if issued_to is not None:
        query = query.where(col(Recommendation.issued_at) < issued_to)
    if ids is not None:
        query = query.where(col(Recommendation.id).in_(list(ids)))
    query = query.order_by(col(Recommendation.created_at), col(Recommendation.id))
    rows = await session.execute(query)
    return [
        RecommendationView.model_validate(
            {
                **columns(rec),
                "plan_code": plan_code,
                "agency_code": agency_code,
                "agency_name": agency_name,
            }
        )
        for rec, plan_code, agency_code, agency_name in rows.all()
    ]


async def recommendation_checks(
    session: AsyncSession,
    *,
    recommendation_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
) -> list[RecommendationCheck]:
    query = select(RecommendationCheck)
    if recommendation_id is not None:
        query = query.where(col(RecommendationCheck.recommendation_id) == recommendation_id)
    if session_id is not None:
        query = query.where(col(RecommendationCheck.session_id) == session_id)
    query = query.order_by(col(RecommendationCheck.checked_at), col(RecommendationCheck.id))
    return list((await session.execute(query)).scalars())
