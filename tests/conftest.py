"""Test fixtures: a real PostgreSQL database built by the migrations, one rolled-back
transaction per test, the app wired to that transaction, and factories.

The database server is ``GIAMSAT_TEST_DATABASE_URL`` (default: the local server on
127.0.0.1:5432). Each run creates its own database and drops it at the end, so parallel runs
do not collide.
"""

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from service.app import create_app
from service.auth.secrets import configure_password_hashing
from service.db import async_url
from service.kernel.wiring import Wiring
from service.migrations.runner import upgrade
from service.settings import Settings
from service.wiring import build_wiring

pytest_plugins = ["tests.factories"]

SERVER_URL = os.environ.get(
    "GIAMSAT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    from tests.factories import ServerDatabase  # a plugin module: imported lazily

    server = ServerDatabase(SERVER_URL)
    name = f"giamsat_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = server.create(name)
    try:
        upgrade(url)
        yield url
    finally:
        server.drop(name)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("var"),
        log_json=True,
        log_level="WARNING",
        broker="stub",
        jwt_secret="test-secret-test-secret-test-secret",
        # Cheap argon2 for the hundreds of accounts the tests create (tests/auth checks
        # that production hashes are argon2id; the cost is a setting).
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        # Tests roll back reference changes behind the cache's back: check on every use.
        reference_cache_seconds=0,
        dashboard_cache_seconds=0,
    )
    configure_password_hashing(
        time_cost=settings.password_hash_time_cost, memory_kib=settings.password_hash_memory_kib
    )
    return settings


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing(settings: Settings) -> None:
    """Every test, with or without the app, hashes passwords at the test cost."""


@pytest.fixture(scope="session")
def base_wiring(settings: Settings) -> Wiring:
    """Every domain wired as the app and the worker wire them. A wiring is immutable, so one
    is shared by the whole run; nothing is saved or restored."""
    return build_wiring(settings)


@pytest.fixture
def wiring(base_wiring: Wiring) -> Wiring:
    """The wiring of this test's app, worker and sessions. A package's conftest overrides it
    to build its own (replies: without petitions and oversight; jobs: with the test jobs)."""
    return base_wiring


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(async_url(settings.require_database_url()), pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """An outer transaction rolled back after the test: nothing a test writes survives it."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


@pytest.fixture
async def session(connection: AsyncConnection, wiring: Wiring) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        info=wiring.session_info(),
    ) as session:
        yield session


@pytest.fixture
def app(
    settings: Settings, engine: AsyncEngine, connection: AsyncConnection, wiring: Wiring
) -> Litestar:
    """The app with every request's session joined to the test's outer transaction, built
    with this test's wiring."""

    def sessions() -> AsyncSession:
        return AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    return create_app(settings, engine=engine, sessions=sessions, wiring=wiring)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling the app in the test's own event loop (Litestar's
    AsyncTestClient runs the app in a portal thread, which cannot share the test's
    asyncpg connection)."""
    # Not manager.app: it shares one lifespan-state dict across requests, and Litestar
    # keeps per-request state there.
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@pytest.fixture
async def committed_engine(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """For tests that need real commits (concurrency, workers). Mutable tables are emptied
    before (session-wide fixtures such as ``seeded`` may have committed side rows, e.g. an
    outbox job) and after the test."""
    async with engine.begin() as conn:
        await conn.execute(text(_TRUNCATE_MUTABLE))
    yield engine
    async with engine.begin() as conn:
        await conn.execute(text(_TRUNCATE_MUTABLE))


@pytest.fixture
async def real_client(
    settings: Settings, committed_engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    """The app committing for real (a worker or another connection reads what it wrote)."""
    app = create_app(settings, engine=committed_engine)
    async with LifespanManager(app):  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


# Reference data is seeded once per test database and survives; everything else is emptied
# after a committing test.
REFERENCE_TABLES = {
    "alembic_version",
    "admin_unit",
    # the directory's reference data (the `seeded` fixture loads it once per test database)
    "agency",
    "deadline_policy",
    "petition_category",
    "routing_rule",
    "calendar_day",
    "office_hours",
    "reference_seed",
}
_TRUNCATE_MUTABLE = """
DO $$ DECLARE names text; BEGIN
  SELECT string_agg(format('%I', tablename), ', ') INTO names FROM pg_tables
   WHERE schemaname = 'public' AND tablename <> ALL(ARRAY[{keep}]);
  IF names IS NOT NULL THEN EXECUTE 'TRUNCATE ' || names || ' CASCADE'; END IF;
END $$
""".replace("{keep}", ", ".join(f"'{name}'" for name in REFERENCE_TABLES))
