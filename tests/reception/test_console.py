"""The console's reception pages through HTTP: the list of the unit's bookings, and a
reception walked through its forms (identity check, record, outcome answered on the spot)
with the same If-Match and workflow as the API; another ward's officer gets 404."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.reception import service
from service.reception.models import BookingStatus, ReceptionSchedule
from service.reception.schemas import BookingCreate
from service.settings import Settings
from tests.factories import PASSWORD
from tests.reception.conftest import CCCD, People, booking_body
from tests.web.support import console_login, csrf_token


async def test_receive_through_the_console(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    people: People,
    schedule: ReceptionSchedule,
) -> None:
    slot = (await service.free_slots(session, schedule.id))[0]
    booked = await service.book(
        session, settings, BookingCreate.model_validate(booking_body(schedule, slot.starts_at))
    )
    booking = booked.booking
    await console_login(client, people.ward_front.username, PASSWORD)
    listing = await client.get("/console/reception")
    assert listing.status_code == 200
    assert booking.code in listing.text
    assert CCCD not in listing.text
    page = await client.get(f"/console/reception/{booking.id}")
    assert page.status_code == 200
    assert "meet.jit.si" in page.text
    token = csrf_token(page.text)
    base = f"/console/reception/{booking.id}/actions"

    wrong = await client.post(
        f"{base}/start",
        data={
            "_csrf_token": token,
            "version": "1",
            "national_id": "001203009999",
            "document": "CCCD",
        },
    )
    assert wrong.status_code == 422
    assert 'id="f-national_id-error"' in wrong.text
    started = await client.post(
        f"{base}/start",
        data={"_csrf_token": token, "version": "1", "national_id": CCCD, "document": "CCCD"},
    )
    assert started.status_code == 303, started.text
    stale = await client.post(
        f"{base}/record", data={"_csrf_token": token, "version": "1", "record": "Nội dung"}
    )
    assert stale.status_code == 412
    recorded = await client.post(
        f"{base}/record",
        data={"_csrf_token": token, "version": "2", "record": "Công dân hỏi về thủ tục."},
    )
    assert recorded.status_code == 303
    done = await client.post(
        f"{base}/complete",
        data={
            "_csrf_token": token,
            "version": "3",
            "outcome": "answered",
            "text": "Đã hướng dẫn thủ tục tại chỗ.",
        },
    )
    assert done.status_code == 303, done.text
    await session.refresh(booking)
    assert booking.status == BookingStatus.completed
    assert booking.outcome == "answered"


async def test_another_wards_officer_gets_404(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    people: People,
    schedule: ReceptionSchedule,
) -> None:
    slot = (await service.free_slots(session, schedule.id))[0]
    booked = await service.book(
        session, settings, BookingCreate.model_validate(booking_body(schedule, slot.starts_at))
    )
    await console_login(client, people.other_ward_front.username, PASSWORD)
    assert (await client.get(f"/console/reception/{booked.booking.id}")).status_code == 404
    listing = await client.get("/console/reception")
    assert booked.booking.code not in listing.text
