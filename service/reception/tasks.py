"""Jobs of online reception.

- ``reception.sweep`` (periodic): bookings whose slot ended unstarted become no-shows, and
  the reminders of the bookings starting within ``reception_reminder_hours`` are queued.
- ``reception.remind_citizen(booking_id)``: the one SMS reminding the citizen (the gateway
  of ``service.notices``); a booking no longer booked gets none. Without a gateway, nothing
  is sent.
"""

from __future__ import annotations

import uuid

from service.jobs.context import worker_context
from service.jobs.registry import job
from service.notices import config as phone_channels
from service.notices.base import NoticeRefused, PhoneNotice
from service.reception import repository, service
from service.reception.models import BookingStatus

SWEEP_EVERY_SECONDS = 300


@job("reception.sweep", queue="default")
async def sweep() -> None:
    context = worker_context()
    async with context.session_scope() as session:
        await service.sweep_no_shows(session)
        await service.queue_reminders(session, context.settings)


@job("reception.remind_citizen", queue="notifications")
async def remind_citizen(booking_id: str) -> None:
    context = worker_context()
    settings = context.settings
    async with context.session_scope() as session:
        booking = await repository.booking(session, uuid.UUID(booking_id))
        if booking is None or booking.status != BookingStatus.booked:
            return
        gateway = phone_channels.sms_gateway(settings)
        if gateway is None:
            return
        notice = PhoneNotice(
            phone=booking.phone,
            text=service.reminder_text(settings, booking),
            link=service.meeting_url(settings, booking),
            template="reception_reminder",
            params={"ma": booking.code},
            reference=f"reception-{booking.id.hex}",
        )
    try:
        await gateway.send(notice)
    except NoticeRefused:
        return  # refused for good (not a mobile...): never retried
