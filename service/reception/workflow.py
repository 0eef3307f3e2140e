"""The state machine of a booking, as data (``service.workflow``).

Parties: ``front`` (a Front officer of the unit, or an admin), ``citizen`` (holding the
booking's code and secret) and ``system`` (the no-show sweep)."""

from __future__ import annotations

from enum import StrEnum

from service.reception.models import Action, BookingStatus
from service.workflow import Transition, Workflow


class Party(StrEnum):
    front = "front"
    citizen = "citizen"
    system = "system"


FRONT = frozenset({Party.front})
CITIZEN = frozenset({Party.citizen})
FRONT_OR_SYSTEM = frozenset({Party.front, Party.system})

S = BookingStatus
BOOKING_FLOW: Workflow[BookingStatus, Action, Party] = Workflow(
    "reception_booking",
    [
        Transition(S.booked, Action.start, S.in_progress, FRONT),
        Transition(S.in_progress, Action.complete, S.completed, FRONT),
        Transition(S.booked, Action.cancel, S.cancelled, CITIZEN),
        Transition(S.booked, Action.mark_no_show, S.no_show, FRONT_OR_SYSTEM),
    ],
)
