"""Fixtures for the voter meetings tests: Front officers of the city and of two wards, an
agency with its officer, the deadline policy, logins, and a session with a meeting."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.deadlines.policy import seed_default_policy
from service.directory.models import AdminUnit, Agency
from tests.factories import BA_DINH, HANOI, HOAN_KIEM, create_agency
from tests.oversight.conftest import logins, make_user

__all__ = ["logins"]  # the oversight tests' login cache, as a fixture here

API = "/api/v1/voter-meetings"


@dataclass
class People:
    city: StaffUser
    ward: StaffUser  # Front officer of Hoàn Kiếm
    other_ward: StaffUser  # Front officer of Ba Đình
    supervisor: StaffUser
    agency: Agency
    agency_officer: StaffUser


@pytest.fixture
async def people(session: AsyncSession, hanoi: AdminUnit) -> People:
    await seed_default_policy(session)
    agency = await create_agency(session, name="UBND phường Hoàn Kiếm")
    return People(
        city=await make_user(session, Role.front_officer, None),
        ward=await make_user(session, Role.front_officer, HOAN_KIEM),
        other_ward=await make_user(session, Role.front_officer, BA_DINH),
        supervisor=await make_user(session, Role.supervisor, HOAN_KIEM),
        agency=agency,
        agency_officer=await make_user(session, Role.agency_officer, HOAN_KIEM, agency),
    )


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def session_body(**changes: Any) -> dict[str, Any]:
    body = {
        "term": "2026-2031",
        "number": 3,
        "title": "Kỳ họp thứ ba HĐND thành phố Hà Nội",
        "level": "city",
        "unit_code": HANOI,
        "starts_on": "2026-12-08",
        "ends_on": "2026-12-10",
    }
    body.update(changes)
    return body


def meeting_body(**changes: Any) -> dict[str, Any]:
    body = {
        "timing": "before",
        "unit_code": HOAN_KIEM,
        "held_on": "2026-11-20",
        "place": "Nhà văn hóa tổ dân phố số 5",
        "delegates": ["Đại biểu Nguyễn Văn A", "Đại biểu Trần Thị B"],
        "voters_attending": 120,
    }
    body.update(changes)
    return body


@dataclass
class Setup:
    session_id: str
    meeting_id: str


@pytest.fixture
async def setup(client: httpx.AsyncClient, people: People, logins: Any) -> Setup:
    city = await logins(people.city)
    ward = await logins(people.ward)
    council = await ok(await client.post(f"{API}/sessions", json=session_body(), headers=city), 201)
    meeting = await ok(
        await client.post(
            f"{API}/sessions/{council['id']}/meetings", json=meeting_body(), headers=ward
        ),
        201,
    )
    return Setup(council["id"], meeting["id"])
