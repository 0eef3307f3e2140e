"""Fixtures for the petitions tests: real reference data (``seeded``: Hanoi's units,
agencies, categories, routing rules and the 2025-2027 calendar), the default deadline
policy, an API client, staff of every role, and helpers to file and follow petitions."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col, select

from service.auth.models import ApiClient, Role, StaffUser
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.db import session_factory, session_scope
from service.deadlines.policy import seed_default_policy
from service.directory.models import Agency
from service.petitions.models import Petition
from tests.factories import BA_DINH, HOAN_KIEM, create_api_client, create_user, login

WARD_AGENCY = "ubnd-00070"  # UBND phường Hoàn Kiếm (the routing rules' suggestion)
OTHER_WARD_AGENCY = "ubnd-00004"  # UBND phường Ba Đình


@pytest.fixture
async def policy(session: AsyncSession, seeded: Any) -> None:
    await seed_default_policy(session)


@dataclass
class Api:
    client: ApiClient
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}

    @property
    def principal(self) -> ClientPrincipal:
        return ClientPrincipal(
            client_id=self.client.id, name=self.client.name, scopes=frozenset(self.client.scopes)
        )


@pytest.fixture
async def api(session: AsyncSession, policy: None) -> Api:
    client, key = await create_api_client(session)
    return Api(client=client, key=key)


# Committed, for tests of concurrent transactions: an API client, and the app over real
# connections (each request its own transaction, as in production).


@pytest.fixture
async def committed_api(committed_engine: AsyncEngine, seeded: Any) -> Api:
    async with session_scope(session_factory(committed_engine)) as session:
        await seed_default_policy(session)
        client, key = await create_api_client(session)
    return Api(client=client, key=key)


async def agency_by_code(session: AsyncSession, code: str) -> Agency:
    return (await session.execute(select(Agency).where(col(Agency.code) == code))).scalar_one()


def principal(user: StaffUser) -> StaffPrincipal:
    return StaffPrincipal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        unit_code=user.unit_code,
        agency_id=user.agency_id,
    )


@dataclass
class Staff:
    ward_front: StaffUser  # Front officer of Hoàn Kiếm ward
    other_ward_front: StaffUser  # Front officer of Ba Đình ward
    city_front: StaffUser
    supervisor: StaffUser  # Hoàn Kiếm
    council_reader: StaffUser
    admin: StaffUser
    agency_officer: StaffUser  # UBND phường Hoàn Kiếm
    other_agency_officer: StaffUser  # UBND phường Ba Đình
    ward_agency: Agency
    other_agency: Agency


@pytest.fixture
async def staff(session: AsyncSession, policy: None) -> Staff:
    ward_agency = await agency_by_code(session, WARD_AGENCY)
    other_agency = await agency_by_code(session, OTHER_WARD_AGENCY)
    return Staff(
        ward_front=await create_user(session, Role.front_officer, unit_code=HOAN_KIEM),
        other_ward_front=await create_user(session, Role.front_officer, unit_code=BA_DINH),
        city_front=await create_user(session, Role.front_officer),
        supervisor=await create_user(session, Role.supervisor, unit_code=HOAN_KIEM),
        council_reader=await create_user(session, Role.council_reader),
        admin=await create_user(session, Role.admin),
        agency_officer=await create_user(session, Role.agency_officer, agency=ward_agency),
        other_agency_officer=await create_user(session, Role.agency_officer, agency=other_agency),
        ward_agency=ward_agency,
        other_agency=other_agency,
    )


IDENTIFIED = {
    "full_name": "Nguyễn Văn An",
    "phone": "0912345678",
    "email": "an.nguyen@example.vn",
    "national_id": "001203004567",
    "address": "12 Hàng Bông, Hoàn Kiếm",
}


def petition_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "feedback",
        "category": "environment_sanitation",
        "title": "Ngập nước đường Hàng Bông sau mưa",
        "description": "Mỗi khi mưa lớn, đoạn đường trước số 12 Hàng Bông ngập sâu 30 cm.",
        "unit_code": HOAN_KIEM,
        "channel": "zalo",
        "consent_to_process": True,
    }
    body.update(overrides)
    return body


async def file(
    client: httpx.AsyncClient, api: Api, body: dict[str, Any] | None = None, key: str | None = None
) -> httpx.Response:
    return await client.post(
        "/api/v1/petitions",
        json=body if body is not None else petition_body(),
        headers={**api.headers, "Idempotency-Key": key or uuid.uuid4().hex},
    )


async def filed(
    client: httpx.AsyncClient, api: Api, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await file(client, api, body)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def track(client: httpx.AsyncClient, code: str, secret: str) -> httpx.Response:
    return await client.get(f"/api/v1/track/{code}", headers={"X-Tracking-Secret": secret})


async def staff_headers(client: httpx.AsyncClient, user: StaffUser) -> dict[str, str]:
    return await login(client, user)


async def etag_of(client: httpx.AsyncClient, headers: dict[str, str], petition_id: Any) -> str:
    response = await client.get(f"/api/v1/petitions/{petition_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def act(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    petition_id: Any,
    action: str,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    """POST a triage action with the current ETag."""
    tag = await etag_of(client, headers, petition_id)
    return await client.post(
        f"/api/v1/petitions/{petition_id}/{action}",
        json=body or {},
        headers={**headers, "If-Match": tag},
    )


async def load(session: AsyncSession, petition_id: Any) -> Petition:
    petition = await session.get(Petition, uuid.UUID(str(petition_id)), populate_existing=True)
    assert petition is not None
    return petition
