"""Fixtures for online reception: the real reference data and calendar (``seeded``), a
ward's schedule starting tomorrow, staff, an API client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.db import utcnow
from service.reception import service
from service.reception.models import ReceptionSchedule
from service.reception.schemas import ScheduleCreate
from tests.factories import BA_DINH, HOAN_KIEM, create_user
from tests.petitions.conftest import Api, api, policy, principal  # noqa: F401

CCCD = "001203004567"


@dataclass
class People:
    ward_front: StaffUser
    second_front: StaffUser
    other_ward_front: StaffUser
    city_front: StaffUser
    supervisor: StaffUser


@pytest.fixture
async def people(session: AsyncSession, policy: None) -> People:  # noqa: F811
    return People(
        ward_front=await create_user(session, Role.front_officer, unit_code=HOAN_KIEM),
        second_front=await create_user(session, Role.front_officer, unit_code=HOAN_KIEM),
        other_ward_front=await create_user(session, Role.front_officer, unit_code=BA_DINH),
        city_front=await create_user(session, Role.front_officer),
        supervisor=await create_user(session, Role.supervisor, unit_code=HOAN_KIEM),
    )


async def make_schedule(
    session: AsyncSession, officer: StaffUser, *, capacity: int = 2, days: int = 30
) -> ReceptionSchedule:
    today = utcnow().date()
    return await service.create_schedule(
        session,
        principal(officer),
        ScheduleCreate(
            unit_code=HOAN_KIEM,
            title="Tiếp công dân trực tuyến phường Hoàn Kiếm",
            starts_on=today + timedelta(days=1),
            ends_on=today + timedelta(days=days),
            slot_minutes=30,
            capacity=capacity,
        ),
    )


@pytest.fixture
async def schedule(session: AsyncSession, people: People) -> ReceptionSchedule:
    return await make_schedule(session, people.ward_front)


def booking_body(schedule: ReceptionSchedule, starts_at: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "schedule_id": str(schedule.id),
        "starts_at": starts_at,
        "full_name": "Nguyễn Văn An",
        "national_id": CCCD,
        "phone": "0912345678",
        "topic": "Việc cấp phép xây dựng nhà số 12 Hàng Bông",
        "consent_to_process": True,
    }
    body.update(overrides)
    return body
