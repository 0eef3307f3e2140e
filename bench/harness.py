"""What every benchmark shares: the bench database URL, the machine description, latency
statistics, the printed table and the JSON result file.

A result file (``bench/results/<name>-<UTC timestamp>.json``) holds the machine (cores, RAM,
CPU model, Python and PostgreSQL versions, git commit), the parameters of the run, the
figures, the baseline measured in the same run, the ratios between them and the targets of
the benchmarks issue with whether they were met.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import psycopg
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from service.db import async_url

SERVER_URL = os.environ.get("GIAMSAT_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/")
DATABASE_NAME = os.environ.get("GIAMSAT_BENCH_DATABASE", "giamsat_bench")
RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO_ROOT = Path(__file__).resolve().parent.parent


def database_url(name: str = DATABASE_NAME, server_url: str | None = None) -> str:
    """``postgresql://.../<name>`` on the bench server (a loopback address by default)."""
    parts = urlsplit(server_url or SERVER_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def admin_url(server_url: str | None = None) -> str:
    return database_url("postgres", server_url)


@asynccontextmanager
async def engine(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on ``url`` for one benchmark's Python side, disposed when the block ends.
    Two connections: a benchmark measures one statement or session at a time."""
    opened = create_async_engine(async_url(url), pool_size=2)
    try:
        yield opened
    finally:
        await opened.dispose()


@asynccontextmanager
async def connection(
    url: str, server_settings: dict[str, str] | None = None
) -> AsyncIterator[asyncpg.Connection]:
    """A raw asyncpg connection on ``url`` (with these session settings), closed when the
    block ends: for the bulk writes and the catalogue reads that bypass the ORM."""
    conn = await asyncpg.connect(url, server_settings=server_settings)
    try:
        yield conn
    finally:
        await conn.close()


# -- the machine -------------------------------------------------------------------------------


def _meminfo_bytes(key: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def git_commit() -> str | None:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("+dirty" if dirty else "")


def postgres_version(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        return None
    return str(row[0]) if row else None


def machine(url: str | None = None) -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "ram_bytes": _meminfo_bytes("MemTotal"),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "postgresql": postgres_version(url or admin_url()),
        "git_commit": git_commit(),
        "load_average": list(os.getloadavg()),
    }


# -- statistics --------------------------------------------------------------------------------


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: a p99 is a latency that happened)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def latency_ms(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max in milliseconds from samples in seconds."""
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 0.50), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "p99_ms": round(percentile(ms, 0.99), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "max_ms": round(max(ms), 2),
    }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


# -- results -----------------------------------------------------------------------------------


@dataclass
class Target:
    """A target of the benchmarks issue and whether this run met it."""

    description: str
    value: float | None
    limit: float
    higher_is_better: bool = False

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit


@dataclass
class BenchResult:
    name: str
    # How it was started (``python -m bench queries --runs 20``), to run it again.
    command: str = field(default_factory=lambda: command_line())
    parameters: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    ratios: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def as_json(self, machine_info: dict[str, Any]) -> dict[str, Any]:
        data = asdict(self)
        data["machine"] = machine_info
        data["targets"] = [{**asdict(t), "met": t.met} for t in self.targets]
        data["finished_at"] = datetime.now(UTC).isoformat()
        return data


@dataclass
class OnDatabase:
    """What every benchmark's options start with: the bench database it runs against, on
    the local server (each benchmark's options dataclass extends this one)."""

    database: str = DATABASE_NAME

    @property
    def url(self) -> str:
        return database_url(self.database)

    def result(self, name: str, parameters: dict[str, Any], **fields: Any) -> BenchResult:
        """The result of the benchmark ``name`` run with these options; its parameters start
        with the database it ran against."""
        return BenchResult(
            name=name, parameters={"database": self.database, **parameters}, **fields
        )


@dataclass
class Repeated(OnDatabase):
    """Options of a benchmark that times each case (a query, a page) ``runs`` times, at least
    ``min_runs`` and within ``budget_s`` seconds a case besides; its result's parameters say
    so."""

    runs: int = 50
    min_runs: int = 10
    budget_s: float = 30.0

    def result(self, name: str, parameters: dict[str, Any], **fields: Any) -> BenchResult:
        repeats = {"runs": self.runs, "min_runs": self.min_runs, "budget_s": self.budget_s}
        return super().result(name, {**repeats, **parameters}, **fields)


Options = TypeVar("Options", bound=OnDatabase)


def command_line() -> str:
    argv = list(sys.argv)
    if argv and argv[0].endswith("__main__.py"):
        argv[0] = "python -m bench"
    elif argv:
        argv[0] = Path(argv[0]).name
    return " ".join(argv)


def write_result(
    result: BenchResult, *, url: str | None = None, results_dir: Path | None = None
) -> Path:
    directory = results_dir or RESULTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{result.name}-{stamp}.json"
    path.write_text(
        json.dumps(result.as_json(machine(url)), ensure_ascii=False, indent=2, default=str) + "\n"
    )
    return path


def print_table(title: str, rows: Iterable[Sequence[Any]], header: Sequence[str]) -> None:
    """A plain fixed-width table on stdout."""
    body = [[_cell(value) for value in row] for row in rows]
    widths = [len(h) for h in header]
    for row in body:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in body:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_targets(targets: Sequence[Target]) -> None:
    if targets:
        print_table(
            "Targets",
            [(t.description, t.value, t.limit, t.met) for t in targets],
            ("target", "measured", "limit", "met"),
        )


def finish(result: BenchResult, *, url: str | None = None, results_dir: Path | None = None) -> Path:
    print_targets(result.targets)
    for note in result.notes:
        print(f"note: {note}")
    path = write_result(result, url=url, results_dir=results_dir)
    print(f"\nresult written to {path}")
    return path
