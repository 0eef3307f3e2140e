"""How replies shows a point of the Front's criticism it was handed (item type
``criticism_point``): to the drafting agency whole, and in the public feed of answers only
once the Front has made the outcome public."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.criticism import repository
from service.criticism.models import DraftState
from service.criticism.service import criticism_number
from service.i18n import msg
from service.replies.providers import FrontWrittenItem
from service.replies.redaction import redact


class CriticismPointProvider(FrontWrittenItem):
    no_petitioner = msg("criticism_point_no_petitioner")

    async def agency_view(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal
    ) -> dict[str, Any]:
        point = await repository.get_point(session, item_id)
        if point is None:
            return {}
        draft = await repository.get_draft(session, point.draft_id)
        assert draft is not None
        section = next((s for s in draft.sections if s.get("number") == point.section_number), None)
        return {
            "item_type": "criticism_point",
            "id": str(point.id),
            "number": point.number,
            "text": point.text,
            "section": section,
            "state": str(point.state),
            "due_at": point.due_at.isoformat() if point.due_at else None,
            "draft": {
                "code": draft.code,
                "title": draft.title,
                "form": str(draft.form),
                "unit_code": draft.unit_code,
                "criticism_number": criticism_number(draft),
                "criticism_text": draft.criticism_text,
                "issued_at": draft.issued_at.isoformat() if draft.issued_at else None,
            },
        }

    async def public_view(self, session: AsyncSession, item_id: uuid.UUID) -> dict[str, Any] | None:
        point = await repository.get_point(session, item_id)
        if point is None:
            return None
        draft = await repository.get_draft(session, point.draft_id)
        if draft is None or DraftState(draft.state) is not DraftState.published:
            return None
        return {
            "title": redact(draft.title),
            "description": redact(point.text),
            "unit_code": draft.unit_code,
        }


provider = CriticismPointProvider()
