"""The plan and session state machines as data, on the one mechanism of every domain
(:class:`service.workflow.Workflow`: 403 for someone else's action, 409 for the wrong state).

Who may act on a plan is expressed as *capacities* of the caller towards one plan, not bare
roles, because the same front officer is an approver of a ward's plan and a stranger to
another ward's: ``head`` (the plan's head), ``approver`` (a front officer whose area covers the
plan's unit, or an admin). Submission is recorded on a draft (``submitted_at``), so the
five states stay those of the plan's life: approval needs a submitted draft (a transition's
``condition``), and ``return`` sends a submitted draft back to its authors.

A session is run by the plan's head or secretary (``runner``); the head or an approver
(``manager``) may also cancel or reschedule one that has not started.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from service.oversight.models import PlanState, RecommendationState, SessionState
from service.workflow import Transition, Workflow


class Capacity(StrEnum):
    """What the caller is towards one plan, which the plan's flow checks: its ``head``, or
    an ``approver`` (see the module's note)."""

    head = "head"
    approver = "approver"


class PlanAction(StrEnum):
    """What may be done to a supervision plan, each a transition of ``PLAN_FLOW`` for the
    capacities it names."""

    submit = "submit"
    return_ = "return"
    approve = "approve"
    revise = "revise"  # approved -> draft again, before any session ran
    start = "start"
    conclude = "conclude"
    reopen = "reopen"  # concluded -> in_progress
    archive = "archive"
    # The Front makes the conclusion public (the public feed of conclusions); the state
    # stays, a concluded or archived plan is published once.
    publish = "publish"


HEAD, APPROVER = Capacity.head, Capacity.approver
# The system (opening a session starts an approved plan) acts in every capacity.
SYSTEM = frozenset(Capacity)


def _submitted(plan: Any) -> bool:
    return plan.submitted_at is not None


def _not_submitted(plan: Any) -> bool:
    return plan.submitted_at is None


def _unpublished(plan: Any) -> bool:
    return plan.conclusion_published_at is None


PlanTransition = Transition[PlanState, PlanAction, Capacity]

PLAN_FLOW: Workflow[PlanState, PlanAction, Capacity] = Workflow(
    "plan",
    [
        PlanTransition(
            PlanState.draft,
            PlanAction.submit,
            PlanState.draft,
            frozenset({HEAD}),
            condition=_not_submitted,
        ),
        PlanTransition(
            PlanState.draft,
            PlanAction.return_,
            PlanState.draft,
            frozenset({APPROVER}),
            condition=_submitted,
        ),
        PlanTransition(
            PlanState.draft,
            PlanAction.approve,
            PlanState.approved,
            frozenset({APPROVER}),
            condition=_submitted,
        ),
        PlanTransition(
            PlanState.approved, PlanAction.revise, PlanState.draft, frozenset({APPROVER})
        ),
        PlanTransition(
            PlanState.approved, PlanAction.start, PlanState.in_progress, frozenset({HEAD, APPROVER})
        ),
        PlanTransition(
            PlanState.in_progress,
            PlanAction.conclude,
            PlanState.concluded,
            frozenset({HEAD, APPROVER}),
        ),
        PlanTransition(
            PlanState.concluded, PlanAction.reopen, PlanState.in_progress, frozenset({APPROVER})
        ),
        PlanTransition(
            PlanState.concluded, PlanAction.archive, PlanState.archived, frozenset({APPROVER})
        ),
        PlanTransition(
            PlanState.concluded,
            PlanAction.publish,
            PlanState.concluded,
            frozenset({APPROVER}),
            condition=_unpublished,
        ),
        PlanTransition(
            PlanState.archived,
            PlanAction.publish,
            PlanState.archived,
            frozenset({APPROVER}),
            condition=_unpublished,
        ),
    ],
)

# States in which the plan's content (subject, members, agencies...) may be edited.
EDITABLE_STATES = frozenset({PlanState.draft})
# States in which sessions may be scheduled and run, findings and recommendations written.
ACTIVE_STATES = frozenset({PlanState.approved, PlanState.in_progress})
WORK_STATES = frozenset({PlanState.in_progress})


def allowed_plan_actions(plan: Any, capacities: frozenset[Capacity]) -> list[str]:
    """The actions this caller may take on ``plan`` now."""
    return PLAN_FLOW.allowed(PlanState(plan.state), capacities, plan)


# Session life: scheduled -> open -> closed -> sealed; scheduled -> cancelled.
class SessionAction(StrEnum):
    open = "open"
    close = "close"
    seal = "seal"
    cancel = "cancel"
    reschedule = "reschedule"


class SessionParty(StrEnum):
    runner = "runner"  # the plan's head or secretary
    manager = "manager"  # the plan's head or an approver


RUNNER, MANAGER = SessionParty.runner, SessionParty.manager
SessionTransition = Transition[SessionState, SessionAction, SessionParty]

SESSION_FLOW: Workflow[SessionState, SessionAction, SessionParty] = Workflow(
    "session",
    [
        SessionTransition(
            SessionState.scheduled, SessionAction.open, SessionState.open, frozenset({RUNNER})
        ),
        SessionTransition(
            SessionState.scheduled,
            SessionAction.cancel,
            SessionState.cancelled,
            frozenset({RUNNER, MANAGER}),
        ),
        SessionTransition(
            SessionState.scheduled,
            SessionAction.reschedule,
            SessionState.scheduled,
            frozenset({RUNNER, MANAGER}),
        ),
        SessionTransition(
            SessionState.open, SessionAction.close, SessionState.closed, frozenset({RUNNER})
        ),
        SessionTransition(
            SessionState.closed, SessionAction.seal, SessionState.sealed, frozenset({RUNNER})
        ),
    ],
)
ANY_SESSION_PARTY = frozenset(SessionParty)


def allowed_session_actions(
    state: SessionState, parties: frozenset[SessionParty] = ANY_SESSION_PARTY
) -> list[str]:
    """The session actions possible in ``state`` (for ``parties``; by default for anyone)."""
    return SESSION_FLOW.allowed(state, parties)


# Recommendations: the Front drafts and issues; the agency's answer (through the referral)
# moves the rest. ``OPEN_RECOMMENDATION_STATES`` still wait for the agency.
OPEN_RECOMMENDATION_STATES = frozenset(
    {
        RecommendationState.issued,
        RecommendationState.acknowledged,
        RecommendationState.overdue,
    }
)
ANSWERED_STATES = frozenset(
    {
        RecommendationState.accepted,
        RecommendationState.partly_implemented,
        RecommendationState.implemented,
        RecommendationState.rejected,
    }
)
