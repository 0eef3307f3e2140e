"""The plan state machine as data: (state, action) -> (next state, who may do it).

Who may act is expressed as *capacities* of the caller towards one plan, not bare roles,
because the same front officer is an approver of a ward's plan and a stranger to another
ward's: ``head`` (the plan's head), ``approver`` (a front officer whose area covers the
plan's unit, or an admin). Submission is recorded on a draft (``submitted_at``), so the
five states stay those of the plan's life: approval needs a submitted draft, and
``return`` sends a submitted draft back to its authors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from service.oversight.models import PlanState, RecommendationState, SessionState


class Capacity(StrEnum):
    head = "head"
    approver = "approver"


class PlanAction(StrEnum):
    submit = "submit"
    return_ = "return"
    approve = "approve"
    revise = "revise"  # approved -> draft again, before any session ran
    start = "start"
    conclude = "conclude"
    reopen = "reopen"  # concluded -> in_progress
    archive = "archive"


@dataclass(frozen=True)
class Transition:
    target: PlanState
    capacities: frozenset[Capacity]
    # Extra condition on a draft: None = any, True = must be submitted, False = must not be.
    submitted: bool | None = None


HEAD, APPROVER = Capacity.head, Capacity.approver

PLAN_TRANSITIONS: dict[tuple[PlanState, PlanAction], Transition] = {
    (PlanState.draft, PlanAction.submit): Transition(
        PlanState.draft, frozenset({HEAD}), submitted=False
    ),
    (PlanState.draft, PlanAction.return_): Transition(
        PlanState.draft, frozenset({APPROVER}), submitted=True
    ),
    (PlanState.draft, PlanAction.approve): Transition(
        PlanState.approved, frozenset({APPROVER}), submitted=True
    ),
    (PlanState.approved, PlanAction.revise): Transition(PlanState.draft, frozenset({APPROVER})),
    (PlanState.approved, PlanAction.start): Transition(
        PlanState.in_progress, frozenset({HEAD, APPROVER})
    ),
    (PlanState.in_progress, PlanAction.conclude): Transition(
        PlanState.concluded, frozenset({HEAD, APPROVER})
    ),
    (PlanState.concluded, PlanAction.reopen): Transition(
        PlanState.in_progress, frozenset({APPROVER})
    ),
    (PlanState.concluded, PlanAction.archive): Transition(
        PlanState.archived, frozenset({APPROVER})
    ),
}

# States in which the plan's content (subject, members, agencies...) may be edited.
EDITABLE_STATES = frozenset({PlanState.draft})
# States in which sessions may be scheduled and run, findings and recommendations written.
ACTIVE_STATES = frozenset({PlanState.approved, PlanState.in_progress})
WORK_STATES = frozenset({PlanState.in_progress})


def allowed_plan_actions(
    state: PlanState, submitted: bool, capacities: frozenset[Capacity]
) -> list[str]:
    """The actions this caller may take on a plan now."""
    actions = []
    for (from_state, action), transition in PLAN_TRANSITIONS.items():
        if from_state is not state or not (transition.capacities & capacities):
            continue
        if transition.submitted is not None and transition.submitted != submitted:
            continue
        actions.append(action.value)
    return sorted(actions)


def all_plan_actions(state: PlanState, submitted: bool) -> list[str]:
    """The actions possible in this state for someone, whoever the caller is."""
    return allowed_plan_actions(state, submitted, frozenset(Capacity))


# Session life: scheduled -> open -> closed -> sealed; scheduled -> cancelled.
class SessionAction(StrEnum):
    open = "open"
    close = "close"
    seal = "seal"
    cancel = "cancel"
    reschedule = "reschedule"


SESSION_TRANSITIONS: dict[tuple[SessionState, SessionAction], SessionState] = {
    (SessionState.scheduled, SessionAction.open): SessionState.open,
    (SessionState.scheduled, SessionAction.cancel): SessionState.cancelled,
    (SessionState.scheduled, SessionAction.reschedule): SessionState.scheduled,
    (SessionState.open, SessionAction.close): SessionState.closed,
    (SessionState.closed, SessionAction.seal): SessionState.sealed,
}


def allowed_session_actions(state: SessionState) -> list[str]:
    return sorted(a.value for (s, a) in SESSION_TRANSITIONS if s is state)


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
