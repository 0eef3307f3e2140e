"""No-shows, reminders and concurrent bookings, on the real database."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from service.auth.models import Role
from service.db import session_scope, utcnow
from service.errors import Conflict, Invalid
from service.kernel.wiring import Wiring
from service.petitions.models import Petition
from service.reception import service
from service.reception.models import BookingStatus, ReceptionSchedule
from service.reception.schemas import BookingCreate, CompleteRequest, ScheduleCreate, StartRequest
from service.settings import Settings
from tests.factories import HOAN_KIEM, create_user, login
from tests.notices.fakes import FakeSmsGateway, sms_gateway  # noqa: F401
from tests.petitions.conftest import principal
from tests.reception.conftest import CCCD, People, booking_body, make_schedule


async def _first_slot(session: AsyncSession, schedule: ReceptionSchedule) -> Any:
    slots = await service.free_slots(session, schedule.id)
    return slots[0]


def _create(schedule: ReceptionSchedule, starts_at: Any) -> BookingCreate:
    return BookingCreate.model_validate(booking_body(schedule, starts_at))


async def test_no_show_swept_after_the_slot_and_counted(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    people: People,
    schedule: ReceptionSchedule,
) -> None:
    slot = await _first_slot(session, schedule)
    booked = await service.book(session, settings, _create(schedule, slot.starts_at))
    other = await service.book(session, settings, _create(schedule, slot.starts_at))
    # Before the slot: an officer may not record a no-show (409), nor the sweep.
    officer = await login(client, people.ward_front)
    early = await client.post(
        f"/api/v1/reception/staff/bookings/{booked.booking.id}/no-show",
        headers={**officer, "If-Match": '"1"'},
    )
    assert early.status_code == 409
    assert await service.sweep_no_shows(session, slot.starts_at + timedelta(minutes=10)) == 0
    # The other citizen came.
    await service.start(
        session,
        settings,
        other.booking,
        principal(people.ward_front),
        StartRequest(national_id=CCCD, document="VNeID"),
    )
    # After the slot and the grace: the one who never came is a no-show, once.
    later = slot.ends_at + timedelta(minutes=20)
    assert await service.sweep_no_shows(session, later) == 1
    assert await service.sweep_no_shows(session, later) == 0
    await session.refresh(booked.booking)
    await session.refresh(other.booking)
    assert booked.booking.status == BookingStatus.no_show
    assert other.booking.status == BookingStatus.in_progress
    counts = await service.stats(session, HOAN_KIEM)
    assert counts == {"booked": 2, "received": 1, "no_show": 1, "cancelled": 0, "petitions": 0}
    audited = (
        await session.execute(
            text(
                "SELECT count(*) FROM audit_event WHERE action = 'reception.mark_no_show'"
                " AND entity_id = :id AND actor_type = 'system'"
            ),
            {"id": str(booked.booking.id)},
        )
    ).scalar_one()
    assert audited == 1


async def test_reminders_go_through_the_outbox_once(
    session: AsyncSession, settings: Settings, people: People, schedule: ReceptionSchedule
) -> None:
    people.ward_front.email = "can.bo@hoankiem.example.vn"
    await session.flush()
    slot = await _first_slot(session, schedule)
    booked = await service.book(session, settings, _create(schedule, slot.starts_at))
    too_early = slot.starts_at - timedelta(hours=settings.reception_reminder_hours + 1)
    assert await service.queue_reminders(session, settings, too_early) == 0
    day_before = slot.starts_at - timedelta(hours=2)
    assert await service.queue_reminders(session, settings, day_before) == 1
    assert await service.queue_reminders(session, settings, day_before) == 0
    jobs = (
        await session.execute(
            text("SELECT payload::text FROM outbox WHERE job_name = 'reception.remind_citizen'")
        )
    ).scalars()
    assert [str(booked.booking.id) in payload for payload in jobs] == [True]
    letters = (
        await session.execute(
            text("SELECT recipient, text FROM mail_letter WHERE key LIKE 'reception-remind:%'")
        )
    ).all()
    assert [row.recipient for row in letters] == ["can.bo@hoankiem.example.vn"]
    assert booked.booking.code in letters[0].text
    assert CCCD not in letters[0].text
    sms = service.reminder_text(settings, booked.booking)
    assert booked.booking.code in sms
    assert CCCD not in sms


@pytest.fixture
async def committed_schedule(
    committed_engine: AsyncEngine, base_wiring: Wiring, seeded: Any
) -> ReceptionSchedule:
    async with session_scope(base_wiring.sessions(committed_engine)) as session:
        officer = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
        return await make_schedule(session, officer, capacity=1)


async def test_concurrent_bookings_of_the_last_seat(
    committed_engine: AsyncEngine,
    base_wiring: Wiring,
    settings: Settings,
    committed_schedule: ReceptionSchedule,
) -> None:
    sessions = base_wiring.sessions(committed_engine)
    async with session_scope(sessions) as session:
        slot = await _first_slot(session, committed_schedule)

    async def attempt() -> str:
        try:
            async with session_scope(sessions) as session:
                await service.book(session, settings, _create(committed_schedule, slot.starts_at))
                await asyncio.sleep(0.05)  # hold the lock while the other waits
            return "booked"
        except Conflict:
            return "full"

    results = await asyncio.gather(*(attempt() for _ in range(4)))
    assert sorted(results) == ["booked", "full", "full", "full"]
    async with session_scope(sessions) as session:
        live = (
            await session.execute(
                text("SELECT count(*) FROM reception_booking WHERE status <> 'cancelled'")
            )
        ).scalar_one()
    assert live == 1
    assert utcnow() < slot.starts_at


async def test_the_reminder_sms_goes_to_the_gateway(
    committed_engine: AsyncEngine,
    base_wiring: Wiring,
    settings: Settings,
    committed_schedule: ReceptionSchedule,
    sms_gateway: FakeSmsGateway,  # noqa: F811
) -> None:
    sessions = base_wiring.sessions(committed_engine)
    async with session_scope(sessions) as session:
        slot = await _first_slot(session, committed_schedule)
        booked = await service.book(session, settings, _create(committed_schedule, slot.starts_at))
    with_gateway = settings.model_copy(
        update={
            "sms_gateway_url": sms_gateway.url,
            "sms_gateway_body_template": '{"to": "{phone}", "text": "{text}"}',
        }
    )
    assert not await service.send_reminder(sessions, settings, booked.booking.id)  # no gateway
    assert await service.send_reminder(sessions, with_gateway, booked.booking.id)
    [request] = sms_gateway.requests
    body = request.json()
    assert body["to"] == "84912345678"
    assert booked.booking.code in body["text"]
    assert CCCD not in body["text"]
    async with session_scope(sessions) as session:
        row = await service.find_for_citizen(session, booked.booking.code, booked.secret, lock=True)
        await service.cancel(session, row)
    assert not await service.send_reminder(sessions, with_gateway, booked.booking.id)
    assert len(sms_gateway.requests) == 1


async def test_a_city_reception_files_in_the_ward_named(
    session: AsyncSession, settings: Settings, people: People
) -> None:
    today = utcnow().date()
    city = principal(people.city_front)
    schedule = await service.create_schedule(
        session,
        city,
        ScheduleCreate(
            unit_code="01",
            title="Tiếp công dân trực tuyến của Thành phố",
            starts_on=today + timedelta(days=1),
            ends_on=today + timedelta(days=20),
            slot_minutes=60,
            capacity=1,
        ),
    )
    people.city_front.email = "thanh.pho@mttq.example.vn"
    people.ward_front.email = "phuong@mttq.example.vn"
    await session.flush()
    slot = await _first_slot(session, schedule)
    booked = await service.book(session, settings, _create(schedule, slot.starts_at))
    await service.queue_reminders(session, settings, slot.starts_at - timedelta(hours=1))
    recipients = (
        await session.execute(
            text("SELECT recipient FROM mail_letter WHERE key LIKE :key"),
            {"key": f"reception-remind:{booked.booking.id}:%"},
        )
    ).scalars()
    assert list(recipients) == ["thanh.pho@mttq.example.vn"]
    # Officers present must be of the unit (a ward officer is not of the city's reception).
    with pytest.raises(Invalid):
        await service.start(
            session,
            settings,
            booked.booking,
            city,
            StartRequest(national_id=CCCD, document="VNeID", officer_ids=[people.ward_front.id]),
        )
    await service.start(
        session, settings, booked.booking, city, StartRequest(national_id=CCCD, document="VNeID")
    )
    await service.write_record(session, booked.booking, city, "Phản ánh tiếng ồn.")
    outcome = {
        "outcome": "petition",
        "kind": "feedback",
        "category": "environment_sanitation",
        "title": "Tiếng ồn quán karaoke",
        "description": "Quán karaoke số 5 mở nhạc sau 23 giờ.",
    }
    with pytest.raises(Invalid) as refused:  # the city's: the ward is needed
        await service.complete(
            session, settings, booked.booking, city, CompleteRequest.model_validate(outcome)
        )
    assert "unit_code" in str(refused.value.extra)
    done = await service.complete(
        session,
        settings,
        booked.booking,
        city,
        CompleteRequest.model_validate({**outcome, "unit_code": HOAN_KIEM}),
    )
    petition = await session.get(Petition, done.petition_id)
    assert petition is not None
    assert petition.unit_code == HOAN_KIEM
    assert petition.channel == "online_reception"
