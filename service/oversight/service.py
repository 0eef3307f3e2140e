"""Plans and sessions: creation, edits (optimistic concurrency), the plan and session state
machines, attendance. The log and its seal are in ``log.py``; evidence in ``evidence.py``;
findings and recommendations in ``recommendations.py``.

Every state change writes an audit event in the caller's transaction. Services flush and
never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.directory.models import AdminUnit
from service.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    StateConflict,
)
from service.i18n import msg
from service.oversight import repository
from service.oversight.access import (
    CREATOR_ROLES,
    MEMBER_ROLES,
    PlanAccess,
    plan_access,
)
from service.oversight.models import (
    Attendance,
    PlanParticipant,
    PlanRole,
    PlanState,
    RecommendationState,
    SessionMode,
    SessionState,
    SupervisionPlan,
    SupervisionSession,
)
from service.oversight.schemas import (
    AttendanceIn,
    MemberIn,
    ParticipantIn,
    PlanActionRequest,
    PlanCreate,
    PlanUpdate,
    SessionCreate,
    SessionUpdate,
    check_venue,
)
from service.oversight.workflow import (
    ACTIVE_STATES,
    PLAN_TRANSITIONS,
    PlanAction,
    SessionAction,
    all_plan_actions,
    allowed_plan_actions,
    allowed_session_actions,
)

PLAN = "supervision_plan"
SESSION = "supervision_session"

# -- loading with access checks ------------------------------------------------------------


async def load_plan(
    session: AsyncSession, plan_id: uuid.UUID, viewer: StaffPrincipal, *, for_update: bool = False
) -> tuple[SupervisionPlan, PlanAccess]:
    """The plan and the viewer's relation to it; 404 if it does not exist or is not theirs."""
    plan = await repository.get_plan(session, plan_id, for_update=for_update)
    if plan is None:
        raise NotFound(msg("plan_not_found"))
    role = await repository.member_role(session, plan.id, viewer.user_id)
    return plan, plan_access(viewer, plan, role)


async def load_session(
    session: AsyncSession,
    session_id: uuid.UUID,
    viewer: StaffPrincipal,
    *,
    for_update: bool = False,
) -> tuple[SupervisionSession, SupervisionPlan, PlanAccess]:
    sess = await repository.get_session(session, session_id, for_update=for_update)
    if sess is None:
        raise NotFound(msg("supervision_session_not_found"))
    try:
        plan, access = await load_plan(session, sess.plan_id, viewer)
    except NotFound:
        raise NotFound(msg("supervision_session_not_found")) from None
    return sess, plan, access


def check_version(current: int, expected: int | None, *, required: bool = True) -> None:
    """``expected`` comes from If-Match; 428 when required and missing, 412 when stale."""
    if expected is None:
        if required:
            raise PreconditionRequired(msg("if_match_required_etag"))
        return
    if expected != current:
        raise PreconditionFailed(
            msg("resource_changed"),
            current_etag=etag(current),
        )


def etag(version: int) -> str:
    return f'"{version}"'


def parse_etag(value: str | None) -> int | None:
    """``"3"`` or ``W/"3"`` -> 3; anything unparseable -> -1 (never matches)."""
    if value is None:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else -1


def plan_snapshot(plan: SupervisionPlan) -> dict[str, Any]:
    return {
        "code": plan.code,
        "subject": plan.subject,
        "form": plan.form,
        "unit_code": plan.unit_code,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "state": plan.state,
        "submitted": plan.submitted_at is not None,
        "version": plan.version,
    }


def _touch(plan: SupervisionPlan) -> None:
    plan.version += 1
    plan.updated_at = utcnow()


def plan_actions_for(plan: SupervisionPlan, access: PlanAccess) -> list[str]:
    return allowed_plan_actions(
        PlanState(plan.state), plan.submitted_at is not None, access.capacities
    )


# -- plans -----------------------------------------------------------------------------------


async def _check_unit(session: AsyncSession, unit_code: str, creator: StaffPrincipal) -> None:
    if await session.get(AdminUnit, unit_code) is None:
        raise Invalid(msg("unit_unknown", code=unit_code), field="unit_code")
    if not creator.sees_unit(unit_code):
        raise Forbidden(msg("plan_outside_area"))


async def _check_members(session: AsyncSession, members: Sequence[MemberIn]) -> None:
    ids = [m.user_id for m in members]
    if len(set(ids)) != len(ids):
        raise Invalid(msg("member_listed_twice"), field="members")
    heads = [m for m in members if m.role is PlanRole.head]
    if len(heads) > 1:
        raise Invalid(msg("plan_one_head"), field="members")
    users = await repository.users_by_id(session, ids)
    for index, member in enumerate(members):
        user = users.get(member.user_id)
        if user is None or not user.active:
            raise Invalid(msg("user_unknown_or_inactive"), field=f"members[{index}].user_id")
        if Role(user.role) not in MEMBER_ROLES:
            raise Invalid(msg("member_role_invalid"), field=f"members[{index}].user_id")


async def _check_agencies(session: AsyncSession, agency_ids: Sequence[uuid.UUID]) -> None:
    agencies = await repository.agencies_by_id(session, agency_ids)
    for index, agency_id in enumerate(agency_ids):
        agency = agencies.get(agency_id)
        if agency is None or not agency.active:
            raise Invalid(msg("agency_unknown_or_inactive"), field=f"agency_ids[{index}]")


def _participants(plan_id: uuid.UUID, items: Sequence[ParticipantIn]) -> list[PlanParticipant]:
    return [
        PlanParticipant(
            plan_id=plan_id, name=p.name, organisation=p.organisation, capacity=p.capacity
        )
        for p in items
    ]


async def create_plan(
    session: AsyncSession, data: PlanCreate, actor: StaffPrincipal
) -> SupervisionPlan:
    """A new draft plan. A supervisor creating a plan without naming a head becomes it."""
    if actor.role not in CREATOR_ROLES:
        raise Forbidden(msg("plan_create_forbidden"))
    await _check_unit(session, data.unit_code, actor)
    if await repository.plan_code_taken(session, data.code, None):
        raise Conflict(msg("plan_code_taken", code=data.code))
    members = list(data.members)
    if actor.role is Role.supervisor and not any(m.role is PlanRole.head for m in members):
        members = [m for m in members if m.user_id != actor.user_id]
        members.insert(0, MemberIn(user_id=actor.user_id, role=PlanRole.head))
    await _check_members(session, members)
    await _check_agencies(session, data.agency_ids)
    plan = SupervisionPlan(
        code=data.code,
        subject=data.subject,
        legal_basis=data.legal_basis,
        form=data.form,
        unit_code=data.unit_code,
        period_start=data.period_start,
        period_end=data.period_end,
        description=data.description,
        petition_ids=list(dict.fromkeys(data.petition_ids)),
        created_by=actor.user_id,
    )
    session.add(plan)
    await session.flush()
    await repository.replace_members(session, plan.id, [(m.user_id, m.role) for m in members])
    await repository.replace_agencies(session, plan.id, data.agency_ids)
    await repository.replace_participants(
        session, plan.id, _participants(plan.id, data.participants)
    )
    await record(
        session,
        actor=actor,
        action="oversight.plan.created",
        entity_type=PLAN,
        entity_id=plan.id,
        after={
            **plan_snapshot(plan),
            "members": [{"user_id": m.user_id, "role": m.role} for m in members],
            "agency_ids": data.agency_ids,
            "petition_ids": plan.petition_ids,
        },
    )
    return plan


# Fields fixed once a plan is approved; the roster may change while the plan runs.
CORE_FIELDS = frozenset(
    {"code", "subject", "legal_basis", "form", "unit_code", "period_start", "period_end"}
)
ROSTER_STATES = frozenset({PlanState.draft, PlanState.approved, PlanState.in_progress})


async def update_plan(
    session: AsyncSession,
    plan_id: uuid.UUID,
    data: PlanUpdate,
    actor: StaffPrincipal,
    *,
    expected_version: int | None,
) -> SupervisionPlan:
    plan, access = await load_plan(session, plan_id, actor, for_update=True)
    check_version(plan.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    if not (access.manages or plan.created_by == actor.user_id):
        raise Forbidden(msg("plan_edit_forbidden"))
    state = PlanState(plan.state)
    core = CORE_FIELDS & changes.keys()
    if core and state is not PlanState.draft:
        raise StateConflict(
            msg("plan_fields_draft_only", fields=sorted(core)),
            state=state,
            allowed_actions=plan_actions_for(plan, access),
        )
    if state not in ROSTER_STATES:
        raise StateConflict(
            msg("plan_closed_for_edits"),
            state=state,
            allowed_actions=plan_actions_for(plan, access),
        )
    before = plan_snapshot(plan)
    if "code" in changes and changes["code"] != plan.code:
        if await repository.plan_code_taken(session, changes["code"], plan.id):
            raise Conflict(msg("plan_code_taken", code=changes["code"]))
        plan.code = changes["code"]
    if "unit_code" in changes and changes["unit_code"] != plan.unit_code:
        await _check_unit(session, changes["unit_code"], actor)
        plan.unit_code = changes["unit_code"]
    for name in ("subject", "legal_basis", "form", "period_start", "period_end"):
        if changes.get(name) is not None:
            setattr(plan, name, changes[name])
    if "description" in changes:
        plan.description = changes["description"]
    if plan.period_end < plan.period_start:
        raise Invalid(msg("period_end_before_start"), field="period_end")
    if data.petition_ids is not None:
        plan.petition_ids = list(dict.fromkeys(data.petition_ids))
    if data.members is not None:
        await _check_members(session, data.members)
        if state is not PlanState.draft and not any(m.role is PlanRole.head for m in data.members):
            raise Invalid(msg("plan_keeps_head"), field="members")
        await repository.replace_members(
            session, plan.id, [(m.user_id, m.role) for m in data.members]
        )
    if data.agency_ids is not None:
        await _check_agencies(session, data.agency_ids)
        await repository.replace_agencies(session, plan.id, data.agency_ids)
    if data.participants is not None:
        await repository.replace_participants(
            session, plan.id, _participants(plan.id, data.participants)
        )
    # A change by the authors after submission takes the draft back: it is submitted again.
    if state is PlanState.draft and plan.submitted_at is not None and not access.approver:
        plan.submitted_at = None
        plan.submitted_by = None
    _touch(plan)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="oversight.plan.updated",
        entity_type=PLAN,
        entity_id=plan.id,
        before=before,
        after={**plan_snapshot(plan), "changed": sorted(changes)},
    )
    return plan


async def transition_plan(
    session: AsyncSession,
    plan_id: uuid.UUID,
    action: str,
    actor: StaffPrincipal | None,
    data: PlanActionRequest | None = None,
    *,
    expected_version: int | None = None,
) -> SupervisionPlan:
    """Apply one action of the plan state machine (``workflow.PLAN_TRANSITIONS``).
    ``actor`` None is the system (opening a session starts an approved plan)."""
    data = data or PlanActionRequest()
    if actor is None:
        plan = await repository.get_plan(session, plan_id, for_update=True)
        if plan is None:
            raise NotFound(msg("plan_not_found"))
        access = None
    else:
        plan, access = await load_plan(session, plan_id, actor, for_update=True)
    check_version(plan.version, expected_version, required=False)
    state = PlanState(plan.state)
    submitted = plan.submitted_at is not None
    try:
        plan_action = PlanAction(action)
    except ValueError:
        raise NotFound(msg("plan_action_unknown", action=action)) from None
    transition = PLAN_TRANSITIONS.get((state, plan_action))
    allowed = plan_actions_for(plan, access) if access else all_plan_actions(state, submitted)
    if transition is None or (
        transition.submitted is not None and transition.submitted != submitted
    ):
        raise StateConflict(
            msg(
                # "Submitted" tells drafts apart; every later state was submitted.
                "plan_action_not_allowed_submitted"
                if submitted and state is PlanState.draft
                else "plan_action_not_allowed",
                state=state,
                action=plan_action,
            ),
            state=state,
            allowed_actions=allowed,
        )
    if access is not None and not (transition.capacities & access.capacities):
        raise Forbidden(
            msg(
                "plan_action_forbidden",
                action=plan_action,
                allowed=[PlanAction(a) for a in allowed],
            )
        )
    before = plan_snapshot(plan)
    now = utcnow()
    if plan_action is PlanAction.submit:
        members = await repository.plan_members(session, plan.id)
        if not any(m.role is PlanRole.head for m in members):
            raise Invalid(msg("plan_head_required"), field="members")
        plan.submitted_at, plan.submitted_by = now, actor.user_id if actor else None
    elif plan_action is PlanAction.return_:
        plan.submitted_at, plan.submitted_by = None, None
    elif plan_action is PlanAction.approve:
        assert actor is not None
        if actor.role is not Role.admin and plan.submitted_by == actor.user_id:
            raise Forbidden(msg("plan_approve_own"))
        plan.approved_at, plan.approved_by = now, actor.user_id
    elif plan_action is PlanAction.revise:
        if await repository.sessions_for_plan(session, plan.id):
            raise StateConflict(
                msg("plan_sessions_scheduled"),
                state=state,
                allowed_actions=[a for a in allowed if a != PlanAction.revise.value],
            )
        plan.approved_at = plan.approved_by = plan.submitted_at = plan.submitted_by = None
    elif plan_action is PlanAction.conclude:
        if data.conclusion:
            plan.conclusion = data.conclusion
        if not plan.conclusion:
            raise Invalid(msg("conclusion_required"), field="conclusion")
        if await repository.open_session_count(session, plan.id):
            raise StateConflict(
                msg("session_still_open"),
                state=state,
                allowed_actions=allowed,
            )
        plan.concluded_at = now
    elif plan_action is PlanAction.reopen:
        plan.concluded_at = None
    elif plan_action is PlanAction.archive:
        plan.archived_at = now
    plan.state = transition.target
    _touch(plan)
    await session.flush()
    await record(
        session,
        actor=actor,
        action=f"oversight.plan.{plan_action.value}",
        entity_type=PLAN,
        entity_id=plan.id,
        before=before,
        after={**plan_snapshot(plan), "note": data.note},
    )
    return plan


# -- sessions --------------------------------------------------------------------------------


def session_snapshot(sess: SupervisionSession) -> dict[str, Any]:
    return {
        "plan_id": sess.plan_id,
        "number": sess.number,
        "title": sess.title,
        "mode": sess.mode,
        "state": sess.state,
        "scheduled_start": sess.scheduled_start,
        "scheduled_end": sess.scheduled_end,
        "place": sess.place,
        "meeting_link": sess.meeting_link,
        "entries": sess.log_seq,
        "version": sess.version,
    }


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
    sess = SupervisionSession(
        plan_id=plan.id,
        number=await repository.next_session_number(session, plan.id),
        title=data.title,
        mode=data.mode,
        scheduled_start=data.scheduled_start,
        scheduled_end=data.scheduled_end,
        place=data.place,
        meeting_link=data.meeting_link,
        agenda=list(data.agenda),
        invited=[p.model_dump(mode="json") for p in data.invited],
        resupervision_of=list(dict.fromkeys(data.resupervision_of)),
        created_by=actor.user_id,
    )
    session.add(sess)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="oversight.session.scheduled",
        entity_type=SESSION,
        entity_id=sess.id,
        after=session_snapshot(sess),
    )
    return sess


async def update_session(
    session: AsyncSession,
    session_id: uuid.UUID,
    data: SessionUpdate,
    actor: StaffPrincipal,
    *,
    expected_version: int | None,
) -> SupervisionSession:
    """Reschedule a session that has not started (time, venue, agenda, invitations)."""
    sess, plan, access = await load_session(session, session_id, actor, for_update=True)
    if not (access.runs_sessions or access.manages):
        raise Forbidden(msg("reschedule_forbidden"))
    check_version(sess.version, expected_version)
    if SessionState(sess.state) is not SessionState.scheduled:
        raise StateConflict(
            msg("reschedule_started"),
            state=sess.state,
            allowed_actions=allowed_session_actions(SessionState(sess.state)),
        )
    before = session_snapshot(sess)
    changes = data.model_dump(exclude_unset=True)
    for name in ("title", "mode", "scheduled_start", "scheduled_end", "place", "meeting_link"):
        if name in changes:
            setattr(sess, name, changes[name])
    if data.agenda is not None:
        sess.agenda = list(data.agenda)
    if data.invited is not None:
        sess.invited = [p.model_dump(mode="json") for p in data.invited]
    if data.resupervision_of is not None:
        await _check_resupervision(session, plan.id, data.resupervision_of)
        sess.resupervision_of = list(dict.fromkeys(data.resupervision_of))
    try:
        check_venue(SessionMode(sess.mode), sess.place, sess.meeting_link)
    except PydanticCustomError as exc:
        raise Invalid(msg(exc.type, **(exc.context or {})), field="mode") from None
    if sess.scheduled_end is not None and sess.scheduled_end < sess.scheduled_start:
        raise Invalid(msg("scheduled_end_before_start"), field="scheduled_end")
    sess.version += 1
    await session.flush()
    await record(
        session,
        actor=actor,
        action="oversight.session.rescheduled",
        entity_type=SESSION,
        entity_id=sess.id,
        before=before,
        after=session_snapshot(sess),
    )
    return sess


async def open_session(
    session: AsyncSession, session_id: uuid.UUID, actor: StaffPrincipal
) -> SupervisionSession:
    """Start the session's log. An approved plan starts (in_progress) with its first session."""
    sess, plan, access = await load_session(session, session_id, actor, for_update=True)
    access.require_session_runner(msg("what_open_session"))
    _require_session_action(sess, SessionAction.open)
    state = PlanState(plan.state)
    if state is PlanState.approved:
        await transition_plan(session, plan.id, PlanAction.start.value, None)
    elif state is not PlanState.in_progress:
        raise StateConflict(
            msg("plan_not_running"), state=state, allowed_actions=plan_actions_for(plan, access)
        )
    before = session_snapshot(sess)
    sess.state = SessionState.open
    sess.opened_at = utcnow()
    sess.version += 1
    await session.flush()
    await record(
        session,
        actor=actor,
        action="oversight.session.opened",
        entity_type=SESSION,
        entity_id=sess.id,
        before=before,
        after=session_snapshot(sess),
    )
    return sess


async def close_session(
    session: AsyncSession, session_id: uuid.UUID, actor: StaffPrincipal
) -> SupervisionSession:
    """No entry is accepted after this (the row lock orders it after every pending write)."""
    sess, _, access = await load_session(session, session_id, actor, for_update=True)
    access.require_session_runner(msg("what_close_session"))
    _require_session_action(sess, SessionAction.close)
    before = session_snapshot(sess)
    sess.state = SessionState.closed
    sess.closed_at = utcnow()
    sess.version += 1
    await session.flush()
    await record(
        session,
        actor=actor,
        action="oversight.session.closed",
        entity_type=SESSION,
        entity_id=sess.id,
        before=before,
        after=session_snapshot(sess),
    )
    return sess


async def cancel_session(
    session: AsyncSession, session_id: uuid.UUID, actor: StaffPrincipal, reason: str | None
) -> SupervisionSession:
    sess, _, access = await load_session(session, session_id, actor, for_update=True)
    if not (access.runs_sessions or access.manages):
        raise Forbidden(msg("cancel_session_forbidden"))
    _require_session_action(sess, SessionAction.cancel)
    if not reason:
        raise Invalid(msg("cancel_reason_required"), field="reason")
    before = session_snapshot(sess)
    sess.state = SessionState.cancelled
    sess.cancelled_reason = reason
    sess.version += 1
    await session.flush()
    await record(
        session,
        actor=actor,
        action="oversight.session.cancelled",
        entity_type=SESSION,
        entity_id=sess.id,
        before=before,
        after={**session_snapshot(sess), "reason": reason},
    )
    return sess


def _require_session_action(sess: SupervisionSession, action: SessionAction) -> None:
    state = SessionState(sess.state)
    allowed = allowed_session_actions(state)
    if action.value not in allowed:
        raise StateConflict(
            msg("session_action_not_allowed", state=state, action=action),
            state=state,
            allowed_actions=allowed,
        )


# -- attendance ------------------------------------------------------------------------------


def _fold(value: str | None) -> str:
    return " ".join((value or "").split()).casefold()


def person_key(item: AttendanceIn) -> str:
    if item.user_id is not None:
        return f"user:{item.user_id}"
    return f"name:{_fold(item.name)}|{_fold(item.organisation)}"


ATTENDANCE_STATES = frozenset({SessionState.scheduled, SessionState.open, SessionState.closed})


async def record_attendance(
    session: AsyncSession,
    session_id: uuid.UUID,
    items: Sequence[AttendanceIn],
    actor: StaffPrincipal,
) -> list[Attendance]:
    """Record or correct who attended, in which capacity, late or absent and why. One record
    per person (a staff user, or a name within an organisation); frozen once sealed."""
    sess, _, access = await load_session(session, session_id, actor, for_update=True)
    access.require_session_runner(msg("what_record_attendance"))
    state = SessionState(sess.state)
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
        row = await repository.attendance_by_key(session, sess.id, key)
        if row is None:
            row = Attendance(
                session_id=sess.id,
                person_key=key,
                name=name or "",
                capacity=item.capacity,
                status=item.status,
                recorded_by=actor.user_id,
            )
        row.user_id = item.user_id
        row.agency_id = item.agency_id
        row.name = name or row.name
        row.organisation = item.organisation
        row.capacity = item.capacity
        row.status = item.status
        row.reason = item.reason
        row.arrived_at = item.arrived_at
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
        entity_id=sess.id,
        after={
            "records": [
                {"person_key": r.person_key, "status": r.status, "capacity": r.capacity}
                for r in saved
            ]
        },
    )
    return saved


def session_allowed_actions(sess: SupervisionSession, access: PlanAccess) -> list[str]:
    """Actions on the session this caller may take now."""
    actions = allowed_session_actions(SessionState(sess.state))
    if access.runs_sessions:
        return actions
    if access.manages:
        return [a for a in actions if a in (SessionAction.cancel, SessionAction.reschedule)]
    return []
