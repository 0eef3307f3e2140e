"""The citizen's side of online reception: schedules and their slots, booking a seat (the
CCCD kept encrypted), finding a booking by its code and secret, and cancelling it."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.directory.cache import reference_cache
from service.directory.calendar import WorkingCalendar, load_calendar
from service.errors import Conflict, Invalid, NotFound, field_error
from service.i18n import msg
from service.notices.phones import normalise_mobile
from service.petitions.codes import new_secret, secret_digest, secret_matches
from service.petitions.confidential import encrypt_json
from service.reception import repository
from service.reception.models import Action, BookingStatus, ReceptionBooking, ReceptionSchedule
from service.reception.schemas import BookingCreate, ScheduleCreate, SlotRead
from service.reception.service.common import BOOKING_AUDIT, SCHEDULE_AUDIT, STAFF_ROLES, move
from service.reception.workflow import BOOKING_FLOW, CITIZEN
from service.settings import Settings

MAX_SCHEDULE_DAYS = 366
BOOKING_HORIZON_DAYS = 60  # slots offered this far ahead
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
# Province codes a CCCD number begins with (Circular 59/2021/TT-BCA, Annex I: 001-096).
CCCD_PROVINCES = range(1, 97)


# -- identity -------------------------------------------------------------------------------


def cccd_valid(number: str) -> bool:
    """A 12-digit CCCD: a province code (001-096), then a century/sex digit, the year of
    birth's last two digits and six random digits (Circular 59/2021/TT-BCA, Art. 7)."""
    return len(number) == 12 and number.isdigit() and int(number[:3]) in CCCD_PROVINCES


def new_code() -> str:
    return "TCD-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


# -- schedules and slots --------------------------------------------------------------------


def _require_unit(viewer: StaffPrincipal, unit_code: str) -> None:
    if viewer.role not in STAFF_ROLES or not (
        viewer.role is Role.admin or viewer.sees_unit(unit_code)
    ):
        raise NotFound(msg("reception.unit_not_yours"))


async def create_schedule(
    session: AsyncSession, viewer: StaffPrincipal, data: ScheduleCreate
) -> ReceptionSchedule:
    _require_unit(viewer, data.unit_code)
    errors = []
    unit = await reference_cache.unit(session, data.unit_code)
    if unit is None:
        errors.append(field_error("unit_code", msg("ward_unknown", code=data.unit_code)))
    if data.ends_on < data.starts_on:
        errors.append(field_error("ends_on", msg("reception.period_order")))
    elif (data.ends_on - data.starts_on).days > MAX_SCHEDULE_DAYS:
        errors.append(field_error("ends_on", msg("reception.period_too_long", days=366)))
    if errors:
        raise Invalid(msg("reception.schedule_invalid"), errors=errors)
    schedule = ReceptionSchedule(**data.model_dump(), created_by=viewer.user_id)
    return await SCHEDULE_AUDIT.created(
        session, viewer, schedule, "reception.schedule_created", **data.model_dump(mode="json")
    )


async def list_schedules(
    session: AsyncSession, unit_code: str | None, today: date | None = None
) -> list[ReceptionSchedule]:
    """Public: the active schedules (of a unit) not yet over."""
    return await repository.schedules(session, unit_code, active_from=today or utcnow().date())


def slots_of(
    calendar: WorkingCalendar, schedule: ReceptionSchedule, low: datetime, high: datetime
) -> list[tuple[datetime, datetime]]:
    """The slots of ``schedule`` starting in [low, high): each working day of its period,
    each office period cut into ``slot_minutes`` pieces that end within it (holidays and
    weekends have none, a swapped Saturday has its hours)."""
    length = timedelta(minutes=schedule.slot_minutes)
    first = max(schedule.starts_on, calendar.local_date(low))
    last = min(schedule.ends_on, calendar.local_date(high))
    found = []
    day = first
    while day <= last:
        for start, end in calendar.office_periods(day):
            at = start
            while at + length <= end:
                if low <= at < high:
                    found.append((at, at + length))
                at += length
        day += timedelta(days=1)
    return found


async def _active_schedule(
    session: AsyncSession, schedule_id: uuid.UUID, *, lock: bool = False
) -> ReceptionSchedule:
    schedule = await repository.schedule(session, schedule_id, for_update=lock)
    if schedule is None or not schedule.active:
        raise NotFound(msg("reception.schedule_not_found"))
    return schedule


async def free_slots(
    session: AsyncSession, schedule_id: uuid.UUID, now: datetime | None = None
) -> list[SlotRead]:
    now = now or utcnow()
    schedule = await _active_schedule(session, schedule_id)
    high = now + timedelta(days=BOOKING_HORIZON_DAYS)
    slots = slots_of(await load_calendar(session), schedule, now, high)
    taken = await repository.seats_taken(session, schedule.id, now, high)
    return [
        SlotRead(starts_at=start, ends_at=end, free=schedule.capacity - len(taken.get(start, [])))
        for start, end in slots
    ]


# -- booking (the citizen) ------------------------------------------------------------------


@dataclass(frozen=True)
class Booked:
    booking: ReceptionBooking
    secret: str


def _applicant_errors(data: BookingCreate, phone: str | None) -> list[dict[str, object]]:
    errors = []
    if not data.consent_to_process:
        errors.append(field_error("consent_to_process", msg("consent_required")))
    if not cccd_valid(data.national_id):
        errors.append(field_error("national_id", msg("reception.cccd_invalid")))
    if phone is None:
        errors.append(field_error("phone", msg("mobile_number_invalid")))
    return errors


async def _slot(
    session: AsyncSession, schedule: ReceptionSchedule, starts_at: datetime, now: datetime
) -> tuple[datetime, datetime]:
    """The schedule's slot that starts at ``starts_at``, still to come (422 otherwise)."""
    if starts_at.tzinfo is None:
        raise Invalid(msg("reception.slot_unknown"), field="starts_at")
    calendar = await load_calendar(session)
    found = slots_of(calendar, schedule, starts_at, starts_at + timedelta(seconds=1))
    if not found or found[0][0] != starts_at:
        raise Invalid(msg("reception.slot_unknown"), field="starts_at")
    if starts_at <= now:
        raise Invalid(msg("reception.slot_past"), field="starts_at")
    return found[0]


async def book(
    session: AsyncSession, settings: Settings, data: BookingCreate, now: datetime | None = None
) -> Booked:
    """Book a seat in a slot. The schedule row is locked while its seats are counted, so
    two citizens booking the last seat at once get one booking and one 409; the partial
    unique index on (schedule, slot, seat) holds it even without the lock."""
    now = now or utcnow()
    phone = normalise_mobile(data.phone)
    errors = _applicant_errors(data, phone)
    if errors or phone is None:
        raise Invalid(msg("reception.booking_invalid"), errors=errors)
    schedule = await _active_schedule(session, data.schedule_id, lock=True)
    start, end = await _slot(session, schedule, data.starts_at, now)
    taken = (await repository.seats_taken(session, schedule.id, start, end)).get(start, [])
    seat = next((n for n in range(1, schedule.capacity + 1) if n not in taken), None)
    if seat is None:
        raise Conflict(msg("reception.slot_full"))
    secret = new_secret()
    booking = ReceptionBooking(
        schedule_id=schedule.id,
        unit_code=schedule.unit_code,
        slot_start=start,
        slot_end=end,
        seat=seat,
        code=new_code(),
        secret_hash=secret_digest(secret),
        full_name=data.full_name,
        phone=phone,
        national_id_ciphertext=encrypt_json(settings, {"national_id": data.national_id}),
        topic=data.topic,
        meeting_code=secrets.token_urlsafe(12),
        created_at=now,
        updated_at=now,
    )
    session.add(booking)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # only without the lock (another path): the seat went
        raise Conflict(msg("reception.slot_full")) from exc
    await BOOKING_AUDIT.audit(
        session,
        None,
        booking,
        "reception.booked",
        None,
        slot_start=booking.slot_start,
        unit_code=booking.unit_code,
    )
    return Booked(booking, secret)


async def find_for_citizen(
    session: AsyncSession, code: str, secret: str, *, lock: bool = False
) -> ReceptionBooking:
    """By code and secret; an unknown code and a wrong secret are the same 404."""
    booking = await repository.booking_by_code(session, code.strip().upper(), lock=lock)
    if not secret_matches(booking.secret_hash if booking else None, secret) or booking is None:
        raise NotFound(msg("reception.booking_not_found"))
    return booking


async def cancel(session: AsyncSession, booking: ReceptionBooking) -> ReceptionBooking:
    BOOKING_FLOW.step(BookingStatus(booking.status), Action.cancel, CITIZEN)
    return await move(session, booking, None, Action.cancel, BookingStatus.cancelled)
