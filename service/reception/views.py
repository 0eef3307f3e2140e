"""A booking shaped for each reader: the citizen (their receipt and look-up), the API client
that booked it (the code and secret, once), and a Front officer of its unit (never the ID
number: only whether and when it was checked)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.notices.phones import PhoneFormat, formatted, mask
from service.reception import repository
from service.reception.models import ReceptionBooking
from service.reception.schemas import BookingCreated, BookingRead, CitizenBookingRead
from service.settings import Settings

# The columns a Front officer reads as they are stored.
STAFF_COLUMNS = (
    "id",
    "schedule_id",
    "unit_code",
    "full_name",
    "topic",
    "status",
    "officer_ids",
    "identity_checked_at",
    "record",
    "outcome",
    "outcome_text",
    "guided_to",
    "petition_id",
    "version",
)


def meeting_url(settings: Settings, booking: ReceptionBooking) -> str:
    return settings.reception_meeting_url_template.replace("{code}", booking.meeting_code)


def _slot(settings: Settings, booking: ReceptionBooking) -> dict[str, Any]:
    """What every reader of a booking is shown: its code, its slot and the meeting link."""
    return {
        "code": booking.code,
        "starts_at": booking.slot_start,
        "ends_at": booking.slot_end,
        "meeting_url": meeting_url(settings, booking),
    }


def citizen_view(settings: Settings, booking: ReceptionBooking) -> CitizenBookingRead:
    return CitizenBookingRead(
        **_slot(settings, booking), status=booking.status, unit_code=booking.unit_code
    )


def created(settings: Settings, booking: ReceptionBooking, secret: str) -> BookingCreated:
    return BookingCreated(**_slot(settings, booking), id=booking.id, secret=secret)


async def staff_view(
    session: AsyncSession, settings: Settings, booking: ReceptionBooking
) -> BookingRead:
    return BookingRead(
        **_slot(settings, booking),
        **{name: getattr(booking, name) for name in STAFF_COLUMNS},
        # As an officer writes it (091****678), not as a gateway wants it (8491****678).
        phone_masked=formatted(mask(booking.phone), PhoneFormat.national),
        evidence_ids=await repository.evidence_ids(session, booking.id),
    )
