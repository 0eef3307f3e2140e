"""The operations of online reception: schedules, slots, bookings, the reception and its
outcome, no-shows and reminders. Every change writes its audit event (never the ID number)
and any side effect as an outbox row, in the caller's transaction."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record as audit
from service.auth import service as auth_service
from service.auth.models import Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.db import utcnow
from service.directory.cache import reference_cache
from service.directory.calendar import WorkingCalendar, load_calendar
from service.directory.models import UnitLevel
from service.errors import Conflict, Forbidden, Invalid, NotFound, StateConflict, field_error
from service.i18n import msg
from service.jobs.outbox import enqueue
from service.mail.letter import Letter
from service.mail.queue import enqueue_letter
from service.notices import config as phone_channels
from service.notices.base import NoticeRefused, PhoneNotice
from service.notices.phones import mask, normalise_mobile
from service.petitions import intake
from service.petitions.codes import new_secret, secret_digest, secret_matches
from service.petitions.confidential import decrypt_json, encrypt_json
from service.petitions.models import Channel, NotifyChannel, Petition
from service.petitions.schemas import PetitionCreate, PetitionerIn
from service.reception import repository
from service.reception.models import (
    Action,
    BookingStatus,
    Outcome,
    ReceptionBooking,
    ReceptionSchedule,
)
from service.reception.schemas import (
    BookingCreate,
    BookingRead,
    CitizenBookingRead,
    CompleteRequest,
    ScheduleCreate,
    SlotRead,
    StartRequest,
)
from service.reception.workflow import BOOKING_FLOW, CITIZEN, FRONT, Party
from service.settings import Settings
from service.storage import service as storage

ENTITY = "reception_booking"
SCHEDULE_ENTITY = "reception_schedule"
REMIND_JOB = "reception.remind_citizen"
# The reception's own API client: what its petitions are filed as (as the portal's web form).
RECEPTION_CLIENT_ID = uuid.UUID("6f1c2a4e-0c1d-4e55-9a0b-7265637074a0")
RECEPTION_CLIENT = ClientPrincipal(
    client_id=RECEPTION_CLIENT_ID,
    name="Tiếp công dân trực tuyến",
    scopes=frozenset({"petitions:write"}),
)
MAX_SCHEDULE_DAYS = 366
BOOKING_HORIZON_DAYS = 60  # slots offered this far ahead
NO_SHOW_GRACE = timedelta(minutes=15)  # after the slot ended, the sweep marks a no-show
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
STAFF_ROLES = frozenset({Role.front_officer, Role.admin})
# Province codes a CCCD number begins with (Circular 59/2021/TT-BCA, Annex I: 001-096).
CCCD_PROVINCES = range(1, 97)


# -- identity -------------------------------------------------------------------------------


def cccd_valid(number: str) -> bool:
    """A 12-digit CCCD: a province code (001-096), then a century/sex digit, the year of
    birth's last two digits and six random digits (Circular 59/2021/TT-BCA, Art. 7)."""
    return len(number) == 12 and number.isdigit() and int(number[:3]) in CCCD_PROVINCES


def meeting_url(settings: Settings, booking: ReceptionBooking) -> str:
    return settings.reception_meeting_url_template.replace("{code}", booking.meeting_code)


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
    session.add(schedule)
    await session.flush()
    await audit(
        session,
        actor=viewer,
        action="reception.schedule_created",
        entity_type=SCHEDULE_ENTITY,
        entity_id=schedule.id,
        after=data.model_dump(mode="json"),
    )
    return schedule


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


async def free_slots(
    session: AsyncSession, schedule_id: uuid.UUID, now: datetime | None = None
) -> list[SlotRead]:
    now = now or utcnow()
    schedule = await repository.schedule(session, schedule_id)
    if schedule is None or not schedule.active:
        raise NotFound(msg("reception.schedule_not_found"))
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


async def book(
    session: AsyncSession, settings: Settings, data: BookingCreate, now: datetime | None = None
) -> Booked:
    """Book a seat in a slot. The schedule row is locked while its seats are counted, so
    two citizens booking the last seat at once get one booking and one 409; the partial
    unique index on (schedule, slot, seat) holds it even without the lock."""
    now = now or utcnow()
    errors = []
    if not data.consent_to_process:
        errors.append(field_error("consent_to_process", msg("consent_required")))
    if not cccd_valid(data.national_id):
        errors.append(field_error("national_id", msg("reception.cccd_invalid")))
    phone = normalise_mobile(data.phone)
    if phone is None:
        errors.append(field_error("phone", msg("mobile_number_invalid")))
    if errors or phone is None:
        raise Invalid(msg("reception.booking_invalid"), errors=errors)
    schedule = await repository.schedule(session, data.schedule_id, lock=True)
    if schedule is None or not schedule.active:
        raise NotFound(msg("reception.schedule_not_found"))
    starts_at = data.starts_at
    if starts_at.tzinfo is None:
        raise Invalid(msg("reception.slot_unknown"), field="starts_at")
    calendar = await load_calendar(session)
    slot = next(
        (s for s in slots_of(calendar, schedule, starts_at, starts_at + timedelta(seconds=1))),
        None,
    )
    if slot is None or slot[0] != starts_at:
        raise Invalid(msg("reception.slot_unknown"), field="starts_at")
    if slot[0] <= now:
        raise Invalid(msg("reception.slot_past"), field="starts_at")
    taken = (await repository.seats_taken(session, schedule.id, slot[0], slot[1])).get(slot[0], [])
    seat = next((n for n in range(1, schedule.capacity + 1) if n not in taken), None)
    if seat is None:
        raise Conflict(msg("reception.slot_full"))
    secret = new_secret()
    booking = ReceptionBooking(
        schedule_id=schedule.id,
        unit_code=schedule.unit_code,
        slot_start=slot[0],
        slot_end=slot[1],
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
    await audit(
        session,
        actor=None,
        action="reception.booked",
        entity_type=ENTITY,
        entity_id=booking.id,
        after={"slot_start": booking.slot_start, "unit_code": booking.unit_code},
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
    return await _move(session, booking, None, Action.cancel, BookingStatus.cancelled)


def citizen_view(settings: Settings, booking: ReceptionBooking) -> CitizenBookingRead:
    return CitizenBookingRead(
        code=booking.code,
        status=BookingStatus(booking.status),
        starts_at=booking.slot_start,
        ends_at=booking.slot_end,
        meeting_url=meeting_url(settings, booking),
        unit_code=booking.unit_code,
    )


# -- the reception (Front officers) ---------------------------------------------------------


def parties(viewer: StaffPrincipal | None) -> frozenset[Party]:
    if viewer is None:
        return frozenset({Party.system})
    return FRONT if viewer.role in STAFF_ROLES else frozenset()


async def load_visible(
    session: AsyncSession, booking_id: uuid.UUID, viewer: StaffPrincipal, *, lock: bool = True
) -> ReceptionBooking:
    """The booking, locked; 404 outside the viewer's unit."""
    booking = await repository.booking(session, booking_id, lock=lock)
    if booking is None or viewer.role not in STAFF_ROLES or not viewer.sees_unit(booking.unit_code):
        raise NotFound(msg("reception.booking_not_found"))
    return booking


async def list_bookings(
    session: AsyncSession,
    viewer: StaffPrincipal,
    *,
    statuses: list[BookingStatus] | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[ReceptionBooking], str | None]:
    if viewer.role not in STAFF_ROLES:
        raise Forbidden(msg("reception.front_only"))
    return await repository.booking_page(
        session, viewer.unit_code, statuses=statuses, since=since, cursor=cursor, limit=limit
    )


async def staff_view(
    session: AsyncSession, settings: Settings, booking: ReceptionBooking
) -> BookingRead:
    return BookingRead(
        id=booking.id,
        schedule_id=booking.schedule_id,
        unit_code=booking.unit_code,
        code=booking.code,
        starts_at=booking.slot_start,
        ends_at=booking.slot_end,
        full_name=booking.full_name,
        phone_masked=mask(booking.phone),
        topic=booking.topic,
        status=BookingStatus(booking.status),
        meeting_url=meeting_url(settings, booking),
        officer_ids=list(booking.officer_ids),
        identity_checked_at=booking.identity_checked_at,
        record=booking.record,
        outcome=Outcome(booking.outcome) if booking.outcome else None,
        outcome_text=booking.outcome_text,
        guided_to=booking.guided_to,
        petition_id=booking.petition_id,
        evidence_ids=await repository.evidence_ids(session, booking.id),
        version=booking.version,
    )


async def _changed(
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
    await session.flush()
    await audit(
        session,
        actor=actor,
        action=f"reception.{action}",
        entity_type=ENTITY,
        entity_id=booking.id,
        before=before,
        after=after,
    )
    return booking


async def _move(
    session: AsyncSession,
    booking: ReceptionBooking,
    actor: StaffPrincipal | None,
    action: Action,
    to: BookingStatus,
    **after: Any,
) -> ReceptionBooking:
    before = {"status": booking.status}
    booking.status = to
    return await _changed(
        session, booking, actor, action.value, before=before, after={"status": to.value, **after}
    )


async def start(
    session: AsyncSession,
    settings: Settings,
    booking: ReceptionBooking,
    actor: StaffPrincipal,
    data: StartRequest,
) -> ReceptionBooking:
    """The identity check at the start: the number read from the card the citizen shows
    must be the one they booked with (compared decrypted, never stored or logged again)."""
    BOOKING_FLOW.step(BookingStatus(booking.status), Action.start, parties(actor))
    booked = decrypt_json(settings, booking.national_id_ciphertext).get("national_id")
    if not secrets.compare_digest(str(booked), data.national_id):
        raise Invalid(msg("reception.identity_mismatch"), field="national_id")
    officers = [actor.user_id]
    if data.officer_ids:
        users = await repository.staff_users(session, list(dict.fromkeys(data.officer_ids)))
        fit = {
            u.id
            for u in users
            if u.active
            and Role(u.role) in STAFF_ROLES
            and (u.unit_code is None or u.unit_code == booking.unit_code)
        }
        unknown = [str(i) for i in data.officer_ids if i not in fit]
        if unknown:
            raise Invalid(msg("reception.officer_unknown"), field="officer_ids")
        officers += [i for i in dict.fromkeys(data.officer_ids) if i != actor.user_id]
    booking.officer_ids = officers
    booking.identity_checked_at = utcnow()
    booking.identity_checked_by = actor.user_id
    booking.identity_document = data.document
    return await _move(
        session,
        booking,
        actor,
        Action.start,
        BookingStatus.in_progress,
        identity_checked=True,
        document=data.document,
        officers=[str(o) for o in officers],
    )


def _require_in_progress(booking: ReceptionBooking) -> None:
    if booking.status != BookingStatus.in_progress:
        raise StateConflict(
            msg("reception.not_in_progress"),
            state=str(booking.status),
            allowed_actions=BOOKING_FLOW.allowed(BookingStatus(booking.status), FRONT),
        )


async def write_record(
    session: AsyncSession, booking: ReceptionBooking, actor: StaffPrincipal, text: str
) -> ReceptionBooking:
    """The record (biên bản) of what the citizen raised, while the reception runs."""
    _require_in_progress(booking)
    booking.record = text
    return await _changed(
        session, booking, actor, "record_written", after={"record_length": len(text)}
    )


async def attach_evidence(
    session: AsyncSession,
    booking: ReceptionBooking,
    actor: StaffPrincipal,
    evidence_id: uuid.UUID,
) -> ReceptionBooking:
    """Link evidence uploaded through the storage endpoints to the reception."""
    _require_in_progress(booking)
    evidence = await storage.get_evidence(session, evidence_id)
    if not storage.visible_to(evidence, actor):
        raise NotFound(msg("evidence_not_found"))
    if await repository.add_evidence(session, booking.id, evidence.id, actor.user_id):
        await _changed(
            session, booking, actor, "evidence_added", after={"evidence_id": evidence.id}
        )
    return booking


def _outcome_errors(data: CompleteRequest) -> list[dict[str, Any]]:
    errors = []
    if data.outcome is Outcome.petition:
        for name in ("kind", "category", "title", "description"):
            if getattr(data, name) is None:
                errors.append(field_error(name, msg("reception.petition_field_required")))
    elif data.outcome is Outcome.answered and not data.text:
        errors.append(field_error("text", msg("reception.answer_required")))
    elif data.outcome is Outcome.guided and not data.guided_to:
        errors.append(field_error("guided_to", msg("reception.guided_to_required")))
    return errors


async def complete(
    session: AsyncSession,
    settings: Settings,
    booking: ReceptionBooking,
    actor: StaffPrincipal,
    data: CompleteRequest,
) -> ReceptionBooking:
    """The outcome: a petition filed through the normal intake (channel
    ``online_reception``, the citizen identified by the checked CCCD), an answer given on
    the spot, or guidance to the competent body."""
    BOOKING_FLOW.step(BookingStatus(booking.status), Action.complete, parties(actor))
    errors = _outcome_errors(data)
    if not booking.record:
        errors.append(field_error("record", msg("reception.record_required")))
    if errors:
        raise Invalid(msg("reception.outcome_invalid"), errors=errors)
    if data.outcome is Outcome.petition:
        petition = await _file_petition(session, settings, booking, data)
        booking.petition_id = petition.id
    booking.outcome = data.outcome
    booking.outcome_text = data.text
    booking.guided_to = data.guided_to
    booking.finished_at = utcnow()
    return await _move(
        session,
        booking,
        actor,
        Action.complete,
        BookingStatus.completed,
        outcome=data.outcome.value,
        petition_id=str(booking.petition_id) if booking.petition_id else None,
    )


async def _file_petition(
    session: AsyncSession, settings: Settings, booking: ReceptionBooking, data: CompleteRequest
) -> Petition:
    unit_code: str | None = data.unit_code or booking.unit_code
    unit = await reference_cache.unit(session, booking.unit_code)
    if unit is not None and unit.level is UnitLevel.province and data.unit_code is None:
        unit_code = None  # a city reception: the ward comes from the address, or 422
    national_id = decrypt_json(settings, booking.national_id_ciphertext).get("national_id")
    assert data.kind
    assert data.category
    assert data.title
    assert data.description
    petition_data = PetitionCreate(
        kind=data.kind,
        category=data.category,
        title=data.title,
        description=data.description,
        unit_code=unit_code,
        address_text=data.address,
        channel=Channel.online_reception,
        petitioner=PetitionerIn(
            full_name=booking.full_name,
            phone=booking.phone,
            national_id=national_id,
            address=data.address,
        ),
        consent_to_process=True,  # given explicitly when booking
        notify_channel=NotifyChannel.sms,
    )
    await auth_service.ensure_channel_client(
        session, RECEPTION_CLIENT_ID, RECEPTION_CLIENT.name, "online-reception"
    )
    petition, _secret = await intake.file_petition(
        session, settings, RECEPTION_CLIENT, petition_data
    )
    return petition


async def mark_no_show(
    session: AsyncSession,
    booking: ReceptionBooking,
    actor: StaffPrincipal | None,
    now: datetime | None = None,
    note: str | None = None,
) -> ReceptionBooking:
    """The citizen did not come (an officer, once the slot began; or the sweep). ``note``
    goes to the audit event."""
    now = now or utcnow()
    BOOKING_FLOW.step(BookingStatus(booking.status), Action.mark_no_show, parties(actor))
    if now < booking.slot_start:
        raise StateConflict(
            msg("reception.no_show_too_early"),
            state=str(booking.status),
            allowed_actions=[],
        )
    booking.finished_at = now
    return await _move(
        session, booking, actor, Action.mark_no_show, BookingStatus.no_show, note=note
    )


async def sweep_no_shows(session: AsyncSession, now: datetime | None = None) -> int:
    """Bookings never started when their slot ended (and the grace passed): no-shows."""
    now = now or utcnow()
    count = 0
    for booking_id in await repository.ended_unreceived(session, now - NO_SHOW_GRACE, 500):
        booking = await repository.booking(session, booking_id, lock=True)
        if booking is None or booking.status != BookingStatus.booked:
            continue
        await mark_no_show(session, booking, None, now)
        count += 1
    return count


# -- reminders ------------------------------------------------------------------------------


def _local(settings: Settings, at: datetime) -> str:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(settings.timezone)).strftime("%H:%M %d/%m/%Y")


async def queue_reminders(
    session: AsyncSession, settings: Settings, now: datetime | None = None
) -> int:
    """The bookings starting within ``reception_reminder_hours``: one SMS job to the citizen
    and one letter to each Front officer of the unit, through the outbox, once each."""
    now = now or utcnow()
    until = now + timedelta(hours=settings.reception_reminder_hours)
    count = 0
    for booking_id in await repository.due_reminders(session, now, until, 500):
        booking = await repository.booking(session, booking_id, lock=True)
        if booking is None or booking.reminded_at is not None:
            continue
        booking.reminded_at = now
        await enqueue(
            session,
            REMIND_JOB,
            {"booking_id": str(booking.id)},
            dedupe_key=f"reception-remind:{booking.id}",
        )
        when = _local(settings, booking.slot_start)
        unit = await reference_cache.unit(session, booking.unit_code)
        city = unit is not None and unit.level is UnitLevel.province
        for email in await repository.officer_emails(session, None if city else booking.unit_code):
            await enqueue_letter(
                session,
                Letter(
                    to=email,
                    subject=msg("reception.mail.subject", when=when).render("vi"),
                    text=msg(
                        "reception.mail.body",
                        code=booking.code,
                        when=when,
                        link=meeting_url(settings, booking),
                    ).render("vi"),
                    key=f"reception-remind:{booking.id}:{email}",
                ),
            )
        count += 1
    await session.flush()
    return count


async def send_reminder(sessions: Any, settings: Settings, booking_id: uuid.UUID) -> bool:
    """The one SMS of ``reception.remind_citizen``: read the booking in its own unit of work,
    then hand the notice to the gateway (no transaction held during the call). False when
    there is nothing to send (gone, no longer booked, no gateway) or the gateway refused it
    for good; ``NoticeUnavailable`` propagates, so the job is retried."""
    async with sessions() as session:
        booking = await repository.booking(session, booking_id)
    if booking is None or booking.status != BookingStatus.booked:
        return False
    gateway = phone_channels.sms_gateway(settings)
    if gateway is None:
        return False
    notice = PhoneNotice(
        phone=booking.phone,
        text=reminder_text(settings, booking),
        link=meeting_url(settings, booking),
        template="reception_reminder",
        params={"ma": booking.code},
        reference=f"reception-{booking.id.hex}",
    )
    try:
        await gateway.send(notice)
    except NoticeRefused:
        return False
    return True


def reminder_text(settings: Settings, booking: ReceptionBooking) -> str:
    return msg(
        "reception.sms.reminder", code=booking.code, when=_local(settings, booking.slot_start)
    ).render("vi")


async def stats(
    session: AsyncSession,
    unit_code: str | None,
    low: datetime | None = None,
    high: datetime | None = None,
) -> dict[str, int]:
    return await repository.stats(session, unit_code, low, high)


async def period_stats(
    session: AsyncSession, unit_code: str | None, first: date, last: date, timezone: str
) -> dict[str, int]:
    """The figures of the receptions whose slot falls on the local days ``first``..``last``
    (the dashboard's and the council report's period)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(timezone)
    low = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    high = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return await repository.stats(session, unit_code, low, high)
