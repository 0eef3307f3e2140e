"""Findings, recommendations after supervision (kiến nghị sau giám sát), their follow-up
through replies' referrals, and implementation checks in re-supervision sessions.

Issuing a recommendation hands it to its agency as a referral
(``replies.create_referral(item=ReferredItem("recommendation", ...), ...)``); from then on
the agency answers through the replies inbox and the recommendation's state follows the referral's
events (``apply_referral_event``, subscribed in ``wiring.py``). The recommendation's
own due date comes from ``deadline_policy`` (supervision_recommendation, answer step;
30 days when no row exists) and follows the referral's answer deadline once the agency has
acknowledged it, granted extensions and reopenings.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.audited import Audited, pick
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.deadlines.models import ItemKind
from service.deadlines.policy import answer_due_at
from service.errors import Invalid, StateConflict
from service.i18n import Message, msg
from service.oversight import repository
from service.oversight.access import PlanAccess
from service.oversight.models import (
    Finding,
    PlanState,
    Recommendation,
    RecommendationState,
    SupervisionPlan,
)
from service.oversight.schemas import (
    FindingCreate,
    FindingUpdate,
    RecommendationCreate,
    RecommendationUpdate,
)
from service.oversight.service.plans import (
    Expected,
    check_version,
    load_plan,
    plan_read,
    plan_record,
)
from service.oversight.service.sessions import load_session
from service.oversight.workflow import ANSWERED_STATES, OPEN_RECOMMENDATION_STATES
from service.replies import events
from service.replies import service as replies
from service.replies.events import ReferralEvent

ITEM_TYPE = "recommendation"
RECOMMENDATION = "supervision_recommendation"
FINDING = "supervision_finding"
DEFAULT_DUE_DAYS = 30
# Findings are written while the plan runs; recommendations are drafted and issued while it
# runs and once it is concluded (the conclusion carries them).
FINDING_STATES = frozenset({PlanState.in_progress})
RECOMMENDATION_STATES = frozenset({PlanState.in_progress, PlanState.concluded})

# The agency's answer outcome (replies.AnswerOutcome) -> the recommendation's state.
OUTCOME_STATES: dict[str, RecommendationState] = {
    "resolved": RecommendationState.implemented,
    "partly_resolved": RecommendationState.partly_implemented,
    "explained": RecommendationState.accepted,
    "rejected_with_legal_basis": RecommendationState.rejected,
    "transferred": RecommendationState.declined,
    # Outcomes named after the recommendation's own states, should replies offer them.
    "accepted": RecommendationState.accepted,
    "implemented": RecommendationState.implemented,
    "partly_implemented": RecommendationState.partly_implemented,
    "rejected": RecommendationState.rejected,
}
FOLLOWED = events.FollowedStates(
    RecommendationState, RecommendationState.issued, OUTCOME_STATES, ANSWERED_STATES
)


def _require_plan_state(
    plan: SupervisionPlan, states: frozenset[PlanState], access: PlanAccess, what: Message
) -> None:
    from service.oversight.service import plan_actions_for

    if PlanState(plan.state) not in states:
        raise StateConflict(
            msg("plan_state_forbids", what=what, state=PlanState(plan.state)),
            state=plan.state,
            allowed_actions=plan_actions_for(plan, access),
        )


def _require_member_while(
    plan: SupervisionPlan, access: PlanAccess, states: frozenset[PlanState], what: Message
) -> None:
    """Plan members write findings and draft recommendations, while the plan is in one of
    ``states`` (403 for anyone else first, then 409)."""
    access.require_member(what)
    _require_plan_state(plan, states, access, what)


# -- findings --------------------------------------------------------------------------------


async def _check_links(
    session: AsyncSession,
    plan_id: uuid.UUID,
    entry_ids: Sequence[uuid.UUID],
    evidence_ids: Sequence[uuid.UUID],
) -> None:
    found_entries = await repository.entries_in_plan(session, plan_id, entry_ids)
    for index, entry_id in enumerate(entry_ids):
        if entry_id not in found_entries:
            raise Invalid(msg("entry_not_of_plan"), field=f"log_entry_ids[{index}]")
    found_evidence = await repository.evidence_in_plan(session, plan_id, evidence_ids)
    for index, evidence_id in enumerate(evidence_ids):
        if evidence_id not in found_evidence:
            raise Invalid(msg("evidence_not_of_plan"), field=f"evidence_ids[{index}]")


def _finding_snapshot(finding: Finding) -> dict[str, Any]:
    return pick(
        finding, "plan_id", "session_id", "title", "log_entry_ids", "evidence_ids", "version"
    )


FINDING_AUDIT = Audited(FINDING, _finding_snapshot, stamps_updated_at=True)


async def create_finding(
    session: AsyncSession, plan_id: uuid.UUID, data: FindingCreate, actor: StaffPrincipal
) -> Finding:
    plan, access = await load_plan(session, plan_id, actor)
    _require_member_while(plan, access, FINDING_STATES, msg("what_record_findings"))
    if data.session_id is not None:
        _, session_plan, _ = await load_session(session, data.session_id, actor)
        if session_plan.id != plan.id:
            raise Invalid(msg("session_not_of_plan"), field="session_id")
    await _check_links(session, plan.id, data.log_entry_ids, data.evidence_ids)
    finding = Finding(
        plan_id=plan.id,
        session_id=data.session_id,
        title=data.title,
        text=data.text,
        log_entry_ids=list(dict.fromkeys(data.log_entry_ids)),
        evidence_ids=list(dict.fromkeys(data.evidence_ids)),
        created_by=actor.user_id,
    )
    return await FINDING_AUDIT.created(session, actor, finding, "oversight.finding.created")


# A finding of a plan the viewer may see (404 otherwise).
load_finding = plan_record(repository.get_finding, msg("finding_not_found"))


async def update_finding(
    session: AsyncSession,
    finding_id: uuid.UUID,
    data: FindingUpdate,
    actor: StaffPrincipal,
    *,
    expected_version: Expected,
) -> Finding:
    finding, plan, access = await load_finding(session, finding_id, actor, for_update=True)
    _require_member_while(plan, access, FINDING_STATES, msg("what_edit_findings"))
    check_version(finding.version, expected_version)
    before = _finding_snapshot(finding)
    await _check_links(session, plan.id, data.log_entry_ids or [], data.evidence_ids or [])
    if data.title is not None:
        finding.title = data.title
    if data.text is not None:
        finding.text = data.text
    if data.log_entry_ids is not None:
        finding.log_entry_ids = list(dict.fromkeys(data.log_entry_ids))
    if data.evidence_ids is not None:
        finding.evidence_ids = list(dict.fromkeys(data.evidence_ids))
    return await FINDING_AUDIT.changed(session, actor, finding, "oversight.finding.updated", before)


list_findings = plan_read(repository.findings_for_plan)


# -- recommendations -------------------------------------------------------------------------


def snapshot(rec: Recommendation) -> dict[str, Any]:
    return pick(rec, "plan_id", "agency_id", "title", "state", "due_at", "referral_id", "version")


RECOMMENDATION_AUDIT = Audited(RECOMMENDATION, snapshot, stamps_updated_at=True)


async def _check_agency(session: AsyncSession, agency_id: uuid.UUID) -> None:
    agency = (await repository.agencies_by_id(session, [agency_id])).get(agency_id)
    if agency is None or not agency.active:
        raise Invalid(msg("agency_unknown_or_inactive"), field="agency_id")


async def _check_finding(
    session: AsyncSession, plan_id: uuid.UUID, finding_id: uuid.UUID | None
) -> None:
    if finding_id is None:
        return
    finding = await repository.get_finding(session, finding_id)
    if finding is None or finding.plan_id != plan_id:
        raise Invalid(msg("finding_not_of_plan"), field="finding_id")


# A recommendation with its plan and the viewer's relation to it (404 when not theirs).
load_recommendation = plan_record(repository.get_recommendation, msg("recommendation_not_found"))


async def create_recommendation(
    session: AsyncSession, plan_id: uuid.UUID, data: RecommendationCreate, actor: StaffPrincipal
) -> Recommendation:
    """A draft recommendation to one agency (members draft; the head or an approver issues)."""
    plan, access = await load_plan(session, plan_id, actor)
    _require_member_while(plan, access, RECOMMENDATION_STATES, msg("what_draft_recommendations"))
    await _check_agency(session, data.agency_id)
    await _check_finding(session, plan.id, data.finding_id)
    rec = Recommendation(plan_id=plan.id, **data.model_dump(), created_by=actor.user_id)
    return await RECOMMENDATION_AUDIT.created(
        session, actor, rec, "oversight.recommendation.drafted"
    )


async def update_recommendation(
    session: AsyncSession,
    recommendation_id: uuid.UUID,
    data: RecommendationUpdate,
    actor: StaffPrincipal,
    *,
    expected_version: Expected,
) -> Recommendation:
    rec, plan, access = await load_recommendation(
        session, recommendation_id, actor, for_update=True
    )
    access.require_member(msg("what_edit_recommendations"))
    check_version(rec.version, expected_version)
    if RecommendationState(rec.state) is not RecommendationState.draft:
        raise StateConflict(
            msg("recommendation_issued_immutable"),
            state=rec.state,
            allowed_actions=recommendation_actions(rec, access),
        )
    before = snapshot(rec)
    if data.agency_id is not None:
        await _check_agency(session, data.agency_id)
        rec.agency_id = data.agency_id
    if "finding_id" in data.model_fields_set:
        await _check_finding(session, plan.id, data.finding_id)
        rec.finding_id = data.finding_id
    if data.title is not None:
        rec.title = data.title
    if data.text is not None:
        rec.text = data.text
    return await RECOMMENDATION_AUDIT.changed(
        session, actor, rec, "oversight.recommendation.updated", before
    )


def recommendation_actions(rec: Recommendation, access: PlanAccess) -> list[str]:
    state = RecommendationState(rec.state)
    actions: list[str] = []
    if state is RecommendationState.draft:
        if access.is_member:
            actions.append("edit")
        if access.manages:
            actions += ["issue", "withdraw"]
    elif state is RecommendationState.declined and access.manages:
        actions += ["issue", "withdraw"]
    elif state in OPEN_RECOMMENDATION_STATES and access.manages:
        actions.append("withdraw")
    return sorted(actions)


async def issue_recommendation(
    session: AsyncSession,
    recommendation_id: uuid.UUID,
    actor: StaffPrincipal,
    *,
    note: str | None = None,
    agency_id: uuid.UUID | None = None,
) -> Recommendation:
    """Send a draft (or a declined recommendation, to another agency) to its agency: a
    referral is created and the answer deadline set from policy."""
    rec, plan, access = await load_recommendation(
        session, recommendation_id, actor, for_update=True
    )
    access.require_manager(msg("what_issue_recommendations"))
    _require_plan_state(plan, RECOMMENDATION_STATES, access, msg("what_issue_recommendations"))
    state = RecommendationState(rec.state)
    if state not in (RecommendationState.draft, RecommendationState.declined):
        raise StateConflict(
            msg("recommendation_not_issuable"),
            state=state,
            allowed_actions=recommendation_actions(rec, access),
        )
    before = snapshot(rec)
    if agency_id is not None:
        await _check_agency(session, agency_id)
        rec.agency_id = agency_id
    elif state is RecommendationState.declined:
        raise Invalid(msg("reissue_agency_required"), field="agency_id")
    item = replies.ReferredItem(
        ITEM_TYPE, rec.id, ItemKind.supervision_recommendation, plan.unit_code, rec.title
    )
    referral = await replies.create_referral(
        session, item=item, agency_id=rec.agency_id, actor=actor, note=note
    )
    now = utcnow()
    rec.referral_id = referral.id
    rec.state = RecommendationState.issued
    rec.issued_at = now
    rec.issued_by = actor.user_id
    rec.due_at = await answer_due_at(
        session, ItemKind.supervision_recommendation, now, DEFAULT_DUE_DAYS
    )
    rec.answered_at = rec.answer_outcome = rec.answer_summary = None
    return await RECOMMENDATION_AUDIT.changed(
        session, actor, rec, "oversight.recommendation.issued", before, at=now, note=note
    )


async def withdraw_recommendation(
    session: AsyncSession,
    recommendation_id: uuid.UUID,
    actor: StaffPrincipal,
    *,
    reason: str,
) -> Recommendation:
    """Withdraw a draft or a recommendation still waiting for its answer (its referral is
    cancelled)."""
    rec, _, access = await load_recommendation(session, recommendation_id, actor, for_update=True)
    access.require_manager(msg("what_withdraw_recommendations"))
    if "withdraw" not in recommendation_actions(rec, access):
        raise StateConflict(
            msg("recommendation_not_withdrawable"),
            state=rec.state,
            allowed_actions=recommendation_actions(rec, access),
        )
    before = snapshot(rec)
    previous = RecommendationState(rec.state)
    rec.state = RecommendationState.withdrawn
    RECOMMENDATION_AUDIT.touch(rec)
    await session.flush()
    if rec.referral_id is not None and previous in OPEN_RECOMMENDATION_STATES:
        # Oversight authorised the caller (the plan's head or an approver); a supervisor
        # is no party to replies' workflow, so the cancellation goes in as the system's,
        # while our own audit event names the person.
        party = actor if actor.role in (Role.front_officer, Role.admin) else None
        referral = await replies.load_for_change(session, rec.referral_id, party)
        await replies.cancel_referral(session, referral, actor=party, reason=reason)
    return await RECOMMENDATION_AUDIT.audit(
        session, actor, rec, "oversight.recommendation.withdrawn", before, reason=reason
    )


async def list_plan_recommendations(
    session: AsyncSession, plan_id: uuid.UUID, viewer: StaffPrincipal
) -> list[repository.RecommendationView]:
    await load_plan(session, plan_id, viewer)
    return await repository.list_recommendations(session, plan_id=plan_id)


async def get_recommendation_view(
    session: AsyncSession, recommendation_id: uuid.UUID, viewer: StaffPrincipal
) -> tuple[repository.RecommendationView, list[str]]:
    rec, _, access = await load_recommendation(session, recommendation_id, viewer)
    views = await repository.list_recommendations(session, ids=[rec.id])
    return views[0], recommendation_actions(rec, access)


# -- following the referral ------------------------------------------------------------------


async def apply_referral_event(session: AsyncSession, event: ReferralEvent) -> None:
    """Mirror what happened to a recommendation's referral (in the same transaction).
    Events of a referral the recommendation no longer follows are ignored."""
    moving = await FOLLOWED.moving(
        event,
        ITEM_TYPE,
        lambda item_id: repository.get_recommendation(session, item_id, for_update=True),
    )
    if moving is None:
        return
    rec, state = moving
    before = snapshot(rec)
    new_state: RecommendationState | None = state
    if event.name == events.ESCALATED:
        if (escalated := event.escalation()) is not None:
            rec.referral_id, rec.agency_id = escalated
            new_state = RecommendationState.issued
    else:
        new_state = FOLLOWED.follow(event, rec, state)
    if new_state is None:
        return
    rec.state = new_state
    await RECOMMENDATION_AUDIT.changed(
        session,
        event.actor,
        rec,
        f"oversight.recommendation.{event.name.removeprefix('referral.')}",
        before,
        referral_id=event.referral_id,
    )
