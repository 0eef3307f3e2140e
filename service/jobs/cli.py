"""``giamsat worker`` (workers + relay + scheduler) and ``giamsat jobs failed|retry``."""

from __future__ import annotations

import asyncio
import signal

import click
import structlog

from service.db import command_session, create_engine
from service.jobs import service
from service.jobs.broker import setup_broker, start_worker
from service.jobs.relay import run_relay
from service.jobs.scheduler import run_scheduler
from service.kernel.wiring import Wiring
from service.observability import configure_logging
from service.settings import Settings

logger = structlog.get_logger(__name__)


async def serve_jobs(
    settings: Settings, stop: asyncio.Event, *, threads: int = 4, wiring: Wiring | None = None
) -> None:
    """Run dramatiq worker threads, the outbox relay and the scheduler until ``stop`` is set.

    Builds the process's wiring once (unless given one) and hands it to the broker (its
    jobs), the scheduler (its schedules) and the relay and scheduler sessions. Usable from any
    event loop (``giamsat demo`` runs it beside the API).
    """
    if wiring is None:
        from service.wiring import build_wiring

        wiring = build_wiring(settings)
    broker = setup_broker(settings, wiring)
    worker = start_worker(broker, threads=threads)
    engine = create_engine(settings)
    sessions = wiring.sessions(engine)
    logger.info("worker_started", threads=threads, broker=settings.broker.value)
    try:
        await asyncio.gather(
            run_relay(settings, sessions, broker, stop),
            run_scheduler(sessions, stop, schedules=wiring.schedules),
        )
    finally:
        # Lets running jobs finish (up to 30 s) and hands unstarted messages back.
        await asyncio.to_thread(worker.stop, 30_000)
        broker.close()
        await engine.dispose()
        logger.info("worker_stopped")


async def _serve_until_signalled(settings: Settings, threads: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve_jobs(settings, stop, threads=threads)


@click.command("worker")
@click.option("--threads", type=int, default=4, show_default=True, help="Worker threads.")
@click.pass_obj
def worker(settings: Settings, threads: int) -> None:
    """Run job workers, the outbox relay and the scheduler (stops on SIGINT/SIGTERM)."""
    from service.auth.secret_policy import require_safe_secrets

    require_safe_secrets(settings)
    configure_logging(settings.log_level, json=settings.log_json)
    asyncio.run(_serve_until_signalled(settings, threads))


@click.group("jobs")
def jobs() -> None:
    """Background jobs: failed jobs and re-runs."""


async def _list_failed(settings: Settings, limit: int, include_retried: bool) -> list[str]:
    async with command_session(settings) as session:
        failures, _ = await service.list_failures(
            session, limit=limit, include_retried=include_retried
        )
    return [
        f"{f.id}\t{f.failed_at:%Y-%m-%d %H:%M:%S}\t{f.job_name}\t{f.args}\t{f.error}"
        + (f"\t(retried {f.retried_at:%Y-%m-%d %H:%M:%S})" if f.retried_at else "")
        for f in failures
    ]


@jobs.command("failed")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--all", "include_retried", is_flag=True, help="Include retried ones.")
@click.pass_obj
def failed(settings: Settings, limit: int, include_retried: bool) -> None:
    """List jobs that exhausted their retries (id, time, job, arguments, error)."""
    lines = asyncio.run(_list_failed(settings, limit, include_retried))
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo("no failed jobs")


async def _retry(settings: Settings, failure_id: int) -> str:
    from service.wiring import build_wiring

    async with command_session(settings, build_wiring(settings).sessions) as session:
        failure = await service.retry_failure(session, failure_id, actor=None)
        return failure.job_name


@jobs.command("retry")
@click.argument("failure_id", type=int)
@click.pass_obj
def retry(settings: Settings, failure_id: int) -> None:
    """Re-run a failed job (it goes through the outbox to the workers)."""
    from service.errors import ServiceError
    from service.i18n import cli_locale

    try:
        job_name = asyncio.run(_retry(settings, failure_id))
    except ServiceError as exc:
        raise click.ClickException(exc.detail.render(cli_locale())) from exc
    click.echo(f"re-enqueued {job_name} (failure {failure_id})")
