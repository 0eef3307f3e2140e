"""Benchmark 6: intake throughput with 1, 2 and 4 API worker processes.

The intake benchmark's load (64 clients, fixed time) against ``giamsat serve --workers N``
for each N, with the CPU each party used (API workers, PostgreSQL backends, the load
generator) and the machine's busy share, and what the database sessions waited for. With
two cores, once the machine is busy the curve stops whatever N is: the figures say who
used the cores and whether sessions queued on a lock instead.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any

from bench import harness
from bench.intake import (
    BODIES,
    IntakeOptions,
    http_figures,
    measure_http,
    prepare,
    removing_intake_rows,
    warm_up,
)
from bench.load import intake_bodies
from bench.servers import api_server


@dataclass
class ScaleOutOptions(harness.OnDatabase):
    workers: tuple[int, ...] = (1, 2, 4)
    clients: int = 64
    duration_s: float = 30.0
    warmup_s: float = 3.0


def run_scaleout(options: ScaleOutOptions) -> harness.BenchResult:
    return removing_intake_rows(_run_scaleout, options)


def _run_scaleout(options: ScaleOutOptions) -> harness.BenchResult:
    setup = asyncio.run(prepare(options.url, "bench scale-out", with_reference=False))
    bodies = intake_bodies(setup.units, setup.categories, BODIES)
    runs: dict[str, Any] = {}
    for workers in options.workers:
        intake = IntakeOptions(
            database=options.database,
            workers=workers,
            clients=options.clients,
            duration_s=options.duration_s,
            warmup_s=options.warmup_s,
        )
        with api_server(options.url, workers=workers) as server:
            warm_up(server.base_url, setup.api_key, bodies, 4 * workers)
            run, cpu, waits = asyncio.run(
                measure_http(intake, server.pid, server.base_url, setup.api_key, bodies)
            )
        runs[str(workers)] = {**http_figures(run), "cpu": cpu, "database_waits": waits}
    first = runs[str(options.workers[0])]["requests_per_second"]
    result = options.result(
        "scaleout",
        {
            "workers": list(options.workers),
            "clients": options.clients,
            "duration_s": options.duration_s,
            "cores": harness.machine()["cores"],
        },
        figures={"by_workers": runs},
        ratios={
            f"{n}_vs_{options.workers[0]}_workers": harness.ratio(
                runs[str(n)]["requests_per_second"], first
            )
            for n in options.workers[1:]
        },
    )
    result.notes.append(limit_note(runs))
    return result


def limit_note(runs: dict[str, Any], cores: int | None = None) -> str:
    """What stopped the curve, read from the last run's lock waits and CPU figures."""
    cores = cores or os.cpu_count() or 1
    last_key = list(runs)[-1]
    cpu = runs[last_key]["cpu"]
    waits = runs[last_key].get("database_waits", {}).get("wait_shares", {})
    lock_share = sum(v for k, v in waits.items() if k.startswith("Lock"))
    ours = cpu["api_processes_cores"] + cpu["postgres_backends_cores"]
    ours += cpu["load_generator_cores"]
    others = max(0.0, cpu["machine_busy_share"] * cores - ours)
    parts = []
    if lock_share >= 0.5:
        parts.append(
            f"{lock_share:.0%} of the active database sessions were waiting on a lock: intake "
            "is serialised (one transaction at a time holds the lock), so more workers cannot "
            "raise the rate"
        )
    parts.append(
        f"with {last_key} workers the machine's {cores} cores were "
        f"{cpu['machine_busy_share']:.0%} busy; this run used {ours:.2f} cores (API "
        f"{cpu['api_processes_cores']}, PostgreSQL {cpu['postgres_backends_cores']}, load "
        f"generator {cpu['load_generator_cores']}), other processes {others:.2f}"
    )
    if lock_share < 0.5 and cpu["machine_busy_share"] >= 0.85:
        parts.append("the cores are saturated, so more workers only add contention")
    return "; ".join(parts)


def print_scaleout(result: harness.BenchResult) -> None:
    rows = []
    for workers, f in result.figures["by_workers"].items():
        latency = f.get("latency", {})
        cpu = f["cpu"]
        waits = f.get("database_waits", {})
        rows.append(
            (
                workers,
                f["requests_per_second"],
                latency.get("p50_ms"),
                latency.get("p99_ms"),
                cpu["machine_busy_share"],
                cpu["api_processes_cores"],
                cpu["postgres_backends_cores"],
                cpu["load_generator_cores"],
                waits.get("mean_active_sessions"),
            )
        )
    harness.print_table(
        "Intake scale-out (64 clients)",
        rows,
        (
            "workers",
            "req/s",
            "p50 ms",
            "p99 ms",
            "machine busy",
            "API cores",
            "PG cores",
            "client cores",
            "active sessions",
        ),
    )
