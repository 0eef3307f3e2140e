"""The petition lifecycle as data: (state, action) -> next state, and who may act; looked
up by the one mechanism of every domain (:class:`service.workflow.Workflow`: 403 for someone
else's action, 409 listing the allowed ones for the wrong state).

Performers: ``front_officer`` (staff; administrators pass too, as with every staff guard),
``citizen`` (through the tracking code and secret) and ``system`` (mirroring what happens to
the referral in replies: acknowledged, declined, answered, closed, reopened, escalated).

Clock effects (see ``service.petitions.clock``): ``request_info`` pauses the routing clock,
``provide_info``/``resume``/``accept`` resume it, ``refer``/``reject``/``merge``/``withdraw``
stop it, ``decline`` and ``recall`` start a new one (the Front must route the item again).
"""

from __future__ import annotations

from enum import StrEnum

from service import workflow
from service.petitions.models import FINAL_STATUSES, Petition, PetitionStatus

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


class Transition(workflow.Transition[PetitionStatus, Action, Performer]):
    """A row of the table; ``citizen_visible``: shown in the citizen's tracking view, and
    notified (unless the citizen did it)."""

    @property
    def performers(self) -> frozenset[Performer]:
        return self.parties


FRONT = frozenset({Performer.front_officer})
CITIZEN = frozenset({Performer.citizen})
SYSTEM = frozenset({Performer.system})

_TRIAGE = (S.received, S.needs_info, S.accepted)
_WITH_AGENCY = (S.referred, S.in_progress, S.reopened)


def _row(
    source: PetitionStatus, action: Action, target: PetitionStatus, by: frozenset[Performer]
) -> Transition:
    # Every petition transition is the citizen's business (their tracking view shows it).
    return Transition(source, action, target, by, citizen_visible=True)


def _rows() -> list[Transition]:
    rows = [
        _row(S.received, Action.request_info, S.needs_info, FRONT),
        _row(S.needs_info, Action.provide_info, S.received, CITIZEN),
        _row(S.needs_info, Action.resume, S.received, FRONT),
        _row(S.received, Action.accept, S.accepted, FRONT),
        _row(S.needs_info, Action.accept, S.accepted, FRONT),
        _row(S.accepted, Action.refer, S.referred, FRONT),
        _row(S.referred, Action.acknowledge, S.in_progress, SYSTEM),
        _row(S.answered, Action.close, S.closed, SYSTEM),
        _row(S.answered, Action.reopen, S.reopened, SYSTEM),
        _row(S.closed, Action.reopen, S.reopened, SYSTEM),
    ]
    for source in _TRIAGE:
        rows.append(_row(source, Action.reject, S.rejected, FRONT))
        rows.append(_row(source, Action.merge, S.merged, FRONT))
    for source in (*_TRIAGE, *_WITH_AGENCY):
        rows.append(_row(source, Action.withdraw, S.withdrawn, CITIZEN))
    for source in _WITH_AGENCY:
        rows.append(_row(source, Action.decline, S.accepted, SYSTEM))
        rows.append(_row(source, Action.publish_answer, S.answered, SYSTEM))
        # The Front cancelled the referral (in replies): back to triage, no bounce counted.
        rows.append(_row(source, Action.recall, S.accepted, SYSTEM))
    # Escalation to the superior agency hands the item to a new referral.
    for source in (S.in_progress, S.answered, S.closed, S.reopened):
        rows.append(_row(source, Action.escalate, S.referred, SYSTEM))
    return rows


PETITION = workflow.Workflow[PetitionStatus, Action, Performer]("petition", _rows())
TRANSITIONS: dict[tuple[PetitionStatus, Action], Transition] = {
    (row.source, row.action): row  # type: ignore[misc]
    for row in PETITION.rows
}


def allowed_actions(status: PetitionStatus, performer: Performer | None = None) -> list[str]:
    """The actions possible in ``status`` (for ``performer``, when given)."""
    return PETITION.allowed(
        PetitionStatus(status), None if performer is None else frozenset({performer})
    )


def can(status: PetitionStatus, action: Action, performer: Performer) -> bool:
    row = PETITION.find(PetitionStatus(status), action)
    return row is not None and performer in row.parties


def transition_for(status: PetitionStatus, action: Action, performer: Performer) -> Transition:
    """The transition, or 403 (someone else's action) / 409 (listing what is allowed now)."""
    row = PETITION.step(PetitionStatus(status), action, frozenset({performer}))
    assert isinstance(row, Transition)
    return row


# What the citizen can do besides the workflow's actions, while the petition is open.
_CITIZEN_EXTRAS_OPEN = ("add_evidence", "add_information", "set_publish_consent")


def citizen_actions(petition: Petition) -> list[str]:
    """What the citizen may do now (the tracking view's ``allowed_actions``)."""
    actions = set(allowed_actions(PetitionStatus(petition.status), Performer.citizen))
    if petition.status not in FINAL_STATUSES:
        actions.update(_CITIZEN_EXTRAS_OPEN)
    if petition.status == PetitionStatus.answered and petition.referral_id is not None:
        actions.add("rate")
    return sorted(actions)
