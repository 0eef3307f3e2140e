"""Processes the benchmarks start and measure: ``giamsat serve`` and ``moto_server``.

Both listen on 127.0.0.1 on a free port, are started in their own process group, waited for
with a bounded poll, and stopped by their own pid (SIGTERM, then SIGKILL to that group after
a grace period). Memory and CPU come from ``/proc`` (Linux): ``VmRSS``/``VmHWM`` of a pid,
``utime + stime`` of a pid and its children, and the machine's busy time from ``/proc/stat``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_TIMEOUT_S = 90.0
STOP_GRACE_S = 15.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- /proc -------------------------------------------------------------------------------------


def _status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def rss_bytes(pid: int) -> int | None:
    kb = _status_kb(pid, "VmRSS")
    return None if kb is None else kb * 1024


def peak_rss_bytes(pid: int) -> int | None:
    """The high-water mark of the resident set (``VmHWM``) since the process started."""
    kb = _status_kb(pid, "VmHWM")
    return None if kb is None else kb * 1024


def children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            found.extend(int(child) for child in text)
    except OSError:
        return found
    return found


def process_tree(pid: int) -> list[int]:
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children(current))
    return tree


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields[11] = utime, fields[12] = stime (after pid and comm)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return total - idle, total


class CpuMeter:
    """CPU used between ``start`` and ``stop``: the machine's busy share and per process."""

    def __init__(self) -> None:
        self._machine = machine_cpu()
        self._wall = time.perf_counter()
        self._pids: dict[int, float] = {}

    def track(self, pids: list[int]) -> None:
        for pid in pids:
            self._pids.setdefault(pid, cpu_seconds(pid))

    def seconds(self, pids: list[int]) -> float:
        """CPU seconds the given processes used since they were first tracked (or born)."""
        return sum(cpu_seconds(pid) - self._pids.get(pid, 0.0) for pid in pids)

    def machine_busy_share(self) -> float:
        busy0, total0 = self._machine
        busy1, total1 = machine_cpu()
        return round((busy1 - busy0) / max(total1 - total0, 1), 3)

    def wall(self) -> float:
        return time.perf_counter() - self._wall


# -- processes ---------------------------------------------------------------------------------


@dataclass
class Started:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _stop(started: Started) -> None:
    """SIGTERM to the process we started; SIGKILL to it and its own children if they linger."""
    process = started.process
    ours = process_tree(process.pid) if process.poll() is None else []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_GRACE_S)
    for pid in ours[1:]:  # uvicorn's workers normally leave with their supervisor
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(pid) == process.pid:
                os.kill(pid, signal.SIGKILL)


def _wait_until_up(started: Started, url: str, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if started.process.poll() is not None:
            raise RuntimeError(f"{url} exited at start:\n{started.log_tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s:\n{started.log_tail()}")


def _log_file(name: str) -> tuple[Path, int]:
    handle, path = tempfile.mkstemp(prefix=f"giamsat-bench-{name}-", suffix=".log")
    return Path(path), handle


@contextlib.contextmanager
def _serve(
    name: str,
    command: list[str],
    port: int,
    health_path: str,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = START_TIMEOUT_S,
) -> Iterator[Started]:
    """Start ``command`` (listening on ``port``) in its own process group, its output in a
    log file; yield it once ``health_path`` answers and stop it on the way out."""
    log_path, log_fd = _log_file(name)
    process = subprocess.Popen(
        command, env=env, stdout=log_fd, stderr=subprocess.STDOUT, start_new_session=True
    )
    os.close(log_fd)
    started = Started(process, port, log_path)
    try:
        _wait_until_up(started, started.base_url + health_path, timeout=timeout)
        yield started
    finally:
        _stop(started)


@contextlib.contextmanager
def api_server(
    database_url: str,
    *,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
    entry: Sequence[str] | None = None,
    start_timeout: float = START_TIMEOUT_S,
) -> Iterator[Started]:
    """``giamsat serve --workers N`` on 127.0.0.1 against the bench database.

    ``entry`` is how the CLI is started (default ``python -m service``; the ``giamsat``
    script is what deployments run, and its workers re-import it).
    """
    port = free_port()
    environment = {
        **os.environ,
        "GIAMSAT_DATABASE_URL": database_url,
        "GIAMSAT_BROKER": "stub",
        "GIAMSAT_LOG_LEVEL": "WARNING",
        "GIAMSAT_HOST": "127.0.0.1",
        "GIAMSAT_PORT": str(port),
        "GIAMSAT_STORAGE_LOCAL_ROOT": tempfile.mkdtemp(prefix="giamsat-bench-objects-"),
        **(env or {}),
    }
    command = [*(entry or [sys.executable, "-m", "service"]), "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    with _serve("api", command, port, "/health", env=environment, timeout=start_timeout) as api:
        yield api


@contextlib.contextmanager
def moto_server() -> Iterator[Started]:
    """moto's S3 server (real HTTP) on 127.0.0.1."""
    port = free_port()
    executable = Path(sys.executable).with_name("moto_server")
    command = [str(executable) if executable.exists() else "moto_server"]
    with _serve("moto", [*command, "-H", "127.0.0.1", "-p", str(port)], port, "/") as moto:
        yield moto
