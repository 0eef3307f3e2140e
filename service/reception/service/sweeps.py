"""What runs without anyone asking: the no-show sweep, the reminders before a slot (one SMS
to the citizen, one letter to each Front officer of the unit, through the outbox), and the
figures of the receptions for the dashboard and the council report."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.directory.cache import reference_cache
from service.directory.models import UnitLevel
from service.i18n import msg
from service.jobs.outbox import enqueue
from service.mail.letter import Letter
from service.mail.queue import enqueue_letter
from service.notices import config as phone_channels
from service.notices.base import NoticeRefused, PhoneNotice
from service.reception import repository
from service.reception.models import BookingStatus, ReceptionBooking
from service.reception.service.record import mark_no_show
from service.reception.views import meeting_url
from service.settings import Settings

REMIND_JOB = "reception.remind_citizen"
NO_SHOW_GRACE = timedelta(minutes=15)  # after the slot ended, the sweep marks a no-show
BATCH = 500


async def sweep_no_shows(session: AsyncSession, now: datetime | None = None) -> int:
    """Bookings never started when their slot ended (and the grace passed): no-shows."""
    now = now or utcnow()
    count = 0
    for booking_id in await repository.ended_unreceived(session, now - NO_SHOW_GRACE, BATCH):
        booking = await repository.booking(session, booking_id, for_update=True)
        if booking is None or booking.status != BookingStatus.booked:
            continue
        await mark_no_show(session, booking, None, now)
        count += 1
    return count


def _local(settings: Settings, at: datetime) -> str:
    return at.astimezone(ZoneInfo(settings.timezone)).strftime("%H:%M %d/%m/%Y")


async def _tell_officers(
    session: AsyncSession, settings: Settings, booking: ReceptionBooking
) -> None:
    """A letter to each Front officer of the booking's unit (every one, for the city's)."""
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


async def queue_reminders(
    session: AsyncSession, settings: Settings, now: datetime | None = None
) -> int:
    """The bookings starting within ``reception_reminder_hours``: one SMS job to the citizen
    and one letter to each Front officer of the unit, through the outbox, once each."""
    now = now or utcnow()
    until = now + timedelta(hours=settings.reception_reminder_hours)
    count = 0
    for booking_id in await repository.due_reminders(session, now, until, BATCH):
        booking = await repository.booking(session, booking_id, for_update=True)
        if booking is None or booking.reminded_at is not None:
            continue
        booking.reminded_at = now
        await enqueue(
            session,
            REMIND_JOB,
            {"booking_id": str(booking.id)},
            dedupe_key=f"reception-remind:{booking.id}",
        )
        await _tell_officers(session, settings, booking)
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
    tz = ZoneInfo(timezone)
    low = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    high = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return await repository.stats(session, unit_code, low, high)
