"""``giamsat demo`` as a process: the URLs it hands out, how it stops, how it starts again.

Each test runs the real command in its own session (as systemd, ``docker stop`` or a closed
terminal see it) with a private data directory and a free port, and checks the machine's
process table afterwards: no PostgreSQL or Redis may be left running on that directory.
The data directory is shared by the module, so only the first start pays for initdb and the
seeding.
"""

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import httpx
import psutil
import pytest

from service.demo import DEMO_API_KEY, DEMO_PASSWORD, stop_embedded_postgres, stop_embedded_redis

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 420.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("demo") / "var"
    yield path
    # Whatever a failing test left behind.
    stop_embedded_redis((path / "redis").resolve())
    stop_embedded_postgres((path / "pg").resolve())


def leftovers(data_dir: Path) -> list[str]:
    """PostgreSQL and Redis processes still serving ``data_dir``."""
    pgdata = str((data_dir / "pg").resolve())
    redis_dir = str((data_dir / "redis").resolve())
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            name = process.info["name"] or ""
            if name == "postgres" and pgdata in (process.info["cmdline"] or []):
                found.append(f"postgres {process.pid}")
            elif "redis" in name and process.cwd() == redis_dir:
                found.append(f"redis {process.pid}")
        except psutil.Error:
            continue
    return found


def start_demo(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIAMSAT_")}
    env.update(GIAMSAT_DATA_DIR=str(data_dir), GIAMSAT_PORT=str(port), GIAMSAT_LOG_JSON="false")
    return subprocess.Popen(
        [sys.executable, "-m", "service", "demo"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_up(demo: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert demo.poll() is None, f"the demo exited with {demo.returncode} during start-up"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the demo did not answer within {START_TIMEOUT:.0f}s")


def signal_group(demo: subprocess.Popen[bytes], signum: signal.Signals) -> int:
    """What systemd or ``docker stop`` do: signal the whole process group, then wait."""
    os.killpg(demo.pid, signum)
    return demo.wait(120)


def kill_group(demo: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError):
        os.killpg(demo.pid, signal.SIGKILL)
    demo.wait(30)


def test_sigterm_stops_everything_and_urls_name_the_port(data_dir: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    demo = start_demo(data_dir, port)
    try:
        wait_until_up(demo, port)
        assert leftovers(data_dir), "the demo should be running PostgreSQL and Redis"

        filed = httpx.post(
            f"{base}/api/v1/petitions",
            headers={"X-API-Key": DEMO_API_KEY, "Idempotency-Key": os.urandom(8).hex()},
            json={
                "kind": "feedback",
                "category": "environment_sanitation",
                "title": "Ngập nước đường Hàng Bông sau mưa",
                "description": "Mỗi khi mưa lớn, đoạn đường trước số 12 Hàng Bông ngập sâu.",
                "unit_code": "00070",
                "channel": "zalo",
                "consent_to_process": True,
            },
            timeout=30,
        )
        assert filed.status_code == 201, filed.text
        assert filed.json()["track_url"].startswith(f"{base}/api/v1/track/")

        login = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"username": "mttq.hoankiem", "password": DEMO_PASSWORD},
            timeout=30,
        )
        assert login.status_code == 200, login.text
        staff = {"Authorization": f"Bearer {login.json()['access_token']}"}
        content = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        started = httpx.post(
            f"{base}/api/v1/evidence/multipart",
            headers=staff,
            json={
                "filename": "bien-ban.pdf",
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "content_type": "application/pdf",
            },
            timeout=30,
        )
        assert started.status_code == 201, started.text
        (part,) = started.json()["parts"]
        # The signed upload URL names the port the demo serves on, and works as handed out.
        assert part["url"].startswith(f"{base}/")
        assert httpx.put(part["url"], content=content, timeout=30).status_code in (200, 204)

        assert signal_group(demo, signal.SIGTERM) == 0
    finally:
        kill_group(demo)
    assert leftovers(data_dir) == []
    assert not (data_dir / "pg" / "postmaster.pid").exists()


def test_a_demo_that_died_is_cleaned_up_by_the_next(data_dir: Path) -> None:
    port = free_port()
    crashed = start_demo(data_dir, port)
    try:
        wait_until_up(crashed, port)
    finally:
        kill_group(crashed)  # SIGKILL: no chance to stop anything
    assert leftovers(data_dir), "PostgreSQL and Redis outlive a demo killed with SIGKILL"

    demo = start_demo(data_dir, port)
    try:
        wait_until_up(demo, port)  # reuses the servers the dead run left
        assert signal_group(demo, signal.SIGHUP) == 0  # a closed terminal
    finally:
        kill_group(demo)
    assert leftovers(data_dir) == []


def test_stale_pid_files_and_socket_lock_do_not_block_the_start(data_dir: Path) -> None:
    pgdata = (data_dir / "pg").resolve()
    assert (pgdata / "PG_VERSION").exists(), "runs after a first start"
    assert leftovers(data_dir) == []
    # A run that died, and its pid reused by a live process that is not PostgreSQL (this one),
    # as after a container restart.
    alive = os.getpid()
    (pgdata / "postmaster.pid").write_text(
        f"{alive}\n{pgdata}\n{int(time.time())}\n5432\n{pgdata}\n\n  7340032  65536\nready \n"
    )
    (pgdata / ".s.PGSQL.5432.lock").write_text(f"{alive}\n{pgdata}\n")
    (pgdata / ".handle_pids.json").write_text(json.dumps([alive]))
    redis_dir = (data_dir / "redis").resolve()
    runtime = redis_dir / "dead-runtime"
    runtime.mkdir(exist_ok=True)
    (runtime / "redis.pid").write_text(f"{alive}\n")
    (redis_dir / "broker.rdb.settings").write_text(
        json.dumps(
            {
                "pidfile": str(runtime / "redis.pid"),
                "unixsocket": str(runtime / "redis.socket"),
                "dbdir": str(redis_dir),
                "dbfilename": "broker.rdb",
            }
        )
    )

    port = free_port()
    demo = start_demo(data_dir, port)
    try:
        wait_until_up(demo, port)
        assert signal_group(demo, signal.SIGTERM) == 0
    finally:
        kill_group(demo)
    assert leftovers(data_dir) == []
