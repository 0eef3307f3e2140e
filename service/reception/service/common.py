"""What every part of the reception service shares: its constants, who is a Front party, and
how a change of a booking is written (its version bumped and its audit
event, never the ID number)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record as audit
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.reception.models import Action, BookingStatus, ReceptionBooking
from service.reception.workflow import FRONT, Party

ENTITY = "reception_booking"
SCHEDULE_ENTITY = "reception_schedule"
STAFF_ROLES = frozenset({Role.front_officer, Role.admin})


def parties(viewer: StaffPrincipal | None) -> frozenset[Party]:
    if viewer is None:
        return frozenset({Party.system})
    return FRONT if viewer.role in STAFF_ROLES else frozenset()


async def written(
    session: AsyncSession,
    actor: StaffPrincipal | None,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any],
) -> None:
    """The row is flushed and its audit event (``reception.<action>``) written."""
    await session.flush()
    await audit(
        session,
        actor=actor,
        action=f"reception.{action}",
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )


async def changed(
    session: AsyncSession,
    booking: ReceptionBooking,
    actor: StaffPrincipal | None,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any],
) -> ReceptionBooking:
    """A change of ``booking`` written: its version bumped and its audit event."""
    booking.version += 1
    booking.updated_at = utcnow()
    await written(session, actor, action, ENTITY, booking.id, before=before, after=after)
    return booking


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
    return await changed(
        session, booking, actor, action.value, before=before, after={"status": to.value, **after}
    )
