"""Retries exhaust → a job_failure row → admins see it and re-run it (API and CLI)."""

import asyncio
from typing import Any

import httpx
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from service.audit.models import AuditEvent
from service.auth.models import Role, StaffUser
from service.cli import main
from service.db import session_factory, session_scope
from service.jobs.broker import broker_queue, setup_broker, start_worker
from service.jobs.models import JobFailure, OutboxMessage
from service.jobs.outbox import enqueue, insert_outbox
from service.jobs.relay import relay_once
from service.kernel.wiring import Wiring
from service.settings import Settings
from tests.factories import create_user, login
from tests.jobs.conftest import add_item, eventually, item
from tests.jobs.sample_jobs import QUEUE


async def fail_a_job(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    key: str,
    running: list[Any],
    wiring: Wiring,
) -> JobFailure:
    broker = setup_broker(settings, wiring)
    await add_item(sessions, key)
    async with session_scope(sessions) as session:
        await enqueue(session, "tests.always_fails", {"key": key})
    assert await relay_once(sessions, broker, 10) == 1
    worker = start_worker(broker, threads=1, queues={QUEUE})
    running.append(worker)
    await asyncio.to_thread(
        broker.join, broker_queue(broker, QUEUE), timeout=20_000, fail_fast=False
    )  # type: ignore[call-arg]
    await asyncio.to_thread(worker.join)
    return await recorded_failure(sessions)


async def recorded_failure(sessions: async_sessionmaker[AsyncSession]) -> JobFailure:
    """The one failure row (written just after the broker's nack, so maybe not yet)."""
    failures: list[JobFailure] = []

    async def written() -> bool:
        async with sessions() as session:
            failures[:] = (await session.execute(select(JobFailure))).scalars().all()
        return bool(failures)

    await eventually(written)
    [failure] = failures
    return failure


async def test_exhausted_retries_leave_a_failure_record(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    stop_workers: list[Any],
    new_key: str,
    wiring: Wiring,
) -> None:
    failure = await fail_a_job(settings, sessions, new_key, stop_workers, wiring)

    assert (await item(sessions, new_key))["deliveries"] == 2  # the first run and one retry
    assert failure.job_name == "tests.always_fails"
    assert failure.queue == QUEUE
    assert failure.args == {"key": new_key}
    assert failure.error == f"RuntimeError: cannot process {new_key}"
    assert failure.traceback
    assert "RuntimeError" in failure.traceback
    assert failure.outbox_id is not None
    assert failure.retried_at is None


async def test_admin_retries_a_failed_job_through_the_outbox(
    committed_engine: AsyncEngine,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    stop_workers: list[Any],
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: StaffUser,
    new_key: str,
    wiring: Wiring,
) -> None:
    failure = await fail_a_job(settings, sessions, new_key, stop_workers, wiring)
    headers = await login(client, admin)

    listed = await client.get("/api/v1/admin/jobs/failed", headers=headers)
    assert listed.status_code == 200
    assert [f["id"] for f in listed.json()["items"]] == [failure.id]

    response = await client.post(f"/api/v1/admin/jobs/failed/{failure.id}/retry", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["retried_at"] is not None

    again = (
        (await session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id).desc())))
        .scalars()
        .first()
    )
    assert again is not None
    assert (again.job_name, again.payload, again.state) == (
        "tests.always_fails",
        {"key": new_key},
        "pending",
    )
    audit = (
        await session.execute(select(AuditEvent).where(col(AuditEvent.action) == "job.retried"))
    ).scalar_one()
    assert (audit.actor_type, audit.actor_id) == ("user", str(admin.id))

    twice = await client.post(f"/api/v1/admin/jobs/failed/{failure.id}/retry", headers=headers)
    assert twice.status_code == 409
    assert twice.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/v1/admin/jobs/failed", headers=headers)).json()["items"] == []
    everything = await client.get(
        "/api/v1/admin/jobs/failed", params={"include_retried": "true"}, headers=headers
    )
    assert [f["id"] for f in everything.json()["items"]] == [failure.id]


async def test_retrying_an_unknown_failure_is_404(
    client: httpx.AsyncClient, admin: StaffUser
) -> None:
    headers = await login(client, admin)
    response = await client.post("/api/v1/admin/jobs/failed/987654/retry", headers=headers)
    assert response.status_code == 404
    huge = await client.post(f"/api/v1/admin/jobs/failed/{2**70}/retry", headers=headers)
    assert 400 <= huge.status_code < 500


async def test_only_admins_see_jobs(
    client: httpx.AsyncClient, session: AsyncSession, admin: StaffUser
) -> None:
    officer = await create_user(session, Role.front_officer)
    headers = await login(client, officer)
    for path in ("/api/v1/admin/jobs/failed", "/api/v1/admin/jobs/outbox"):
        assert (await client.get(path, headers=headers)).status_code == 403
        assert (await client.get(path)).status_code == 401
    assert (
        await client.post("/api/v1/admin/jobs/failed/1/retry", headers=headers)
    ).status_code == 403


async def test_outbox_stats(
    client: httpx.AsyncClient, session: AsyncSession, admin: StaffUser
) -> None:
    headers = await login(client, admin)
    empty = (await client.get("/api/v1/admin/jobs/outbox", headers=headers)).json()
    assert empty["counts"] == {"pending": 0, "sent": 0, "failed": 0}
    assert empty["oldest_pending_age_seconds"] is None

    for key in ("a", "b"):
        await enqueue(session, "tests.mark_done", {"key": key})
    stats = (await client.get("/api/v1/admin/jobs/outbox", headers=headers)).json()
    assert stats["counts"]["pending"] == 2
    assert stats["oldest_pending_age_seconds"] >= 0
    assert stats["pending_with_errors"] == 0


async def test_cli_lists_and_retries_failed_jobs(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    stop_workers: list[Any],
    new_key: str,
    wiring: Wiring,
) -> None:
    failure = await fail_a_job(settings, sessions, new_key, stop_workers, wiring)
    env = {"GIAMSAT_DATABASE_URL": settings.require_database_url(), "GIAMSAT_LOG_LEVEL": "WARNING"}
    runner = CliRunner()

    listed = await asyncio.to_thread(runner.invoke, main, ["jobs", "failed"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "tests.always_fails" in listed.output
    assert new_key in listed.output

    retried = await asyncio.to_thread(
        runner.invoke, main, ["jobs", "retry", str(failure.id)], env=env
    )
    assert retried.exit_code == 0, retried.output
    again = await asyncio.to_thread(
        runner.invoke, main, ["jobs", "retry", str(failure.id)], env={**env, "LC_ALL": "en_GB"}
    )
    assert again.exit_code != 0
    assert "already retried" in again.output

    async with session_factory(sessions.kw["bind"])() as session:
        pending = (
            (
                await session.execute(
                    select(OutboxMessage).where(col(OutboxMessage.state) == "pending")
                )
            )
            .scalars()
            .all()
        )
    assert [row.payload for row in pending] == [{"key": new_key}]


async def test_a_job_no_worker_knows_is_recorded_as_failed(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    stop_workers: list[Any],
    wiring: Wiring,
) -> None:
    broker = setup_broker(settings, wiring)
    async with session_scope(sessions) as session:
        await insert_outbox(session, "tests.retired_job", {"id": 7}, queue=QUEUE)
    assert await relay_once(sessions, broker, 10) == 1
    worker = start_worker(broker, threads=1, queues={QUEUE})
    stop_workers.append(worker)
    await asyncio.to_thread(
        broker.join, broker_queue(broker, QUEUE), timeout=20_000, fail_fast=False
    )  # type: ignore[call-arg]
    await asyncio.to_thread(worker.join)

    failure = await recorded_failure(sessions)
    assert (failure.job_name, failure.args) == ("tests.retired_job", {"id": 7})
    assert failure.error.startswith("ActorNotFound")


async def test_a_failure_record_names_no_internal_address(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    stop_workers: list[Any],
    new_key: str,
    wiring: Wiring,
) -> None:
    """Admins read failed jobs: an exception text naming a broker URL (with its password)
    or a host:port is stored with those hidden, in the error and in the traceback."""
    key = f"{new_key} amqp://guest:s3cret@rabbit.internal:5672/ minio.internal:9000"
    failure = await fail_a_job(settings, sessions, key, stop_workers, wiring)
    assert failure.error == f"RuntimeError: cannot process {new_key} [ẩn] [ẩn]"
    assert failure.traceback
    for internal in ("rabbit.internal", "s3cret", "minio.internal", "9000"):
        assert internal not in failure.error
        assert internal not in failure.traceback
