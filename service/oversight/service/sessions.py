"""Sessions of a plan: scheduling, rescheduling, the session state machine
(``workflow.SESSION_FLOW``: open, close, cancel; sealing is in ``log.py``) and attendance.

Every state change writes an audit event in the caller's transaction. Services flush and
never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.audited import Audited, pick
from service.audit.service import record
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.errors import (
    Forbidden,
    Invalid,
    StateConflict,
)
from service.i18n import Message, msg
from service.oversight import repository
from service.oversight.access import (
    PlanAccess,
)
from service.oversight.models import (
    Attendance,
    PlanState,
    RecommendationState,
    SessionMode,
    SessionState,
    SupervisionPlan,
    SupervisionSession,
)
from service.oversight.schemas import (
    AttendanceIn,
    SessionCreate,
    SessionUpdate,
    check_venue,
)
from service.oversight.service.plans import (
    Expected,
    check_version,
    load_plan,
    plan_actions_for,
    plan_record,
    transition_plan,
)
from service.oversight.workflow import (
    ACTIVE_STATES,
    SESSION_FLOW,
    PlanAction,
    SessionAction,
    SessionTransition,
    allowed_session_actions,
)

SESSION = "supervision_session"


# A session with its plan and the viewer's relation to it (404 when not theirs).
load_session = plan_record(repository.get_session, msg("supervision_session_not_found"))


async def list_sessions(
    session: AsyncSession, plan_id: uuid.UUID, viewer: StaffPrincipal
) -> tuple[list[SupervisionSession], PlanAccess]:
    """The plan's sessions in order, and the viewer's relation to the plan."""
    _, access = await load_plan(session, plan_id, viewer)
    return await repository.sessions_for_plan(session, plan_id), access


async def list_attendance(
    session: AsyncSession, session_id: uuid.UUID, viewer: StaffPrincipal
) -> list[Attendance]:
    supervision_session, _, _ = await load_session(session, session_id, viewer)
    return await repository.attendance_for_session(session, supervision_session.id)


# -- sessions --------------------------------------------------------------------------------


# What scheduling sets and rescheduling may change as it came (agenda, invitations and the
# recommendations re-checked are copied or checked on their own).
SCHEDULE_FIELDS = ("title", "mode", "scheduled_start", "scheduled_end", "place", "meeting_link")


def session_snapshot(supervision_session: SupervisionSession) -> dict[str, Any]:
    return {
        **pick(supervision_session, "plan_id", "number", "state", *SCHEDULE_FIELDS, "version"),
        "entries": supervision_session.log_seq,
    }


SESSION_AUDIT = Audited(SESSION, session_snapshot)


async def _check_resupervision(
    session: AsyncSession, plan_id: uuid.UUID, recommendation_ids: Sequence[uuid.UUID]
) -> None:
    """A re-supervision checks issued recommendations addressed to the plan's agencies."""
    if not recommendation_ids:
        return
    agencies = await repository.plan_agency_ids(session, plan_id)
    found = {
        r.id: r
        for r in await repository.list_recommendations(session, ids=list(recommendation_ids))
    }
    for index, rec_id in enumerate(recommendation_ids):
        rec = found.get(rec_id)
        if rec is None or rec.state in (RecommendationState.draft, RecommendationState.withdrawn):
            raise Invalid(
                msg("recommendation_unknown_or_unissued"), field=f"resupervision_of[{index}]"
            )
        if rec.agency_id not in agencies:
            raise Invalid(
                msg("recommendation_agency_not_supervised"),
                field=f"resupervision_of[{index}]",
            )


async def schedule_session(
    session: AsyncSession, plan_id: uuid.UUID, data: SessionCreate, actor: StaffPrincipal
) -> SupervisionSession:
    plan, access = await load_plan(session, plan_id, actor, for_update=True)
    if not (access.runs_sessions or access.manages):
        raise Forbidden(msg("schedule_forbidden"))
    state = PlanState(plan.state)
    if state not in ACTIVE_STATES:
        raise StateConflict(
            msg("schedule_plan_not_active"),
            state=state,
            allowed_actions=plan_actions_for(plan, access),
        )
    await _check_resupervision(session, plan.id, data.resupervision_of)
    supervision_session = SupervisionSession(
        plan_id=plan.id,
        number=await repository.next_session_number(session, plan.id),
        **{name: getattr(data, name) for name in SCHEDULE_FIELDS},
        agenda=list(data.agenda),
        invited=[p.model_dump(mode="json") for p in data.invited],
        resupervision_of=list(dict.fromkeys(data.resupervision_of)),
        created_by=actor.user_id,
    )
    return await SESSION_AUDIT.created(
        session, actor, supervision_session, "oversight.session.scheduled"
    )


async def update_session(
    session: AsyncSession,
    session_id: uuid.UUID,
    data: SessionUpdate,
    actor: StaffPrincipal,
    *,
    expected_version: Expected,
) -> SupervisionSession:
    """Reschedule a session that has not started (time, venue, agenda, invitations)."""
    supervision_session, plan, access = await load_session(
        session, session_id, actor, for_update=True
    )
    if not access.session_parties:
        raise Forbidden(msg("reschedule_forbidden"))
    check_version(supervision_session.version, expected_version)
    session_step(
        supervision_session,
        SessionAction.reschedule,
        access,
        forbidden=msg("reschedule_forbidden"),
        conflict=msg("reschedule_started"),
    )
    before = session_snapshot(supervision_session)
    changes = data.model_dump(exclude_unset=True)
    for name in SCHEDULE_FIELDS:
        if name in changes:
            setattr(supervision_session, name, changes[name])
    if data.agenda is not None:
        supervision_session.agenda = list(data.agenda)
    if data.invited is not None:
        supervision_session.invited = [p.model_dump(mode="json") for p in data.invited]
    if data.resupervision_of is not None:
        await _check_resupervision(session, plan.id, data.resupervision_of)
        supervision_session.resupervision_of = list(dict.fromkeys(data.resupervision_of))
    try:
        check_venue(
            SessionMode(supervision_session.mode),
            supervision_session.place,
            supervision_session.meeting_link,
        )
    except PydanticCustomError as exc:
        raise Invalid(msg(exc.type, **(exc.context or {})), field="mode") from None
    if (
        supervision_session.scheduled_end is not None
        and supervision_session.scheduled_end < supervision_session.scheduled_start
    ):
        raise Invalid(msg("scheduled_end_before_start"), field="scheduled_end")
    return await SESSION_AUDIT.changed(
        session, actor, supervision_session, "oversight.session.rescheduled", before
    )


async def open_session(
    session: AsyncSession, session_id: uuid.UUID, actor: StaffPrincipal
) -> SupervisionSession:
    """Start the session's log. An approved plan starts (in_progress) with its first session."""
    supervision_session, plan, access = await load_for_step(
        session, session_id, actor, SessionAction.open
    )
    state = PlanState(plan.state)
    if state is PlanState.approved:
        await transition_plan(session, plan.id, PlanAction.start.value, None)
    elif state is not PlanState.in_progress:
        raise StateConflict(
            msg("plan_not_running"), state=state, allowed_actions=plan_actions_for(plan, access)
        )
    return await _advance(session, actor, supervision_session, SessionState.open)


async def close_session(
    session: AsyncSession, session_id: uuid.UUID, actor: StaffPrincipal
) -> SupervisionSession:
    """No entry is accepted after this (the row lock orders it after every pending write)."""
    supervision_session, _, _ = await load_for_step(session, session_id, actor, SessionAction.close)
    return await _advance(session, actor, supervision_session, SessionState.closed)


# What moving on to a state stamps on the session, and the audit event it writes.
ADVANCES = {
    SessionState.open: ("opened_at", "oversight.session.opened"),
    SessionState.closed: ("closed_at", "oversight.session.closed"),
}


async def _advance(
    session: AsyncSession,
    actor: StaffPrincipal,
    supervision_session: SupervisionSession,
    to: SessionState,
) -> SupervisionSession:
    """Move the session on to ``to`` now (``ADVANCES``), audited."""
    stamp, action = ADVANCES[to]
    before = session_snapshot(supervision_session)
    supervision_session.state = to
    setattr(supervision_session, stamp, utcnow())
    return await SESSION_AUDIT.changed(session, actor, supervision_session, action, before)


async def cancel_session(
    session: AsyncSession, session_id: uuid.UUID, actor: StaffPrincipal, reason: str | None
) -> SupervisionSession:
    supervision_session, _, _ = await load_for_step(
        session, session_id, actor, SessionAction.cancel, forbidden=msg("cancel_session_forbidden")
    )
    if not reason:
        raise Invalid(msg("cancel_reason_required"), field="reason")
    before = session_snapshot(supervision_session)
    supervision_session.state = SessionState.cancelled
    supervision_session.cancelled_reason = reason
    return await SESSION_AUDIT.changed(
        session, actor, supervision_session, "oversight.session.cancelled", before, reason=reason
    )


# The steps only the plan's session runners take, and what the 403 says they may not do.
RUNNERS_STEPS: dict[SessionAction, Message] = {
    SessionAction.open: msg("what_open_session"),
    SessionAction.close: msg("what_close_session"),
    SessionAction.seal: msg("what_seal_session"),
}


async def load_for_step(
    session: AsyncSession,
    session_id: uuid.UUID,
    actor: StaffPrincipal,
    action: SessionAction,
    *,
    forbidden: Message | None = None,
    conflict: Message | None = None,
) -> tuple[SupervisionSession, SupervisionPlan, PlanAccess]:
    """The session, locked, once ``SESSION_FLOW`` lets the caller take ``action`` on it now
    (see :func:`session_step`). A step of ``RUNNERS_STEPS`` refuses others by saying what
    only the session runners may do; another step names its own ``forbidden``."""
    supervision_session, plan, access = await load_session(
        session, session_id, actor, for_update=True
    )
    if forbidden is None:
        forbidden = msg("plan_runners_only", what=RUNNERS_STEPS[action])
    session_step(supervision_session, action, access, forbidden=forbidden, conflict=conflict)
    return supervision_session, plan, access


def session_step(
    supervision_session: SupervisionSession,
    action: SessionAction,
    access: PlanAccess,
    *,
    forbidden: Message,
    conflict: Message | None = None,
) -> SessionTransition:
    """The transition ``action`` takes the session through, decided by ``SESSION_FLOW`` (403
    with ``forbidden`` when it is never the caller's, 409 when not in this state)."""
    state = SessionState(supervision_session.state)
    try:
        return SESSION_FLOW.step(state, action, access.session_parties)
    except Forbidden:
        raise Forbidden(forbidden) from None
    except StateConflict:
        raise StateConflict(
            conflict or msg("session_action_not_allowed", state=state, action=action),
            state=state,
            allowed_actions=allowed_session_actions(state),
        ) from None


# -- attendance ------------------------------------------------------------------------------


def _fold(value: str | None) -> str:
    return " ".join((value or "").split()).casefold()


def person_key(item: AttendanceIn) -> str:
    if item.user_id is not None:
        return f"user:{item.user_id}"
    return f"name:{_fold(item.name)}|{_fold(item.organisation)}"


# What a record of attendance takes as said (the name is completed from the user's account).
ATTENDANCE_FIELDS = (
    "user_id",
    "agency_id",
    "organisation",
    "capacity",
    "status",
    "reason",
    "arrived_at",
)
ATTENDANCE_STATES = frozenset({SessionState.scheduled, SessionState.open, SessionState.closed})


async def record_attendance(
    session: AsyncSession,
    session_id: uuid.UUID,
    items: Sequence[AttendanceIn],
    actor: StaffPrincipal,
) -> list[Attendance]:
    """Record or correct who attended, in which capacity, late or absent and why. One record
    per person (a staff user, or a name within an organisation); frozen once sealed."""
    supervision_session, _, access = await load_session(session, session_id, actor, for_update=True)
    access.require_session_runner(msg("what_record_attendance"))
    state = SessionState(supervision_session.state)
    if state not in ATTENDANCE_STATES:
        raise StateConflict(
            msg("attendance_after_seal"),
            state=state,
            allowed_actions=allowed_session_actions(state),
        )
    users = await repository.users_by_id(
        session, [i.user_id for i in items if i.user_id is not None]
    )
    agencies = await repository.agencies_by_id(
        session, [i.agency_id for i in items if i.agency_id is not None]
    )
    saved: list[Attendance] = []
    now = utcnow()
    for index, item in enumerate(items):
        name = item.name
        if item.user_id is not None:
            user = users.get(item.user_id)
            if user is None:
                raise Invalid(msg("user_unknown"), field=f"[{index}].user_id")
            name = name or user.full_name
        if item.agency_id is not None and item.agency_id not in agencies:
            raise Invalid(msg("agency_unknown"), field=f"[{index}].agency_id")
        key = person_key(item)
        row = await repository.attendance_by_key(session, supervision_session.id, key)
        if row is None:
            row = Attendance(
                session_id=supervision_session.id,
                person_key=key,
                name=name or "",
                capacity=item.capacity,
                status=item.status,
                recorded_by=actor.user_id,
            )
        for field in ATTENDANCE_FIELDS:
            setattr(row, field, getattr(item, field))
        row.name = name or row.name
        row.recorded_by = actor.user_id
        row.recorded_at = now
        session.add(row)
        saved.append(row)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="oversight.session.attendance",
        entity_type=SESSION,
        entity_id=supervision_session.id,
        after={
            "records": [
                {"person_key": r.person_key, "status": r.status, "capacity": r.capacity}
                for r in saved
            ]
        },
    )
    return saved


def session_allowed_actions(
    supervision_session: SupervisionSession, access: PlanAccess
) -> list[str]:
    """Actions on the session this caller may take now."""
    return allowed_session_actions(SessionState(supervision_session.state), access.session_parties)
