"""The read replica (``GIAMSAT_DATABASE_REPLICA_URL``) against a real hot standby.

The standby's replay can be paused while it keeps receiving WAL: a replication delay that
stays put. Then what the primary has just committed is on the primary only, and each read
shows where it was answered: the lists, search and dashboard (``read_session``) from the
standby, the detail page and every write from the primary (``service.readonly``).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from reports.models import ReportState
from reports.pipeline import render_report
from reports.service import RENDER_JOB
from service.db import create_engine, create_replica_engine
from service.jobs.context import (
    JobRuntime,
    close_thread_context,
    run_async,
    running,
    worker_context,
)
from service.settings import Settings
from service.storage.backends import build_object_store
from service.wiring import build_wiring
from tests.factories import HOAN_KIEM, login
from tests.replica.cluster import StreamingPair
from tests.replica.conftest import DATABASE, People
from tests.reports.test_api import council_request


def petition_body(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "feedback",
        "category": "environment_sanitation",
        "title": "Ngập nước đường Hàng Bông sau mưa",
        "description": "Mỗi khi mưa lớn, đoạn đường trước số 12 Hàng Bông ngập sâu 30 cm.",
        "unit_code": HOAN_KIEM,
        "channel": "zalo",
        "consent_to_process": True,
        **overrides,
    }


async def file_petition(client: httpx.AsyncClient, people: People, **body: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/petitions",
        json=petition_body(**body),
        headers={"X-API-Key": people.api_key, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def listed(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    response = await client.get(
        "/api/v1/petitions", params={"limit": 100, **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def total(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    response = await client.get("/api/v1/petitions/dashboard", headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


async def lag_reaches_zero(client: httpx.AsyncClient) -> bool:
    """``/ready`` reports no lag once the standby has applied all it received (the primary's
    own background WAL may arrive in between: asked again until then)."""
    for _ in range(300):
        if (await client.get("/ready")).json()["replica_lag_seconds"] == 0:
            return True
        await asyncio.sleep(0.1)
    return False


def rows_on(server: Any, petition_id: str) -> int:
    return int(server.scalar(f"SELECT count(*) FROM petition WHERE id = '{petition_id}'", DATABASE))


class TestRouting:
    async def test_lists_search_and_dashboard_read_the_standby_detail_and_writes_the_primary(
        self, replica_client: httpx.AsyncClient, streaming_pair: StreamingPair, people: People
    ) -> None:
        client = replica_client
        staff = await login(client, people.front)
        word = f"mãnguồn{uuid.uuid4().hex[:6]}"
        before = await total(client, staff)

        streaming_pair.pause_replay()
        created = await file_petition(client, people, title=f"Cống tắc ở ngõ {word}")
        streaming_pair.wait_received()  # the standby has the WAL, and applies none of it

        # The write went to the primary; the standby has not applied it.
        assert rows_on(streaming_pair.primary, created["id"]) == 1
        assert rows_on(streaming_pair.standby, created["id"]) == 0
        # The detail page (the ETag an edit is checked against) reads the primary.
        detail = await client.get(f"/api/v1/petitions/{created['id']}", headers=staff)
        assert detail.status_code == 200, detail.text
        assert detail.headers["etag"]
        # The list, the search and the dashboard read the standby: not there yet.
        assert created["id"] not in await listed(client, staff)
        assert await listed(client, staff, q=word) == []
        assert await total(client, staff) == before
        ready = (await client.get("/ready")).json()
        assert ready["checks"]["database_replica"] == "ok"
        assert ready["replica_lag_seconds"] > 0

        streaming_pair.resume_replay()
        streaming_pair.wait_caught_up()
        assert created["id"] in await listed(client, staff)
        assert await listed(client, staff, q=word) == [created["id"]]
        assert await total(client, staff) == before + 1
        assert await lag_reaches_zero(client)

    async def test_a_read_path_fails_when_the_standby_is_down_and_the_primary_paths_do_not(
        self, replica_client: httpx.AsyncClient, streaming_pair: StreamingPair, people: People
    ) -> None:
        """The other way round: with the standby stopped every read-session route fails,
        which it could not if it read the primary; detail pages and writes carry on."""
        client = replica_client
        staff = {
            "front": await login(client, people.front),
            "agency": await login(client, people.agency_officer),
            "supervisor": await login(client, people.supervisor),
            "admin": await login(client, people.admin),
        }
        created = await file_petition(client, people)
        streaming_pair.wait_caught_up()
        read_routes = [
            ("front", "/api/v1/petitions"),
            ("front", "/api/v1/petitions?q=ngap+nuoc"),
            ("front", "/api/v1/petitions/dashboard"),
            ("front", "/api/v1/referrals"),
            ("front", "/api/v1/referrals/council"),
            ("front", "/api/v1/scorecards"),
            ("agency", "/api/v1/agency/referrals"),
            ("supervisor", "/api/v1/oversight/plans"),
            ("admin", "/api/v1/admin/audit"),
            (None, "/api/v1/public/answers"),
        ]
        # On the standby each of them answers: none of them writes (a hot standby refuses).
        for who, path in read_routes:
            response = await client.get(path, headers=staff[who] if who else {})
            assert response.status_code == 200, (path, response.text)

        streaming_pair.stop_standby()
        try:
            for who, path in read_routes:
                response = await client.get(path, headers=staff[who] if who else {})
                assert response.status_code == 503, (path, response.status_code)
                assert response.headers["content-type"].startswith("application/problem+json")
            ready = await client.get("/ready")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database_replica"].startswith("unavailable")
            assert ready.json()["replica_lag_seconds"] is None
            detail = await client.get(f"/api/v1/petitions/{created['id']}", headers=staff["front"])
            assert detail.status_code == 200, detail.text
            await file_petition(client, people)
        finally:
            streaming_pair.start_standby()
        response = await client.get("/api/v1/petitions", headers=staff["front"])
        assert response.status_code == 200, response.text


class TestReadOnly:
    async def test_the_replica_engine_refuses_writes_even_on_a_server_that_accepts_them(
        self, replica_settings: Settings, people: People
    ) -> None:
        """A replica URL may name a server that is not a standby (the primary, a logical
        replica): the engine's transactions are READ ONLY there too."""
        engine = create_replica_engine(
            replica_settings.model_copy(
                update={"database_replica_url": replica_settings.database_url}
            )
        )
        assert engine is not None
        try:
            async with engine.connect() as conn:
                assert (await conn.execute(sa.text("SHOW transaction_read_only"))).scalar() == "on"
                with pytest.raises(DBAPIError, match="read-only transaction"):
                    await conn.execute(sa.text("CREATE TABLE replica_write_probe (id int)"))
        finally:
            await engine.dispose()

    def test_without_a_replica_url_there_is_no_replica_engine(
        self, replica_settings: Settings
    ) -> None:
        unset = replica_settings.model_copy(update={"database_replica_url": None})
        assert create_replica_engine(unset) is None


def in_a_worker_thread(settings: Settings) -> tuple[bool, bool, bool]:
    """As a job runs it (on a worker thread, ``run_async``): is the read session on a standby,
    is the write session, and are they the same sessionmaker."""

    async def probe() -> tuple[bool, bool, bool]:
        context = worker_context()
        recovery = sa.text("SELECT pg_is_in_recovery()")
        async with context.read_sessions() as read:
            reads_standby = bool((await read.execute(recovery)).scalar())
        async with context.session_scope() as write:
            writes_standby = bool((await write.execute(recovery)).scalar())
        return reads_standby, writes_standby, context.read_sessions is context.sessions

    with running(JobRuntime(settings, build_wiring(settings))):
        try:
            return run_async(probe())
        finally:
            close_thread_context()


class TestWorker:
    """Where the report render gathers its data (``context.read_sessions``)."""

    async def test_a_job_reads_the_standby_and_writes_the_primary(
        self, replica_settings: Settings, people: People
    ) -> None:
        assert build_wiring(replica_settings).job(RENDER_JOB) is not None
        reads, writes, same = await asyncio.to_thread(in_a_worker_thread, replica_settings)
        assert (reads, writes, same) == (True, False, False)

    async def test_without_a_replica_a_job_reads_the_primary(
        self, replica_settings: Settings, people: People
    ) -> None:
        unset = replica_settings.model_copy(update={"database_replica_url": None})
        reads, writes, same = await asyncio.to_thread(in_a_worker_thread, unset)
        assert (reads, writes, same) == (False, False, True)


class TestReport:
    async def test_a_render_gathers_its_data_on_the_standby_and_issues_on_the_primary(
        self,
        replica_client: httpx.AsyncClient,
        replica_settings: Settings,
        streaming_pair: StreamingPair,
        people: People,
    ) -> None:
        """With the standby down the render fails at ``gathering`` (its data is read there),
        not before (claiming the report is a write on the primary); back up, it issues."""
        client = replica_client
        headers = await login(client, people.front)
        created = await client.post("/api/v1/reports", json=council_request(), headers=headers)
        assert created.status_code == 202, created.text
        report_id = uuid.UUID(created.json()["id"])
        settings = replica_settings
        store = build_object_store(settings)
        await store.start()
        wiring = build_wiring(settings)
        primary = create_engine(settings)
        replica = create_replica_engine(settings)
        assert replica is not None
        try:
            streaming_pair.stop_standby()
            try:
                outcome = await render_report(
                    wiring.sessions(primary),
                    settings,
                    store,
                    report_id,
                    read_sessions=wiring.sessions(replica),
                )
            finally:
                streaming_pair.start_standby()
            assert outcome.state == ReportState.failed
            assert str(outcome.error).startswith("gathering: ")

            retried = await client.post(f"/api/v1/reports/{report_id}/retry", headers=headers)
            assert retried.is_success, retried.text
            streaming_pair.wait_caught_up()
            outcome = await render_report(
                wiring.sessions(primary),
                settings,
                store,
                report_id,
                read_sessions=wiring.sessions(replica),
            )
            assert outcome.state == ReportState.issued, outcome.error
            report = await client.get(f"/api/v1/reports/{report_id}", headers=headers)
            assert report.json()["state"] == "issued"
        finally:
            await primary.dispose()
            await replica.dispose()
