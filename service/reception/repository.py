"""Every SQL statement of online reception."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.models import Role, StaffUser
from service.http import cursor as cursors
from service.kernel.rows import getter, in_period, one_where
from service.reception.models import (
    LIVE_STATUSES,
    BookingStatus,
    Outcome,
    ReceptionBooking,
    ReceptionEvidence,
    ReceptionSchedule,
)

BOOKINGS = "reception_bookings:slot"


# By id, locked ``FOR UPDATE`` (and reloaded) with ``for_update=True``.
schedule = getter(ReceptionSchedule)


async def schedules(
    session: AsyncSession, unit_code: str | None, *, active_from: date | None = None
) -> list[ReceptionSchedule]:
    statement = select(ReceptionSchedule)
    if unit_code is not None:
        statement = statement.where(col(ReceptionSchedule.unit_code) == unit_code)
    if active_from is not None:
        statement = statement.where(
            col(ReceptionSchedule.active), col(ReceptionSchedule.ends_on) >= active_from
        )
    statement = statement.order_by(col(ReceptionSchedule.starts_on), col(ReceptionSchedule.id))
    return list((await session.execute(statement.limit(200))).scalars())


async def seats_taken(
    session: AsyncSession, schedule_id: uuid.UUID, low: datetime, high: datetime
) -> dict[datetime, list[int]]:
    """The live seats of each slot of the schedule starting in [low, high)."""
    statement = (
        select(col(ReceptionBooking.slot_start), col(ReceptionBooking.seat))
        .where(
            col(ReceptionBooking.schedule_id) == schedule_id,
            col(ReceptionBooking.status).in_(LIVE_STATUSES),
            col(ReceptionBooking.slot_start) >= low,
            col(ReceptionBooking.slot_start) < high,
        )
        .order_by(col(ReceptionBooking.slot_start), col(ReceptionBooking.seat))
    )
    taken: dict[datetime, list[int]] = {}
    for start, seat in (await session.execute(statement)).all():
        taken.setdefault(start, []).append(seat)
    return taken


booking = getter(ReceptionBooking)


async def booking_by_code(
    session: AsyncSession, code: str, *, lock: bool = False
) -> ReceptionBooking | None:
    return await one_where(
        session, ReceptionBooking, col(ReceptionBooking.code) == code, for_update=lock
    )


async def booking_page(
    session: AsyncSession,
    unit_code: str | None,
    *,
    statuses: list[BookingStatus] | None,
    since: datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[ReceptionBooking], str | None]:
    """One keyset page by (slot_start, id), earliest first."""
    start, row_id = col(ReceptionBooking.slot_start), col(ReceptionBooking.id)
    statement = select(ReceptionBooking)
    if unit_code is not None:
        statement = statement.where(col(ReceptionBooking.unit_code) == unit_code)
    if statuses:
        statement = statement.where(col(ReceptionBooking.status).in_([str(s) for s in statuses]))
    if since is not None:
        statement = statement.where(start >= since)
    if cursor:
        at, last_id = cursors.decode(BOOKINGS, cursor, (datetime, uuid.UUID))
        statement = statement.where(sa.tuple_(start, row_id) > sa.tuple_(at, last_id))
    statement = statement.order_by(start, row_id).limit(limit + 1)
    rows = list((await session.execute(statement)).scalars())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, cursors.encode(BOOKINGS, rows[-1].slot_start, rows[-1].id)


async def evidence_ids(session: AsyncSession, booking_id: uuid.UUID) -> list[uuid.UUID]:
    statement = (
        select(col(ReceptionEvidence.evidence_id))
        .where(col(ReceptionEvidence.booking_id) == booking_id)
        .order_by(col(ReceptionEvidence.added_at))
    )
    return list((await session.execute(statement)).scalars())


async def add_evidence(
    session: AsyncSession, booking_id: uuid.UUID, evidence_id: uuid.UUID, by: uuid.UUID
) -> bool:
    table: Any = ReceptionEvidence.__table__  # type: ignore[attr-defined]
    result = await session.execute(
        insert(table)
        .values(booking_id=booking_id, evidence_id=evidence_id, added_by=by)
        .on_conflict_do_nothing()
        .returning(table.c.evidence_id)
    )
    return result.first() is not None


async def _booked(
    session: AsyncSession, *conditions: Any, order: Any, limit: int
) -> list[uuid.UUID]:
    """The ids of the bookings still ``booked`` that meet ``conditions`` (the sweeps)."""
    statement = (
        select(col(ReceptionBooking.id))
        .where(col(ReceptionBooking.status) == BookingStatus.booked.value, *conditions)
        .order_by(order)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def ended_unreceived(session: AsyncSession, before: datetime, limit: int) -> list[uuid.UUID]:
    """Bookings still ``booked`` whose slot ended before ``before`` (the no-show sweep)."""
    slot_end = col(ReceptionBooking.slot_end)
    return await _booked(session, slot_end < before, order=slot_end, limit=limit)


async def due_reminders(
    session: AsyncSession, now: datetime, until: datetime, limit: int
) -> list[uuid.UUID]:
    """Bookings still ``booked``, not yet reminded, whose slot starts in (now, until]."""
    start = col(ReceptionBooking.slot_start)
    reminded = col(ReceptionBooking.reminded_at).is_(None)
    return await _booked(session, reminded, start > now, start <= until, order=start, limit=limit)


async def officer_emails(session: AsyncSession, unit_code: str | None) -> list[str]:
    """The e-mail addresses of the active Front officers of a ward (None: of the city)."""
    unit = (
        col(StaffUser.unit_code).is_(None)
        if unit_code is None
        else col(StaffUser.unit_code) == unit_code
    )
    statement = select(col(StaffUser.email)).where(
        unit,
        col(StaffUser.role) == Role.front_officer.value,
        col(StaffUser.email).is_not(None),
        col(StaffUser.active),
    )
    return [email for email in (await session.execute(statement)).scalars() if email]


async def stats(
    session: AsyncSession, unit_code: str | None, low: datetime | None, high: datetime | None
) -> dict[str, int]:
    """Booked, received, no-show, cancelled and petitions made, set-based."""
    b = ReceptionBooking
    status = col(b.status)
    statement = sa.select(
        sa.func.count().filter(status != BookingStatus.cancelled.value).label("booked"),
        sa.func.count()
        .filter(status.in_([BookingStatus.in_progress.value, BookingStatus.completed.value]))
        .label("received"),
        sa.func.count().filter(status == BookingStatus.no_show.value).label("no_show"),
        sa.func.count().filter(status == BookingStatus.cancelled.value).label("cancelled"),
        sa.func.count().filter(col(b.outcome) == Outcome.petition.value).label("petitions"),
    )
    if unit_code is not None:
        statement = statement.where(col(b.unit_code) == unit_code)
    statement = statement.where(*in_period(col(b.slot_start), low, high))
    row = (await session.execute(statement)).one()
    return dict(row._mapping)


async def staff_users(session: AsyncSession, ids: list[uuid.UUID]) -> list[StaffUser]:
    if not ids:
        return []
    statement = select(StaffUser).where(col(StaffUser.id).in_(ids))
    return list((await session.execute(statement)).scalars())
