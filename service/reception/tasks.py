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
from service.reception import service

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
    await service.send_reminder(context.sessions, context.settings, uuid.UUID(booking_id))
