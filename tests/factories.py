"""Plain factory functions and the fixtures built on them."""

import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import service as auth_service
from service.auth.models import ApiClient, Role, StaffUser
from service.auth.schemas import ApiClientCreate, UserCreate
from service.directory.models import AdminUnit, Agency, AgencyLevel, UnitLevel
from service.settings import Settings, StorageBackend
from service.storage.s3 import S3ObjectStore

PASSWORD = "correct horse battery"
HANOI = "01"
# Two Hanoi wards used across the tests.
HOAN_KIEM = "00070"
BA_DINH = "00004"


class ServerDatabase:
    """Creates and drops a scratch database on a PostgreSQL server."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.server_url, autocommit=True)

    def create(self, name: str) -> str:
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.server_url.rsplit("/", 1)[0] + "/" + name

    def drop(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def ensure_unit(
    session: AsyncSession, code: str, name: str, *, province: bool = False
) -> AdminUnit:
    unit = await session.get(AdminUnit, code)
    if unit is None:
        unit = AdminUnit(
            code=code,
            name=name,
            division_type="thành phố trung ương" if province else "phường",
            level=UnitLevel.province if province else UnitLevel.commune,
            codename=name.lower().replace(" ", "_"),
            parent_code=None if province else HANOI,
        )
        session.add(unit)
        await session.flush()
    return unit


async def create_agency(
    session: AsyncSession,
    *,
    name: str = "UBND phường Hoàn Kiếm",
    unit_code: str = HOAN_KIEM,
    level: AgencyLevel = AgencyLevel.commune,
    parent: Agency | None = None,
) -> Agency:
    agency = Agency(
        code=f"test-{uuid.uuid4().hex[:8]}",
        name=name,
        level=level,
        unit_code=unit_code,
        parent_id=parent.id if parent else None,
        email="vanthu@example.vn",
    )
    session.add(agency)
    await session.flush()
    return agency


async def create_user(
    session: AsyncSession,
    role: Role,
    *,
    unit_code: str | None = None,
    agency: Agency | None = None,
    username: str | None = None,
) -> StaffUser:
    return await auth_service.create_user(
        session,
        UserCreate(
            username=username or f"{role.value.replace('_', '-')}-{uuid.uuid4().hex[:6]}",
            full_name=f"Cán bộ {role.value}",
            password=PASSWORD,
            role=role,
            unit_code=unit_code,
            agency_id=agency.id if agency else None,
        ),
    )


async def create_api_client(
    session: AsyncSession, *, scopes: list[str] | None = None, rate_limit: int = 1000
) -> tuple[ApiClient, str]:
    return await auth_service.create_api_client(
        session,
        ApiClientCreate(
            name=f"Zalo mini-app {uuid.uuid4().hex[:6]}",
            scopes=scopes or ["petitions:write"],
            rate_limit_per_minute=rate_limit,
            webhook_url="http://127.0.0.1:9/hook",
        ),
    )


async def login(client: httpx.AsyncClient, user: StaffUser) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def hanoi(session: AsyncSession) -> AdminUnit:
    await ensure_unit(session, HANOI, "Thành phố Hà Nội", province=True)
    await ensure_unit(session, HOAN_KIEM, "Phường Hoàn Kiếm")
    await ensure_unit(session, BA_DINH, "Phường Ba Đình")
    return await ensure_unit(session, HANOI, "Thành phố Hà Nội", province=True)


@pytest.fixture
async def agency(session: AsyncSession, hanoi: AdminUnit) -> Agency:
    return await create_agency(session)


@pytest.fixture
async def admin(session: AsyncSession, hanoi: AdminUnit) -> StaffUser:
    return await create_user(session, Role.admin)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """host:port of a real S3 HTTP endpoint: ``GIAMSAT_TEST_S3_ENDPOINT`` (CI starts
    ``moto_server`` there), else a moto server in a thread for this test session."""
    configured = os.environ.get("GIAMSAT_TEST_S3_ENDPOINT")
    if configured:
        yield configured
        return
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_settings(settings: Settings, s3_endpoint: str) -> Settings:
    """The test settings with the S3 backend and a bucket of this run's own."""
    return settings.model_copy(
        update={
            "storage_backend": StorageBackend.s3,
            "s3_endpoint": s3_endpoint,
            "s3_bucket": f"giamsat-test-{uuid.uuid4().hex[:12]}",
            "s3_secure": False,
        }
    )


@pytest.fixture(scope="session")
async def s3_store(s3_settings: Settings) -> S3ObjectStore:
    store = S3ObjectStore.from_settings(s3_settings)
    await store.start()
    await store.ping()
    return store


@pytest.fixture(scope="session")
async def seeded(engine: Any, base_wiring: Any) -> Any:
    """The real reference data (all units, Hanoi's agencies, categories, routing rules,
    calendar 2025-2027, deadline policy), committed once per test database. It survives
    committing tests (``REFERENCE_TABLES``); tests that change it should use the rolled-back
    ``session``."""
    from service.db import session_scope
    from service.seed import seed_all

    async with session_scope(base_wiring.sessions(engine)) as session:
        return (await seed_all(session)).directory
