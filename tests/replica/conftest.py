"""Fixtures of the read-replica tests: a primary and a hot standby of our own
(``tests.replica.cluster``), a database built by the migrations on the primary and streamed
to the standby, the reference data and the staff of the tests committed there, and the app
built from settings that name both (``GIAMSAT_DATABASE_URL`` and
``GIAMSAT_DATABASE_REPLICA_URL``), with engines of its own, as in production.

Everything here commits (a standby only shows what the primary committed); the pair and its
directory are thrown away at the end of the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from litestar import Litestar

from service.app import create_app
from service.auth.models import Role, StaffUser
from service.db import command_session
from service.migrations.runner import upgrade
from service.seed import seed_all
from service.settings import Settings
from service.wiring import build_wiring
from tests.factories import HOAN_KIEM, create_agency, create_api_client, create_user
from tests.replica.cluster import BinariesMissing, StreamingPair, start_streaming_pair

DATABASE = "giamsat_replica"


@pytest.fixture(scope="session")
def streaming_pair() -> Iterator[StreamingPair]:
    try:
        pair = start_streaming_pair()
    except BinariesMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    try:
        yield pair
    finally:
        pair.stop()


@pytest.fixture(scope="session")
def replica_settings(
    streaming_pair: StreamingPair, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """The test settings (cheap hashing, stub broker) on the pair: writes to the primary,
    the read paths to the standby."""
    streaming_pair.primary.execute(f'CREATE DATABASE "{DATABASE}"')
    upgrade(streaming_pair.primary.url(DATABASE))
    return settings.model_copy(
        update={
            "database_url": streaming_pair.primary.url(DATABASE),
            "database_replica_url": streaming_pair.standby.url(DATABASE),
            "data_dir": Path(tmp_path_factory.mktemp("replica-var")),
        }
    )


@dataclass(frozen=True)
class People:
    front: StaffUser  # Front officer at city level: sees every petition
    agency_officer: StaffUser
    supervisor: StaffUser
    admin: StaffUser
    api_key: str


@pytest.fixture(scope="session")
async def people(replica_settings: Settings, streaming_pair: StreamingPair) -> People:
    """The reference data and the staff, committed on the primary and replayed by the
    standby before any test reads it."""
    wiring = build_wiring(replica_settings)
    async with command_session(replica_settings, wiring.sessions) as session:
        await seed_all(session)
        agency = await create_agency(session, name="UBND phường Hoàn Kiếm (thử)")
        people = People(
            front=await create_user(session, Role.front_officer),
            agency_officer=await create_user(session, Role.agency_officer, agency=agency),
            supervisor=await create_user(session, Role.supervisor, unit_code=HOAN_KIEM),
            admin=await create_user(session, Role.admin),
            api_key=(await create_api_client(session))[1],
        )
    streaming_pair.wait_caught_up()
    return people


@pytest.fixture
def replica_app(replica_settings: Settings, people: People) -> Litestar:
    return create_app(replica_settings)


@pytest.fixture
async def replica_client(
    replica_app: Litestar, streaming_pair: StreamingPair
) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(replica_app):
        transport = httpx.ASGITransport(app=replica_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    # A test that paused the replay must not leave it paused for the next one.
    streaming_pair.resume_replay()
