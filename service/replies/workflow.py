"""The referral state machine as data: (state, action) -> next state, and who may act.

Parties: ``agency`` (an agency officer of the referral's agency), ``front`` (a Front officer
of the referral's unit, or city level), ``citizen`` (the petitioner, through the petitions
package's tracking route or an API client) and ``system`` (jobs, other packages' services).
Admins act as agency and Front. A forbidden action raises ``StateConflict`` (409) listing
the actions the caller's party may take now.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from service.auth.models import Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.errors import StateConflict
from service.i18n import msg
from service.replies.models import ReferralState


class Party(StrEnum):
    agency = "agency"
    front = "front"
    citizen = "citizen"
    system = "system"


class Action(StrEnum):
    acknowledge = "acknowledge"
    decline = "decline"
    request_extension = "request_extension"
    approve_extension = "approve_extension"
    refuse_extension = "refuse_extension"
    save_draft = "save_draft"
    submit_answer = "submit_answer"
    return_answer = "return_answer"
    accept_answer = "accept_answer"
    publish = "publish"
    rate_satisfied = "rate_satisfied"
    rate_not_satisfied = "rate_not_satisfied"
    close = "close"
    reopen = "reopen"
    escalate = "escalate"
    cancel = "cancel"


@dataclass(frozen=True)
class Transition:
    state: ReferralState
    action: Action
    next_state: ReferralState
    parties: frozenset[Party]
    # Shown in the citizen's tracking view (petitions reads it from referral_history).
    visible_to_citizen: bool = False


S, A, P = ReferralState, Action, Party
AGENCY, FRONT = frozenset({P.agency}), frozenset({P.front})
CITIZEN = frozenset({P.citizen, P.front})  # the Front may record a rating given in person
FRONT_OR_SYSTEM = frozenset({P.front, P.system})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.sent, A.acknowledge, S.acknowledged, AGENCY, visible_to_citizen=True),
    Transition(S.sent, A.decline, S.declined, AGENCY),
    Transition(S.acknowledged, A.decline, S.declined, AGENCY),
    Transition(S.acknowledged, A.request_extension, S.acknowledged, AGENCY),
    Transition(S.acknowledged, A.approve_extension, S.acknowledged, FRONT, visible_to_citizen=True),
    Transition(S.acknowledged, A.refuse_extension, S.acknowledged, FRONT),
    Transition(S.acknowledged, A.save_draft, S.acknowledged, AGENCY),
    Transition(S.acknowledged, A.submit_answer, S.answer_submitted, AGENCY),
    Transition(S.answer_submitted, A.return_answer, S.acknowledged, FRONT),
    Transition(S.answer_submitted, A.accept_answer, S.answer_accepted, FRONT),
    Transition(S.answer_accepted, A.publish, S.published, FRONT, visible_to_citizen=True),
    Transition(S.published, A.rate_satisfied, S.closed, CITIZEN, visible_to_citizen=True),
    Transition(S.published, A.rate_not_satisfied, S.disputed, CITIZEN, visible_to_citizen=True),
    # The feedback window ended without a rating (the sweep), or the Front closes it.
    Transition(S.published, A.close, S.closed, FRONT_OR_SYSTEM, visible_to_citizen=True),
    Transition(S.disputed, A.close, S.closed, FRONT, visible_to_citizen=True),
    Transition(S.disputed, A.reopen, S.acknowledged, FRONT, visible_to_citizen=True),
    Transition(S.disputed, A.escalate, S.escalated, FRONT, visible_to_citizen=True),
    *(
        Transition(state, A.cancel, S.cancelled, FRONT_OR_SYSTEM)
        for state in (S.sent, S.acknowledged, S.answer_submitted, S.answer_accepted, S.disputed)
    ),
)

_TABLE: dict[tuple[ReferralState, Action], Transition] = {
    (t.state, t.action): t for t in TRANSITIONS
}


def parties_of(actor: StaffPrincipal | ClientPrincipal | None) -> frozenset[Party]:
    if actor is None:
        return frozenset({Party.system, Party.citizen})
    if isinstance(actor, ClientPrincipal):
        return frozenset({Party.citizen})
    if actor.role == Role.admin:
        return frozenset({Party.agency, Party.front})
    if actor.role == Role.agency_officer:
        return frozenset({Party.agency})
    if actor.role == Role.front_officer:
        return frozenset({Party.front})
    return frozenset()


def allowed_actions(state: str, parties: frozenset[Party] | None = None) -> list[str]:
    """Actions possible in ``state`` (for ``parties``, or for anyone)."""
    state = ReferralState(state)
    return sorted(
        t.action.value
        for t in TRANSITIONS
        if t.state == state and (parties is None or t.parties & parties)
    )


def transition(
    state: str, action: Action, actor: StaffPrincipal | ClientPrincipal | None
) -> Transition:
    """The transition for ``action`` now, or ``StateConflict`` naming what is allowed."""
    state = ReferralState(state)
    parties = parties_of(actor)
    found = _TABLE.get((state, action))
    if found is None or not (found.parties & parties):
        raise StateConflict(
            msg("referral_action_not_allowed", action=action, state=state),
            state=state.value,
            allowed_actions=allowed_actions(state, parties),
        )
    return found
