"""How replies shows a voters' recommendation it was handed (item type
``voter_recommendation``): to the agency, and in the public feed of answers. No voter's name
is kept; the texts are redacted by pattern like every published text."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.errors import NotFound
from service.i18n import msg
from service.replies.redaction import NOTHING, PersonalData, redact
from service.voters import repository
from service.voters.models import CouncilSession, VoterRecommendation
from service.voters.service import recommendation_reads


async def _compiled(
    session: AsyncSession, item_id: uuid.UUID
) -> tuple[VoterRecommendation, CouncilSession] | None:
    """The recommendation with its council session (a referral's item is never hidden from
    replies: it checks who may see the referral)."""
    rec = await repository.get_recommendation(session, item_id)
    if rec is None:
        return None
    council_session = await repository.get_council_session(session, rec.council_session_id)
    assert council_session is not None
    return rec, council_session


class VoterRecommendationProvider:
    async def agency_view(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal
    ) -> dict[str, Any]:
        found = await _compiled(session, item_id)
        if found is None:
            return {}
        rec, council_session = found
        [read] = await recommendation_reads(session, [rec])
        return {
            "item_type": "voter_recommendation",
            "id": str(rec.id),
            "title": rec.title,
            "text": rec.text,
            "state": rec.state,
            "council_session": {
                "title": council_session.title,
                "term": council_session.term,
                "number": council_session.number,
                "unit_code": council_session.unit_code,
            },
            "meetings": read.meetings,
            "voters_total": read.voters_total,
            "sources": [
                {"unit_name": s.unit_name, "held_on": s.held_on.isoformat(), "text": s.text}
                for s in read.sources
            ],
        }

    async def reveal_identity(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal, reason: str
    ) -> dict[str, Any]:
        raise NotFound(msg("voters_no_petitioner"))

    async def personal_data(self, session: AsyncSession, item_id: uuid.UUID) -> PersonalData:
        return NOTHING

    async def public_view(self, session: AsyncSession, item_id: uuid.UUID) -> dict[str, Any] | None:
        found = await _compiled(session, item_id)
        if found is None:
            return None
        rec, council_session = found
        return {
            "title": redact(rec.title),
            "description": redact(rec.text),
            "unit_code": council_session.unit_code,
        }


provider = VoterRecommendationProvider()
