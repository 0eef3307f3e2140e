"""What the voters operations share: constants, who may see and manage what, loading
what the caller may see (404 otherwise), how each kind of row is saved with its audit event
(:class:`service.audit.audited.Audited`: the voters' events carry what the action
changed, no snapshot of the whole row)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.audited import Audited, only_changes
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.errors import Forbidden, NotFound
from service.i18n import msg
from service.kernel.rows import visible_loader
from service.voters import repository
from service.voters.models import (
    CouncilSession,
    SessionLevel,
    VoterImport,
    VoterMeeting,
    VoterRecommendation,
    VoterRecommendationState,
)

ITEM_TYPE = "voter_recommendation"
SAVE_IMPORT_JOB = "voters.save_import"
IMPORT_BATCH_ROWS = 500
PREVIEW_ROWS = 20
MAX_STORED_ERRORS = 1000
REFERABLE = frozenset({VoterRecommendationState.draft, VoterRecommendationState.declined})
MERGEABLE = frozenset(
    {
        VoterRecommendationState.draft,
        VoterRecommendationState.referred,
        VoterRecommendationState.acknowledged,
        VoterRecommendationState.declined,
    }
)
OPEN_STATES = frozenset(
    {
        VoterRecommendationState.referred,
        VoterRecommendationState.acknowledged,
        VoterRecommendationState.overdue,
    }
)


SESSION_AUDIT: Audited[CouncilSession] = Audited(
    "voter_council_session", only_changes, stamps_updated_at=True
)
MEETING_AUDIT: Audited[VoterMeeting] = Audited(
    "voter_meeting", only_changes, stamps_updated_at=True
)
IMPORT_AUDIT: Audited[VoterImport] = Audited("voter_import", only_changes)
RECOMMENDATION_AUDIT: Audited[VoterRecommendation] = Audited(
    "voter_recommendation", only_changes, stamps_updated_at=True
)
# An opinion is only ever created (it has no version to move on).
OPINION_AUDIT: Audited[Any] = Audited("voter_opinion", only_changes)


# -- access ----------------------------------------------------------------------------------


def _is_city(viewer: StaffPrincipal) -> bool:
    return viewer.role is Role.admin or viewer.unit_code is None


def sees_session(viewer: StaffPrincipal, council_session: CouncilSession) -> bool:
    return (
        _is_city(viewer)
        or council_session.level == SessionLevel.city
        or viewer.sees_unit(council_session.unit_code)
    )


def manages_session(viewer: StaffPrincipal, council_session: CouncilSession) -> bool:
    return _is_city(viewer) or viewer.sees_unit(council_session.unit_code)


def _require_manager(viewer: StaffPrincipal, council_session: CouncilSession) -> None:
    if not manages_session(viewer, council_session):
        raise Forbidden(msg("voters_not_manager"))


def sees_meeting(viewer: StaffPrincipal, meeting: VoterMeeting) -> bool:
    return _is_city(viewer) or viewer.sees_unit(meeting.unit_code)


load_council_session = visible_loader(
    repository.get_council_session, sees_session, "voters_session_not_found"
)
load_meeting = visible_loader(repository.get_meeting, sees_meeting, "voters_meeting_not_found")


async def load_recommendation(
    session: AsyncSession,
    recommendation_id: uuid.UUID,
    viewer: StaffPrincipal,
    *,
    for_update: bool = False,
) -> tuple[VoterRecommendation, CouncilSession]:
    rec = await repository.get_recommendation(session, recommendation_id, for_update=for_update)
    if rec is None:
        raise NotFound(msg("voters_recommendation_not_found"))
    try:
        council_session = await load_council_session(session, rec.council_session_id, viewer)
    except NotFound:
        raise NotFound(msg("voters_recommendation_not_found")) from None
    return rec, council_session
