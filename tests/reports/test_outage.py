"""A render that meets an object store that is down (a real S3 endpoint, stopped): the
report goes back to the queue for the broker to retry with backoff, its last attempt marks
it failed, and the ``error`` officers read never names the store's host, port or bucket."""

import asyncio
import uuid
from typing import Any

import dramatiq
import httpx
import pytest
import sqlalchemy as sa
from moto.server import ThreadedMotoServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports.pipeline import RenderDeferred, render_report
from reports.service import RENDER_JOB
from reports.tasks import QUEUE, RENDER_RETRIES, render_should_retry
from service.auth.models import Role
from service.errors import Unavailable
from service.jobs.broker import setup_broker, start_worker
from service.jobs.models import JobFailure
from service.jobs.queues import broker_queue
from service.kernel.wiring import Wiring
from service.settings import Settings, StorageBackend
from service.storage.s3 import S3ObjectStore
from service.storage.store import ObjectStore
from tests.factories import HOAN_KIEM, _free_port, login
from tests.reports.test_api import committed_user, council_request, live, sessions, store

__all__ = ["live", "sessions", "store"]  # fixtures shared with test_api


def assert_no_internal_address(text: str, settings: Settings) -> None:
    host, port = settings.s3_endpoint.split(":")
    for internal in (settings.s3_endpoint, host, f":{port}", settings.s3_bucket):
        assert internal not in text, f"{internal!r} in {text!r}"


async def test_the_store_down_defers_the_render_then_fails_it_without_addresses(
    live: httpx.AsyncClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    store: ObjectStore,
    seeded: Any,
) -> None:
    officer = await committed_user(sessions, Role.front_officer, HOAN_KIEM)
    headers = await login(live, officer)
    created = await live.post("/api/v1/reports", json=council_request(), headers=headers)
    report_id = uuid.UUID(created.json()["id"])

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    down_settings = settings.model_copy(
        update={
            "storage_backend": StorageBackend.s3,
            "s3_endpoint": f"127.0.0.1:{port}",
            "s3_bucket": f"internal-reports-{uuid.uuid4().hex[:8]}",
            "s3_secure": False,
        }
    )
    down = S3ObjectStore.from_settings(down_settings)
    await down.start()
    server.stop()

    # Not the last attempt: back to the queue, for the broker to run again after a backoff.
    with pytest.raises(RenderDeferred):
        await render_report(sessions, down_settings, down, report_id, retry_transient=True)
    waiting = (await live.get(f"/api/v1/reports/{report_id}", headers=headers)).json()
    assert waiting["state"] == "queued"
    assert waiting["stage"] == "uploading"
    assert_no_internal_address(waiting["error"], down_settings)

    # The last attempt records the failure, in words an officer can act on.
    outcome = await render_report(sessions, down_settings, down, report_id)
    assert outcome.state == "failed"
    failed = (await live.get(f"/api/v1/reports/{report_id}", headers=headers)).json()
    assert failed["state"] == "failed"
    assert failed["error"].startswith("uploading: ")
    assert "tạm thời" in failed["error"]
    assert_no_internal_address(failed["error"], down_settings)
    assert_no_internal_address(
        (await live.get("/api/v1/reports", headers=headers)).text, down_settings
    )

    # The store is back: a retry through the API issues it.
    assert (await live.post(f"/api/v1/reports/{report_id}/retry", headers=headers)).is_success
    assert (await render_report(sessions, settings, store, report_id)).state == "issued"


async def test_the_worker_retries_a_render_by_itself_before_marking_it_failed(
    live: httpx.AsyncClient,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    seeded: Any,
    wiring: Wiring,
) -> None:
    """Through the broker: the render job meets a store that is down, is retried by dramatiq
    (short backoffs for the test, through the message's own options) and, on its last
    attempt, marks the report failed; no failed-job row, no internal address."""
    officer = await committed_user(sessions, Role.front_officer, HOAN_KIEM)
    headers = await login(live, officer)
    created = await live.post("/api/v1/reports", json=council_request(), headers=headers)
    report_id = created.json()["id"]
    down_settings = settings.model_copy(
        update={
            "storage_backend": StorageBackend.s3,
            "s3_endpoint": f"127.0.0.1:{_free_port()}",  # nothing listens there
            "s3_bucket": "internal-reports-bucket",
            "s3_secure": False,
        }
    )
    broker = setup_broker(down_settings, wiring)
    queue = broker_queue(broker, QUEUE)  # the broker's name for it, in the namespace
    broker.enqueue(
        dramatiq.Message(
            queue_name=queue,
            actor_name=RENDER_JOB,
            args=(),
            kwargs={"report_id": report_id},
            options={"min_backoff": 10, "max_backoff": 50},
        )
    )
    worker = start_worker(broker, threads=1, queues={QUEUE})  # job queues: it namespaces them
    try:
        await asyncio.to_thread(broker.join, queue, timeout=300_000, fail_fast=False)  # type: ignore[call-arg]
    finally:
        await asyncio.to_thread(worker.stop, 10_000)
    report = (await live.get(f"/api/v1/reports/{report_id}", headers=headers)).json()
    assert report["state"] == "failed"
    assert report["attempts"] == RENDER_RETRIES + 1
    assert_no_internal_address(report["error"], down_settings)
    async with sessions() as session:
        assert (
            await session.execute(sa.select(sa.func.count()).select_from(JobFailure))
        ).scalar_one() == 0


def test_the_render_job_retries_transient_failures_only_with_backoff(wiring: Wiring) -> None:
    spec = wiring.job(RENDER_JOB)
    assert spec is not None
    assert spec.max_retries == RENDER_RETRIES > 0
    assert spec.options["min_backoff"] >= 10_000
    assert render_should_retry(0, RenderDeferred("x"))
    assert render_should_retry(0, ConnectionRefusedError())  # the database, before a claim
    assert render_should_retry(0, Unavailable("x"))
    assert not render_should_retry(RENDER_RETRIES, RenderDeferred("x"))
    assert not render_should_retry(0, ValueError("a bug"))
