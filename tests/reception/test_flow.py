"""Online reception end to end through HTTP on the real database: a schedule bounded by the
calendar, a booking on the API, the reception (identity check, officers, record, evidence)
and a petition filed with channel ``online_reception``; the citizen's cancel; bad input."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.directory.calendar import load_calendar
from service.petitions.models import Channel, Petition, Petitioner
from service.reception.models import ReceptionBooking, ReceptionSchedule
from tests.factories import login
from tests.petitions.conftest import Api
from tests.reception.conftest import CCCD, People, booking_body


async def first_slot(client: httpx.AsyncClient, schedule: ReceptionSchedule) -> dict[str, Any]:
    response = await client.get(f"/api/v1/public/reception/schedules/{schedule.id}/slots")
    assert response.status_code == 200, response.text
    slots = response.json()
    assert slots
    return slots[0]


async def test_slots_follow_office_hours_and_days_off(
    client: httpx.AsyncClient, session: AsyncSession, schedule: ReceptionSchedule
) -> None:
    response = await client.get(f"/api/v1/public/reception/schedules/{schedule.id}/slots")
    slots = response.json()
    calendar = await load_calendar(session)
    assert slots
    assert all(slot["free"] == 2 for slot in slots)
    for slot in slots:
        start = datetime.fromisoformat(slot["starts_at"])
        end = datetime.fromisoformat(slot["ends_at"])
        assert end - start == timedelta(minutes=30)
        assert calendar.is_working_day(calendar.local_date(start))
        assert calendar.is_office_time(start)
        assert any(
            a <= start and end <= b for a, b in calendar.office_periods(calendar.local_date(start))
        )
    # A weekend day of the period has no slot.
    days = {calendar.local_date(datetime.fromisoformat(s["starts_at"])) for s in slots}
    assert all(day.isoweekday() <= 5 or calendar.is_working_day(day) for day in days)
    assert any(
        day.isoweekday() in (6, 7) and not calendar.is_working_day(day)
        for day in (schedule.starts_on + timedelta(days=n) for n in range(7))
    )
    assert not any(day.isoweekday() in (6, 7) and not calendar.is_working_day(day) for day in days)


async def test_book_receive_and_file_a_petition(
    client: httpx.AsyncClient,
    session: AsyncSession,
    api: Api,
    people: People,
    schedule: ReceptionSchedule,
) -> None:
    slot = await first_slot(client, schedule)
    booked = await client.post(
        "/api/v1/reception/bookings",
        json=booking_body(schedule, slot["starts_at"]),
        headers=api.headers,
    )
    assert booked.status_code == 201, booked.text
    created = booked.json()
    assert created["code"].startswith("TCD-")
    assert created["secret"]
    assert created["meeting_url"].startswith("https://meet.jit.si/giamsat-")
    # The CCCD is stored only encrypted.
    row = await session.get(ReceptionBooking, created["id"])
    assert row is not None
    assert CCCD not in row.national_id_ciphertext
    dump = (
        await session.execute(text("SELECT row_to_json(b)::text FROM reception_booking b"))
    ).scalars()
    assert all(CCCD not in line for line in dump)
    audit = (
        await session.execute(
            text(
                "SELECT coalesce(string_agg(after::text, ' '), '') FROM audit_event"
                " WHERE entity_type = 'reception_booking'"
            )
        )
    ).scalar_one()
    assert CCCD not in audit

    # The citizen sees the booking with code and secret; the seat is taken.
    seen = await client.post(
        "/api/v1/public/reception/citizen/booking",
        json={"code": created["code"], "secret": created["secret"]},
    )
    assert seen.status_code == 200
    assert seen.json()["status"] == "booked"
    assert (await first_slot(client, schedule))["free"] == 1

    officer = await login(client, people.ward_front)
    listed = await client.get("/api/v1/reception/staff/bookings", headers=officer)
    assert listed.status_code == 200
    assert [item["code"] for item in listed.json()["items"]] == [created["code"]]
    assert CCCD not in listed.text
    assert "0912345678" not in listed.text

    path = f"/api/v1/reception/staff/bookings/{created['id']}"
    # Another ward's officer: 404.
    other = await login(client, people.other_ward_front)
    assert (await client.get(path, headers=other)).status_code == 404
    # Without If-Match: 428; stale: 412.
    start_body = {
        "national_id": CCCD,
        "document": "CCCD gắn chip",
        "officer_ids": [str(people.second_front.id)],
    }
    assert (await client.post(f"{path}/start", json=start_body, headers=officer)).status_code == 428
    stale = {**officer, "If-Match": '"7"'}
    assert (await client.post(f"{path}/start", json=start_body, headers=stale)).status_code == 412
    # Completing before starting: 409.
    v1 = {**officer, "If-Match": '"1"'}
    assert (
        await client.post(f"{path}/complete", json={"outcome": "answered", "text": "x"}, headers=v1)
    ).status_code == 409
    # The wrong number shown: 422, nothing changes.
    wrong = await client.post(
        f"{path}/start", json={**start_body, "national_id": "001203004568"}, headers=v1
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "national_id"

    started = await client.post(f"{path}/start", json=start_body, headers=v1)
    assert started.status_code == 200, started.text
    body = started.json()
    assert body["status"] == "in_progress"
    assert body["identity_checked_at"]
    assert body["officer_ids"] == [str(people.ward_front.id), str(people.second_front.id)]
    assert started.headers["ETag"] == '"2"'

    recorded = await client.post(
        f"{path}/record",
        json={"record": "Công dân trình bày việc cấp phép xây dựng trái phép tại số 14."},
        headers={**officer, "If-Match": '"2"'},
    )
    assert recorded.status_code == 200, recorded.text
    # The outcome asks for the petition's fields: 422 naming them.
    missing = await client.post(
        f"{path}/complete", json={"outcome": "petition"}, headers={**officer, "If-Match": '"3"'}
    )
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {
        "kind",
        "category",
        "title",
        "description",
    }
    done = await client.post(
        f"{path}/complete",
        json={
            "outcome": "petition",
            "kind": "complaint",
            "category": "environment_sanitation",
            "title": "Khiếu nại việc cấp phép xây dựng số 14 Hàng Bông",
            "description": "Công trình số 14 xây vượt tầng so với giấy phép.",
            "address": "12 Hàng Bông, Hoàn Kiếm",
        },
        headers={**officer, "If-Match": '"3"'},
    )
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["status"] == "completed"
    assert result["outcome"] == "petition"
    petition = await session.get(Petition, result["petition_id"])
    assert petition is not None
    assert petition.channel == Channel.online_reception
    assert petition.kind == "complaint"
    assert petition.unit_code == schedule.unit_code
    petitioner = await session.get(Petitioner, petition.id)
    assert petitioner is not None
    assert petitioner.national_id == CCCD

    stats = await client.get("/api/v1/reception/stats", headers=officer)
    assert stats.json() == {
        "booked": 1,
        "received": 1,
        "no_show": 0,
        "cancelled": 0,
        "petitions": 1,
    }
    # Done: no second outcome.
    again = await client.post(
        f"{path}/complete",
        json={"outcome": "answered", "text": "x"},
        headers={**officer, "If-Match": '"4"'},
    )
    assert again.status_code == 409


async def test_citizen_cancels_with_code_and_secret(
    client: httpx.AsyncClient, api: Api, people: People, schedule: ReceptionSchedule
) -> None:
    slot = await first_slot(client, schedule)
    created = (
        await client.post(
            "/api/v1/reception/bookings",
            json=booking_body(schedule, slot["starts_at"]),
            headers=api.headers,
        )
    ).json()
    wrong = await client.post(
        "/api/v1/public/reception/citizen/cancel",
        json={"code": created["code"], "secret": "x" * 22},
    )
    assert wrong.status_code == 404
    cancelled = await client.post(
        "/api/v1/public/reception/citizen/cancel",
        json={"code": created["code"].lower(), "secret": created["secret"]},
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert (await first_slot(client, schedule))["free"] == 2
    twice = await client.post(
        "/api/v1/public/reception/citizen/cancel",
        json={"code": created["code"], "secret": created["secret"]},
    )
    assert twice.status_code == 409


async def test_bad_bookings_are_4xx(
    client: httpx.AsyncClient, api: Api, people: People, schedule: ReceptionSchedule
) -> None:
    slot = await first_slot(client, schedule)

    async def post(**overrides: Any) -> httpx.Response:
        return await client.post(
            "/api/v1/reception/bookings",
            json={**booking_body(schedule, slot["starts_at"]), **overrides},
            headers=api.headers,
        )

    assert (await post(national_id="12345")).status_code == 422
    bad_province = await post(national_id="999203004567")
    assert bad_province.status_code == 422
    assert bad_province.json()["errors"][0]["field"] == "national_id"
    assert (await post(phone="0212345678")).status_code == 422  # a landline: no SMS
    assert (await post(consent_to_process=False)).status_code == 422
    off_grid = datetime.fromisoformat(slot["starts_at"]) + timedelta(minutes=7)
    assert (await post(starts_at=off_grid.isoformat())).status_code == 422
    night = datetime.fromisoformat(slot["starts_at"]).replace(hour=16)  # 23:00 in Hà Nội
    assert (await post(starts_at=night.isoformat())).status_code == 422
    assert (await post(schedule_id="00000000-0000-0000-0000-000000000000")).status_code == 404
    # Without an API key: 401.
    anonymous = await client.post(
        "/api/v1/reception/bookings", json=booking_body(schedule, slot["starts_at"])
    )
    assert anonymous.status_code == 401


async def test_the_slot_fills_up(
    client: httpx.AsyncClient, api: Api, people: People, schedule: ReceptionSchedule
) -> None:
    slot = await first_slot(client, schedule)
    for _ in range(2):
        ok = await client.post(
            "/api/v1/reception/bookings",
            json=booking_body(schedule, slot["starts_at"]),
            headers=api.headers,
        )
        assert ok.status_code == 201
    full = await client.post(
        "/api/v1/reception/bookings",
        json=booking_body(schedule, slot["starts_at"]),
        headers=api.headers,
    )
    assert full.status_code == 409
    slots = (await client.get(f"/api/v1/public/reception/schedules/{schedule.id}/slots")).json()
    assert [slots[0]["free"], slots[1]["free"]] == [0, 2]


async def test_schedules_are_scoped(client: httpx.AsyncClient, people: People) -> None:
    today = utcnow().date()
    body = {
        "unit_code": "00070",
        "title": "Tiếp công dân",
        "starts_on": str(today),
        "ends_on": str(today + timedelta(days=5)),
        "slot_minutes": 30,
        "capacity": 1,
    }
    other = await login(client, people.other_ward_front)
    assert (
        await client.post("/api/v1/reception/schedules", json=body, headers=other)
    ).status_code == 404
    supervisor = await login(client, people.supervisor)
    assert (
        await client.post("/api/v1/reception/schedules", json=body, headers=supervisor)
    ).status_code == 403
    officer = await login(client, people.ward_front)
    reversed_ = {**body, "ends_on": str(today - timedelta(days=1))}
    assert (
        await client.post("/api/v1/reception/schedules", json=reversed_, headers=officer)
    ).status_code == 422
    assert (
        await client.post(
            "/api/v1/reception/schedules", json={**body, "slot_minutes": 5}, headers=officer
        )
    ).status_code == 422
    made = await client.post("/api/v1/reception/schedules", json=body, headers=officer)
    assert made.status_code == 201, made.text
    listed = await client.get("/api/v1/public/reception/schedules", params={"unit_code": "00070"})
    assert made.json()["id"] in [s["id"] for s in listed.json()]
