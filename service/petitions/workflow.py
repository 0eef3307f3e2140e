"""The petition lifecycle as data: (state, action) -> next state, and who may act.

Performers: ``front_officer`` (staff; administrators pass too, as with every staff guard),
``citizen`` (through the tracking code and secret) and ``system`` (mirroring what happens to
the referral in replies: acknowledged, declined, answered, closed, reopened, escalated).

Clock effects (see ``service.petitions.clock``): ``request_info`` pauses the routing clock,
``provide_info``/``resume``/``accept`` resume it, ``refer``/``reject``/``merge``/``withdraw``
stop it, ``decline`` and ``recall`` start a new one (the Front must route the item again).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from service.errors import Forbidden, StateConflict
from service.i18n import msg
from service.petitions.models import PetitionStatus

S = PetitionStatus


class Action(StrEnum):
    request_info = "request_info"
    provide_info = "provide_info"
    resume = "resume"
    accept = "accept"
    reject = "reject"
    refer = "refer"
    merge = "merge"
    withdraw = "withdraw"
    acknowledge = "acknowledge"
    decline = "decline"
    publish_answer = "publish_answer"
    close = "close"
    reopen = "reopen"
    escalate = "escalate"
    recall = "recall"


class Performer(StrEnum):
    front_officer = "front_officer"
    citizen = "citizen"
    system = "system"


@dataclass(frozen=True)
class Transition:
    source: PetitionStatus
    action: Action
    target: PetitionStatus
    performers: frozenset[Performer]
    # Shown in the citizen's tracking view, and notified (unless the citizen did it).
    citizen_visible: bool = True


FRONT = frozenset({Performer.front_officer})
CITIZEN = frozenset({Performer.citizen})
SYSTEM = frozenset({Performer.system})

_TRIAGE = (S.received, S.needs_info, S.accepted)
_WITH_AGENCY = (S.referred, S.in_progress, S.reopened)


def _rows() -> list[Transition]:
    rows = [
        Transition(S.received, Action.request_info, S.needs_info, FRONT),
        Transition(S.needs_info, Action.provide_info, S.received, CITIZEN),
        Transition(S.needs_info, Action.resume, S.received, FRONT),
        Transition(S.received, Action.accept, S.accepted, FRONT),
        Transition(S.needs_info, Action.accept, S.accepted, FRONT),
        Transition(S.accepted, Action.refer, S.referred, FRONT),
        Transition(S.referred, Action.acknowledge, S.in_progress, SYSTEM),
        Transition(S.answered, Action.close, S.closed, SYSTEM),
        Transition(S.answered, Action.reopen, S.reopened, SYSTEM),
        Transition(S.closed, Action.reopen, S.reopened, SYSTEM),
    ]
    for source in _TRIAGE:
        rows.append(Transition(source, Action.reject, S.rejected, FRONT))
        rows.append(Transition(source, Action.merge, S.merged, FRONT))
    for source in (*_TRIAGE, *_WITH_AGENCY):
        rows.append(Transition(source, Action.withdraw, S.withdrawn, CITIZEN))
    for source in _WITH_AGENCY:
        rows.append(Transition(source, Action.decline, S.accepted, SYSTEM))
        rows.append(Transition(source, Action.publish_answer, S.answered, SYSTEM))
        # The Front cancelled the referral (in replies): back to triage, no bounce counted.
        rows.append(Transition(source, Action.recall, S.accepted, SYSTEM))
    # Escalation to the superior agency hands the item to a new referral.
    for source in (S.in_progress, S.answered, S.closed, S.reopened):
        rows.append(Transition(source, Action.escalate, S.referred, SYSTEM))
    return rows


TRANSITIONS: dict[tuple[PetitionStatus, Action], Transition] = {
    (row.source, row.action): row for row in _rows()
}


def allowed_actions(status: PetitionStatus, performer: Performer | None = None) -> list[str]:
    """The actions possible in ``status`` (for ``performer``, when given)."""
    return sorted(
        row.action.value
        for (source, _), row in TRANSITIONS.items()
        if source == status and (performer is None or performer in row.performers)
    )


def can(status: PetitionStatus, action: Action, performer: Performer) -> bool:
    row = TRANSITIONS.get((status, action))
    return row is not None and performer in row.performers


def transition_for(status: PetitionStatus, action: Action, performer: Performer) -> Transition:
    """The transition, or 409 (listing what is allowed now) / 403 (someone else's action)."""
    row = TRANSITIONS.get((PetitionStatus(status), action))
    if row is None:
        raise StateConflict(
            msg("petition_action_not_allowed", action=action, status=PetitionStatus(status)),
            state=str(status),
            allowed_actions=allowed_actions(PetitionStatus(status), performer),
        )
    if performer not in row.performers:
        raise Forbidden(msg("petition_action_not_for", action=action, performer=performer))
    return row
