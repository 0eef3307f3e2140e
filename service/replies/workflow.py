"""The referral state machine as data: (state, action) -> next state, and who may act.

Parties: ``agency`` (an agency officer of the referral's agency), ``front`` (a Front officer
of the referral's unit, or city level), ``citizen`` (the petitioner, through the petitions
package's tracking route or an API client) and ``system`` (jobs, other packages' services).
Admins act as agency and Front. The lookup is the shared :class:`service.workflow.Workflow`:
403 for an action that is never the caller's party's, 409 (``StateConflict``, listing the
actions the caller's party may take now) for one that is, but not in this state.
"""

from __future__ import annotations

from enum import StrEnum

from service.auth.models import Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.replies.models import ReferralState
from service.workflow import Transition as _Transition
from service.workflow import Workflow


class Party(StrEnum):
    """Who acts on a referral, as the referral's flow checks it (see the module's note for
    who is which party)."""

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


Transition = _Transition[ReferralState, Action, Party]

S, A, P = ReferralState, Action, Party
AGENCY, FRONT = frozenset({P.agency}), frozenset({P.front})
CITIZEN = frozenset({P.citizen, P.front})  # the Front may record a rating given in person
FRONT_OR_SYSTEM = frozenset({P.front, P.system})

# ``citizen_visible``: shown in the citizen's tracking view (petitions reads it from
# referral_history).
TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.sent, A.acknowledge, S.acknowledged, AGENCY, citizen_visible=True),
    Transition(S.sent, A.decline, S.declined, AGENCY),
    Transition(S.acknowledged, A.decline, S.declined, AGENCY),
    Transition(S.acknowledged, A.request_extension, S.acknowledged, AGENCY),
    Transition(S.acknowledged, A.approve_extension, S.acknowledged, FRONT, citizen_visible=True),
    Transition(S.acknowledged, A.refuse_extension, S.acknowledged, FRONT),
    Transition(S.acknowledged, A.save_draft, S.acknowledged, AGENCY),
    Transition(S.acknowledged, A.submit_answer, S.answer_submitted, AGENCY),
    Transition(S.answer_submitted, A.return_answer, S.acknowledged, FRONT),
    Transition(S.answer_submitted, A.accept_answer, S.answer_accepted, FRONT),
    Transition(S.answer_accepted, A.publish, S.published, FRONT, citizen_visible=True),
    Transition(S.published, A.rate_satisfied, S.closed, CITIZEN, citizen_visible=True),
    Transition(S.published, A.rate_not_satisfied, S.disputed, CITIZEN, citizen_visible=True),
    # The feedback window ended without a rating (the sweep), or the Front closes it.
    Transition(S.published, A.close, S.closed, FRONT_OR_SYSTEM, citizen_visible=True),
    Transition(S.disputed, A.close, S.closed, FRONT, citizen_visible=True),
    Transition(S.disputed, A.reopen, S.acknowledged, FRONT, citizen_visible=True),
    Transition(S.disputed, A.escalate, S.escalated, FRONT, citizen_visible=True),
    *(
        Transition(state, A.cancel, S.cancelled, FRONT_OR_SYSTEM)
        for state in (S.sent, S.acknowledged, S.answer_submitted, S.answer_accepted, S.disputed)
    ),
)

WORKFLOW: Workflow[ReferralState, Action, Party] = Workflow("referral", TRANSITIONS)


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
    return WORKFLOW.allowed(ReferralState(state), parties)


def transition(
    state: str, action: Action, actor: StaffPrincipal | ClientPrincipal | None
) -> Transition:
    """The transition for ``action`` now; 403 when it is never the actor's, 409 (naming what
    is allowed) when it is, but not in this state."""
    return WORKFLOW.step(ReferralState(state), action, parties_of(actor))
