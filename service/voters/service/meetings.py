"""Council sessions, their meetings and the opinions typed at them."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.directory.models import AdminUnit, UnitLevel
from service.errors import Conflict, Forbidden, Invalid
from service.i18n import Message, msg
from service.storage.models import Evidence
from service.voters import repository
from service.voters.models import (
    CouncilSession,
    SessionLevel,
    VoterMeeting,
    VoterOpinion,
)
from service.voters.schemas import (
    CouncilSessionCreate,
    MeetingCreate,
    OpinionCreate,
)
from service.voters.service.common import (
    MEETING_AUDIT,
    OPINION_AUDIT,
    SESSION_AUDIT,
    _is_city,
    load_council_session,
    load_meeting,
    manages_session,
)

# -- sessions and meetings -------------------------------------------------------------------


async def _unit_of(session: AsyncSession, code: str) -> AdminUnit:
    unit = await repository.get_unit(session, code)
    if unit is None:
        raise Invalid(msg("unit_not_found"), field="unit_code")
    return unit


def _own_unit(viewer: StaffPrincipal) -> str | None:
    """The ward a viewer's lists are narrowed to (None: a city-level viewer sees all)."""
    return None if _is_city(viewer) else viewer.unit_code


def _require_unit(actor: StaffPrincipal, unit_code: str, refusal: Message) -> None:
    if not (_is_city(actor) or actor.sees_unit(unit_code)):
        raise Forbidden(refusal)


async def create_council_session(
    session: AsyncSession, data: CouncilSessionCreate, actor: StaffPrincipal
) -> CouncilSession:
    unit = await _unit_of(session, data.unit_code)
    expected = UnitLevel.province if data.level is SessionLevel.city else UnitLevel.commune
    if unit.level != expected:
        raise Invalid(msg("voters_session_level_unit"), field="unit_code")
    _require_unit(actor, unit.code, msg("voters_not_manager"))
    if await repository.session_number_taken(session, data.unit_code, data.term, data.number):
        raise Conflict(msg("voters_session_number_taken", number=data.number, term=data.term))
    council_session = CouncilSession(**data.model_dump(), created_by=actor.user_id)
    after = data.model_dump(mode="json")
    return await SESSION_AUDIT.created(
        session, actor, council_session, "voters.session.created", **after
    )


async def list_council_sessions(
    session: AsyncSession, viewer: StaffPrincipal, *, cursor: str | None, limit: int
) -> tuple[list[CouncilSession], str | None]:
    return await repository.list_council_sessions(
        session, unit_code=_own_unit(viewer), after=cursor, limit=limit
    )


async def create_meeting(
    session: AsyncSession, session_id: uuid.UUID, data: MeetingCreate, actor: StaffPrincipal
) -> VoterMeeting:
    council_session = await load_council_session(session, session_id, actor)
    unit = await _unit_of(session, data.unit_code)
    belongs = (
        unit.code == council_session.unit_code
        if council_session.level == SessionLevel.ward
        else unit.parent_code == council_session.unit_code
    )
    if not belongs:
        raise Invalid(msg("voters_meeting_unit"), field="unit_code")
    _require_unit(actor, unit.code, msg("voters_not_ward"))
    if data.minutes_evidence_id is not None:
        await _check_evidence(session, data.minutes_evidence_id)
    meeting = VoterMeeting(
        **data.model_dump(), council_session_id=council_session.id, created_by=actor.user_id
    )
    after = data.model_dump(mode="json")
    return await MEETING_AUDIT.created(session, actor, meeting, "voters.meeting.created", **after)


async def _check_evidence(session: AsyncSession, evidence_id: uuid.UUID) -> None:
    if await session.get(Evidence, evidence_id) is None:
        raise Invalid(msg("voters_evidence_unknown"), field="minutes_evidence_id")


async def attach_minutes(
    session: AsyncSession, meeting: VoterMeeting, evidence: Evidence, actor: StaffPrincipal
) -> VoterMeeting:
    """The stored minutes (already uploaded through storage) become the meeting's."""
    before = {"minutes_evidence_id": meeting.minutes_evidence_id}
    meeting.minutes_evidence_id = evidence.id
    return await MEETING_AUDIT.changed(
        session,
        actor,
        meeting,
        "voters.meeting.minutes_attached",
        before,
        minutes_evidence_id=evidence.id,
    )


async def list_meetings(
    session: AsyncSession, session_id: uuid.UUID, viewer: StaffPrincipal
) -> list[VoterMeeting]:
    council_session = await load_council_session(session, session_id, viewer)
    return await repository.list_meetings(session, council_session.id, _own_unit(viewer))


# -- opinions --------------------------------------------------------------------------------


async def add_opinion(
    session: AsyncSession, meeting_id: uuid.UUID, data: OpinionCreate, actor: StaffPrincipal
) -> VoterOpinion:
    meeting = await load_meeting(session, meeting_id, actor)
    opinion = VoterOpinion(
        **data.model_dump(),
        meeting_id=meeting.id,
        council_session_id=meeting.council_session_id,
        created_by=actor.user_id,
    )
    return await OPINION_AUDIT.created(
        session,
        actor,
        opinion,
        "voters.opinion.added",
        meeting_id=meeting.id,
        voters_count=opinion.voters_count,
    )


async def list_meeting_opinions(
    session: AsyncSession, meeting_id: uuid.UUID, viewer: StaffPrincipal
) -> list[VoterOpinion]:
    meeting = await load_meeting(session, meeting_id, viewer)
    return await repository.list_opinions(session, meeting_id=meeting.id)


async def list_session_opinions(
    session: AsyncSession, session_id: uuid.UUID, viewer: StaffPrincipal
) -> list[VoterOpinion]:
    council_session = await load_council_session(session, session_id, viewer)
    unit = None if manages_session(viewer, council_session) else _own_unit(viewer)
    return await repository.list_opinions(
        session, council_session_id=council_session.id, unit_code=unit
    )


async def period_figures(
    session: AsyncSession, unit_code: str | None, first: date, last: date
) -> repository.SessionFigures:
    """Meetings, voters, opinions and what became of them in a period (the council report's
    section I and the dashboard); ``unit_code`` None is the whole city."""
    return await repository.period_figures(session, unit_code, first, last)
