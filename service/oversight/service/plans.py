"""Plans: loading with access checks, creation, edits (optimistic concurrency) and the plan
state machine (``workflow.PLAN_FLOW``). Sessions are in ``sessions.py``, the log and its seal
in ``log.py``, evidence in ``evidence.py``, findings and recommendations in
``recommendations.py``.

Every state change writes an audit event in the caller's transaction. Services flush and
never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.audited import Audited, pick
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.directory.models import AdminUnit
from service.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    StateConflict,
)
from service.http.preconditions import IfMatch, require_version
from service.i18n import Message, msg
from service.oversight import repository
from service.oversight.access import (
    CREATOR_ROLES,
    MEMBER_ROLES,
    PlanAccess,
    plan_access,
)
from service.oversight.models import (
    PlanParticipant,
    PlanRole,
    PlanState,
    SupervisionPlan,
)
from service.oversight.schemas import (
    MemberIn,
    ParticipantIn,
    PlanActionRequest,
    PlanCreate,
    PlanUpdate,
)
from service.oversight.views import PlanDetail
from service.oversight.workflow import (
    PLAN_FLOW,
    SYSTEM,
    Capacity,
    PlanAction,
    PlanTransition,
    allowed_plan_actions,
)

PLAN = "supervision_plan"


class HasPlan(Protocol):
    @property
    def plan_id(self) -> uuid.UUID: ...


R = TypeVar("R", bound=HasPlan)
T = TypeVar("T")


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


async def in_plan(
    session: AsyncSession, row: R | None, viewer: StaffPrincipal, missing: Message
) -> tuple[R, SupervisionPlan, PlanAccess]:
    """The plan a session, finding, recommendation or evidence link belongs to, and the
    viewer's relation to it; 404 ``missing`` when there is no such row or the plan is not
    the viewer's (the row's existence is not told apart)."""
    if row is None:
        raise NotFound(missing)
    try:
        plan, access = await load_plan(session, row.plan_id, viewer)
    except NotFound:
        raise NotFound(missing) from None
    return row, plan, access


R_co = TypeVar("R_co", bound=HasPlan, covariant=True)


class PlanRecordLoader(Protocol[R_co]):
    def __call__(
        self,
        session: AsyncSession,
        row_id: uuid.UUID,
        viewer: StaffPrincipal,
        *,
        for_update: bool = False,
    ) -> Awaitable[tuple[R_co, SupervisionPlan, PlanAccess]]: ...


def plan_record(get: Callable[..., Awaitable[R | None]], missing: Message) -> PlanRecordLoader[R]:
    """The loader of one kind of a plan's records by id (``get(session, row_id,
    for_update=...)``, a repository getter), answering as
    :func:`in_plan` does: ``load(session, row_id, viewer, for_update=False)``."""

    async def load(
        session: AsyncSession,
        row_id: uuid.UUID,
        viewer: StaffPrincipal,
        *,
        for_update: bool = False,
    ) -> tuple[R, SupervisionPlan, PlanAccess]:
        row = await get(session, row_id, for_update=for_update)
        return await in_plan(session, row, viewer, missing)

    return load


Expected = int | IfMatch | None


def check_version(current: int, expected: Expected) -> None:
    """The version a change was made against: the parsed ``If-Match`` of a request, or a
    version a caller holds; 428 when missing, 412 when stale (:mod:`service.http.preconditions`)."""
    if isinstance(expected, int):
        expected = IfMatch(any=False, tags=(str(expected),))
    require_version(expected, current)


# A page of the plans the viewer may see, newest first, and the next page's cursor: the
# visibility filter is the whole rule, and it is the repository's query.
list_plans = repository.list_plans


async def plan_detail(session: AsyncSession, plan: SupervisionPlan) -> PlanDetail:
    """Members, agencies and participants of a plan the caller has loaded."""
    detail = await repository.plan_detail(session, plan.id)
    assert detail is not None
    return detail


def plan_read(
    read: Callable[[AsyncSession, uuid.UUID], Awaitable[T]],
) -> Callable[[AsyncSession, uuid.UUID, StaffPrincipal], Awaitable[T]]:
    """``read`` of the plan's records, for a viewer who may see the plan (404 otherwise):
    ``(session, plan_id, viewer)``."""

    async def visible(session: AsyncSession, plan_id: uuid.UUID, viewer: StaffPrincipal) -> T:
        await load_plan(session, plan_id, viewer)
        return await read(session, plan_id)

    return visible


# The seals of the plan's sealed sessions.
list_manifests = plan_read(repository.manifests)


def plan_snapshot(plan: SupervisionPlan) -> dict[str, Any]:
    return {
        **pick(
            plan,
            "code",
            "subject",
            "form",
            "unit_code",
            "period_start",
            "period_end",
            "state",
            "version",
        ),
        "submitted": plan.submitted_at is not None,
        "conclusion_published": plan.conclusion_published_at is not None,
    }


PLAN_AUDIT = Audited(PLAN, plan_snapshot, stamps_updated_at=True)


def plan_actions_for(plan: SupervisionPlan, access: PlanAccess) -> list[str]:
    return allowed_plan_actions(plan, access.capacities)


def plan_step(
    plan: SupervisionPlan, action: PlanAction, capacities: frozenset[Capacity]
) -> PlanTransition:
    """The transition ``action`` takes the plan through, decided by ``PLAN_FLOW`` (403 when the
    action is never the caller's, 409 when not now), told in the plan's own words."""
    state = PlanState(plan.state)
    try:
        return PLAN_FLOW.step(state, action, capacities, plan)
    except Forbidden:
        allowed = allowed_plan_actions(plan, capacities)
        raise Forbidden(
            msg("plan_action_forbidden", action=action, allowed=[PlanAction(a) for a in allowed])
        ) from None
    except StateConflict:
        raise StateConflict(
            msg(
                # "Submitted" tells drafts apart; every later state was submitted.
                "plan_action_not_allowed_submitted"
                if plan.submitted_at is not None and state is PlanState.draft
                else "plan_action_not_allowed",
                state=state,
                action=action,
            ),
            state=state,
            allowed_actions=allowed_plan_actions(plan, capacities),
        ) from None


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


def may_create_plan(viewer: StaffPrincipal) -> bool:
    return viewer.role in CREATOR_ROLES


async def create_plan(
    session: AsyncSession, data: PlanCreate, actor: StaffPrincipal
) -> SupervisionPlan:
    """A new draft plan. A supervisor creating a plan without naming a head becomes it."""
    if not may_create_plan(actor):
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
        # The plan's own fields as sent; its people and agencies are rows of their own.
        **data.model_dump(exclude={"agency_ids", "members", "participants", "petition_ids"}),
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
    return await PLAN_AUDIT.created(
        session,
        actor,
        plan,
        "oversight.plan.created",
        members=[{"user_id": m.user_id, "role": m.role} for m in members],
        agency_ids=data.agency_ids,
        petition_ids=plan.petition_ids,
    )


# Fields fixed once a plan is approved; the roster may change while the plan runs.
CORE_FIELDS = frozenset(
    {"code", "subject", "legal_basis", "form", "unit_code", "period_start", "period_end"}
)
ROSTER_STATES = frozenset({PlanState.draft, PlanState.approved, PlanState.in_progress})


def may_edit_plan(plan: SupervisionPlan, access: PlanAccess, viewer: StaffPrincipal) -> bool:
    """Who may edit a plan (its fields while a draft, its roster while it runs): its head,
    an approver, or whoever created it."""
    return access.manages or plan.created_by == viewer.user_id


def may_edit_fields(plan: SupervisionPlan) -> bool:
    """The plan's own fields (``CORE_FIELDS``) change only while it is a draft."""
    return PlanState(plan.state) is PlanState.draft


def may_edit_roster(plan: SupervisionPlan) -> bool:
    return PlanState(plan.state) in ROSTER_STATES


@dataclass(frozen=True)
class Candidate:
    """Someone a plan's roster may list: an active supervisor, Front officer or admin of the
    plan's unit, or of the city."""

    user_id: uuid.UUID
    username: str
    full_name: str
    staff_role: Role


# A ward has a few dozen such people; a city-level list is capped (the API takes any id).
CANDIDATES_LIMIT = 500


async def member_candidates(
    session: AsyncSession, plan_id: uuid.UUID, viewer: StaffPrincipal
) -> list[Candidate]:
    """The people the viewer may add to the plan's roster (404 for a plan not theirs; 403
    when they may not edit it)."""
    plan, access = await load_plan(session, plan_id, viewer)
    if not may_edit_plan(plan, access, viewer):
        raise Forbidden(msg("plan_edit_forbidden"))
    roles = sorted(MEMBER_ROLES)
    found = await repository.member_candidates(session, plan.unit_code, roles, CANDIDATES_LIMIT)
    return [Candidate(u.id, u.username, u.full_name, Role(u.role)) for u in found]


async def update_plan(
    session: AsyncSession,
    plan_id: uuid.UUID,
    data: PlanUpdate,
    actor: StaffPrincipal,
    *,
    expected_version: Expected,
) -> SupervisionPlan:
    plan, access = await load_plan(session, plan_id, actor, for_update=True)
    check_version(plan.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    if not may_edit_plan(plan, access, actor):
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
    return await PLAN_AUDIT.changed(
        session, actor, plan, "oversight.plan.updated", before, changed=sorted(changes)
    )


# Actions the state allows but the plan's sessions may still forbid: (what counts them, the
# refusal's message). A plan with sessions scheduled is not revised (they were planned on
# the approved plan); only what the sealed record supports goes public (a session closed but
# not sealed may still change the findings the conclusion rests on).
PlanCount = Callable[[AsyncSession, uuid.UUID], Awaitable[Any]]
REFUSED_WHILE: dict[PlanAction, tuple[PlanCount, str]] = {
    PlanAction.revise: (repository.sessions_for_plan, "plan_sessions_scheduled"),
    PlanAction.publish: (repository.unsealed_closed_session_count, "plan_sessions_unsealed"),
}


async def transition_plan(
    session: AsyncSession,
    plan_id: uuid.UUID,
    action: PlanAction | str,
    actor: StaffPrincipal | None,
    data: PlanActionRequest | None = None,
) -> SupervisionPlan:
    """Apply one action of the plan state machine (``workflow.PLAN_FLOW``).
    ``actor`` None is the system (opening a session starts an approved plan).
    The HTTP action checked ``If-Match`` on the locked row before."""
    data = data or PlanActionRequest()
    if actor is None:
        plan = await repository.get_plan(session, plan_id, for_update=True)
        if plan is None:
            raise NotFound(msg("plan_not_found"))
        capacities = SYSTEM
    else:
        plan, access = await load_plan(session, plan_id, actor, for_update=True)
        capacities = access.capacities
    try:
        plan_action = PlanAction(action)
    except ValueError:
        raise NotFound(msg("plan_action_unknown", action=action)) from None
    transition = plan_step(plan, plan_action, capacities)
    state = PlanState(plan.state)
    allowed = allowed_plan_actions(plan, capacities)
    before = plan_snapshot(plan)
    now = utcnow()
    refusal = REFUSED_WHILE.get(plan_action)
    if refusal is not None and await refusal[0](session, plan.id):
        raise StateConflict.refusing(
            msg(refusal[1]), action=plan_action.value, state=state, allowed_actions=allowed
        )
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
        # The conclusion is being rewritten: what was published is no longer the Front's word.
        plan.conclusion_published_at = plan.conclusion_published_by = None
    elif plan_action is PlanAction.archive:
        plan.archived_at = now
    elif plan_action is PlanAction.publish:
        plan.conclusion_published_at = now
        plan.conclusion_published_by = actor.user_id if actor else None
    plan.state = transition.target
    return await PLAN_AUDIT.changed(
        session, actor, plan, f"oversight.plan.{plan_action.value}", before, note=data.note
    )
