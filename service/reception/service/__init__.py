"""The operations of online reception, in three parts: the citizen's side (schedules, slots,
booking, cancelling: ``booking``), the reception by the Front officers (the identity check,
the record, the outcome, a no-show: ``record``) and what runs by itself (the no-show sweep,
the reminders, the figures: ``sweeps``). Every change writes its audit event (never the ID
number) and any side effect as an outbox row, in the caller's transaction.

Every public name is importable from here, as callers always have."""

from __future__ import annotations

from service.reception.service.booking import (
    BOOKING_HORIZON_DAYS,
    CODE_ALPHABET,
    MAX_SCHEDULE_DAYS,
    Booked,
    book,
    cancel,
    cccd_valid,
    create_schedule,
    find_for_citizen,
    free_slots,
    list_schedules,
    new_code,
    slots_of,
)
from service.reception.service.common import ENTITY, SCHEDULE_ENTITY, STAFF_ROLES, parties
from service.reception.service.record import (
    RECEPTION_CLIENT,
    RECEPTION_CLIENT_ID,
    attach_evidence,
    complete,
    list_bookings,
    load_visible,
    mark_no_show,
    start,
    write_record,
)
from service.reception.service.sweeps import (
    NO_SHOW_GRACE,
    REMIND_JOB,
    period_stats,
    queue_reminders,
    reminder_text,
    send_reminder,
    stats,
    sweep_no_shows,
)
from service.reception.views import citizen_view, created, meeting_url, staff_view

__all__ = [
    "BOOKING_HORIZON_DAYS",
    "CODE_ALPHABET",
    "ENTITY",
    "MAX_SCHEDULE_DAYS",
    "NO_SHOW_GRACE",
    "RECEPTION_CLIENT",
    "RECEPTION_CLIENT_ID",
    "REMIND_JOB",
    "SCHEDULE_ENTITY",
    "STAFF_ROLES",
    "Booked",
    "attach_evidence",
    "book",
    "cancel",
    "cccd_valid",
    "citizen_view",
    "complete",
    "create_schedule",
    "created",
    "find_for_citizen",
    "free_slots",
    "list_bookings",
    "list_schedules",
    "load_visible",
    "mark_no_show",
    "meeting_url",
    "new_code",
    "parties",
    "period_stats",
    "queue_reminders",
    "reminder_text",
    "send_reminder",
    "slots_of",
    "staff_view",
    "start",
    "stats",
    "sweep_no_shows",
    "write_record",
]
