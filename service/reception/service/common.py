"""What every part of the reception service shares: its constants, who is a Front party, and
how a booking and a schedule are saved with their audit events (``Audited``: a booking's
version bumped; what the action changed, never the ID number)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.audited import Audited, only_changes
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.reception.models import Action, BookingStatus, ReceptionBooking, ReceptionSchedule
from service.reception.workflow import FRONT, Party

ENTITY = "reception_booking"
SCHEDULE_ENTITY = "reception_schedule"
STAFF_ROLES = frozenset({Role.front_officer, Role.admin})


def parties(viewer: StaffPrincipal | None) -> frozenset[Party]:
    if viewer is None:
        return frozenset({Party.system})
    return FRONT if viewer.role in STAFF_ROLES else frozenset()


# What a booking's and a schedule's audit events carry: what the action changed.
BOOKING_AUDIT: Audited[ReceptionBooking] = Audited(ENTITY, only_changes, stamps_updated_at=True)
SCHEDULE_AUDIT: Audited[ReceptionSchedule] = Audited(SCHEDULE_ENTITY, only_changes)


async def move(
    session: AsyncSession,
    booking: ReceptionBooking,
    actor: StaffPrincipal | None,
    action: Action,
    to: BookingStatus,
    **after: Any,
) -> ReceptionBooking:
    before = {"status": booking.status}
    booking.status = to
    return await BOOKING_AUDIT.changed(
        session, actor, booking, f"reception.{action.value}", before, status=to.value, **after
    )
