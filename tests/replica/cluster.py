"""A PostgreSQL primary and a hot standby streaming from it, started by the tests.

Why a pair of our own rather than a standby of the shared server on 127.0.0.1:5432: that
server's ``pg_hba.conf`` has no ``replication`` line (a physical standby cannot connect) and
its ``wal_level`` is ``replica`` (no logical replication either), and it is shared, so its
configuration is not ours to change. With ``initdb`` in a temporary directory we get the
real thing: a primary whose WAL streams to a standby made by ``pg_basebackup -R`` (the same
commands a deployment's replica is made with), on free ports of 127.0.0.1, removed with its
directory when the tests end.

The binaries are PostgreSQL 15's: ``GIAMSAT_TEST_PG_BINDIR``, else ``/usr/lib/postgresql/15/bin``
(Debian's ``postgresql-15``), else ``pg_config --bindir``. Missing binaries fail the tests with
that message: they are on every machine the tests run on, and a skip would hide the replica
tests. Run as root (containers), the servers run as the ``postgres`` system user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

BINDIR_ENV = "GIAMSAT_TEST_PG_BINDIR"
DEBIAN_BINDIR = Path("/usr/lib/postgresql/15/bin")
TOOLS = ("initdb", "pg_ctl", "pg_basebackup")
START_TIMEOUT_SECONDS = 60


class BinariesMissing(RuntimeError):
    pass


def find_bindir() -> Path:
    candidates: list[Path] = []
    if os.environ.get(BINDIR_ENV):
        candidates.append(Path(os.environ[BINDIR_ENV]))
    candidates.append(DEBIAN_BINDIR)
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip():
            candidates.append(Path(found.stdout.strip()))
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in TOOLS):
            return bindir
    raise BinariesMissing(
        f"the replica tests need PostgreSQL's server binaries ({', '.join(TOOLS)}): none found in"
        f" {', '.join(str(c) for c in candidates)}. Install Debian's postgresql-15 (apt-get"
        f" install postgresql-15) or set {BINDIR_ENV} to the directory that holds them."
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    name: str
    data: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(self.url(database), autocommit=True)

    def execute(self, sql: str, database: str = "postgres") -> None:
        with self.connect(database) as conn:
            conn.execute(sql)

    def scalar(self, sql: str, database: str = "postgres") -> Any:
        with self.connect(database) as conn:
            row = conn.execute(sql).fetchone()
        assert row is not None
        return row[0]


@dataclass
class StreamingPair:
    """``primary`` and ``standby`` (hot, streaming, asynchronous), under one temp dir."""

    bindir: Path
    root: Path
    primary: Server
    standby: Server
    _running: list[Server] = field(default_factory=list)

    # -- what the tests do with the standby ---------------------------------------------

    def pause_replay(self) -> None:
        """The standby keeps receiving WAL but applies none of it: a lag that stays."""
        self.standby.scalar("SELECT pg_wal_replay_pause()::text")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while self.standby.scalar("SELECT pg_get_wal_replay_pause_state()") != "paused":
            if time.monotonic() > deadline:
                raise TimeoutError("the standby did not pause its replay")
            time.sleep(0.05)

    def resume_replay(self) -> None:
        self.standby.scalar("SELECT pg_wal_replay_resume()::text")

    def wait_received(self) -> None:
        """Until the standby has received (not necessarily applied) all the primary wrote."""
        self._wait_for("pg_last_wal_receive_lsn()")

    def wait_caught_up(self) -> None:
        """Until the standby has applied all the primary wrote so far."""
        self._wait_for("pg_last_wal_replay_lsn()")

    def _wait_for(self, standby_lsn: str) -> None:
        target = self.primary.scalar("SELECT pg_current_wal_flush_lsn()::text")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        query = f"SELECT {standby_lsn} >= '{target}'::pg_lsn"
        while not self.standby.scalar(query):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby's {standby_lsn} did not reach {target}")
            time.sleep(0.05)

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        self._initdb()
        self._start(self.primary)
        self._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.standby.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        self._start(self.standby)
        if not self.standby.scalar("SELECT pg_is_in_recovery()"):
            raise RuntimeError("the standby is not in recovery")

    def stop_standby(self) -> None:
        """Stop the standby (fast shutdown: it keeps its data) until ``start_standby``."""
        self._run("pg_ctl", "stop", "-D", str(self.standby.data), "-m", "fast", "-w")
        self._running.remove(self.standby)

    def start_standby(self) -> None:
        self._start(self.standby)

    def stop(self) -> None:
        """Stop both servers (immediately: their data is thrown away) and remove the dir."""
        for server in reversed(self._running):
            self._run(
                "pg_ctl", "stop", "-D", str(server.data), "-m", "immediate", "-w", check=False
            )
        self._running.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def _initdb(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.primary.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        # initdb's pg_hba.conf already trusts replication connections from 127.0.0.1.
        with (self.primary.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# giamsat replica tests\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\n"
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
                "fsync = off\nshared_buffers = 32MB\nmax_connections = 40\n"
                "timezone = 'UTC'\n"
            )

    def _start(self, server: Server) -> None:
        self._run(
            "pg_ctl",
            "start",
            "-D",
            str(server.data),
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            "-l",
            str(self.root / f"{server.name}.log"),
            "-o",
            f"-p {server.port}",
        )
        self._running.append(server)

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        command: Sequence[str] = [str(self.bindir / tool), *args]
        user = "postgres" if os.geteuid() == 0 else None  # PostgreSQL refuses to run as root
        done = subprocess.run(command, capture_output=True, text=True, user=user, cwd=self.root)
        if check and done.returncode != 0:
            logs = "".join(
                f"\n--- {log.name}\n{log.read_text()[-2000:]}" for log in self.root.glob("*.log")
            )
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip()}{logs}")


def start_streaming_pair() -> StreamingPair:
    """Start the pair (the caller stops it: ``pair.stop()``, also when this raises)."""
    bindir = find_bindir()
    root = Path(tempfile.mkdtemp(prefix="giamsat-replica-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    pair = StreamingPair(
        bindir=bindir,
        root=root,
        primary=Server("primary", root / "primary", free_port()),
        standby=Server("standby", root / "standby", free_port()),
    )
    try:
        pair.start()
    except BaseException:
        pair.stop()
        raise
    return pair
