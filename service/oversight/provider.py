"""How replies shows a supervision recommendation it was handed (item type
``recommendation``): to the agency, and in the public feed of answers.

A recommendation carries no citizen's personal data, but its text is written by people and
may quote a phone number or an email: the public view is redacted like any other item, and
only shown once the supervision is concluded (its results are public then).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.i18n import msg
from service.oversight import repository
from service.oversight.models import PlanState
from service.replies.providers import FrontWrittenItem
from service.replies.redaction import redact

PUBLIC_PLAN_STATES = frozenset({PlanState.concluded, PlanState.archived})


class RecommendationProvider(FrontWrittenItem):
    no_petitioner = msg("recommendation_no_petitioner")

    async def agency_view(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal
    ) -> dict[str, Any]:
        """The recommendation, the supervision it comes from and the finding behind it.
        Replies has already checked that the viewer handles the referral."""
        views = await repository.list_recommendations(session, ids=[item_id])
        if not views:
            return {}
        rec = views[0]
        detail = await repository.plan_detail(session, rec.plan_id)
        assert detail is not None
        plan = detail.plan
        finding = await repository.get_finding(session, rec.finding_id) if rec.finding_id else None
        return {
            "item_type": "recommendation",
            "id": str(rec.id),
            "title": rec.title,
            "text": rec.text,
            "due_at": rec.due_at.isoformat() if rec.due_at else None,
            "issued_at": rec.issued_at.isoformat() if rec.issued_at else None,
            "state": rec.state.value,
            "supervision": {
                "code": plan.code,
                "subject": plan.subject,
                "form": str(plan.form),
                "unit_code": plan.unit_code,
                "period_start": plan.period_start.isoformat(),
                "period_end": plan.period_end.isoformat(),
                "legal_basis": plan.legal_basis,
                "conclusion": plan.conclusion,
                "supervised_agencies": [a.name for a in detail.agencies],
            },
            "finding": {"title": finding.title, "text": finding.text} if finding else None,
        }

    async def public_view(self, session: AsyncSession, item_id: uuid.UUID) -> dict[str, Any] | None:
        views = await repository.list_recommendations(session, ids=[item_id])
        if not views:
            return None
        rec = views[0]
        plan = await repository.get_plan(session, rec.plan_id)
        if plan is None or PlanState(plan.state) not in PUBLIC_PLAN_STATES:
            return None
        return {
            "title": redact(rec.title),
            "description": redact(rec.text),
            "unit_code": plan.unit_code,
            "supervision_code": plan.code,
            "agency_name": rec.agency_name,
        }


provider = RecommendationProvider()
