"""Benchmark: start-up. What a ``giamsat serve`` worker pays before it answers.

``giamsat serve --workers N`` builds the app once in the supervisor and forks the workers
from it (``service.prefork``); with one worker uvicorn serves in the process itself. Measured
here, each in a fresh interpreter (the median of ``--repeats``):

- ``import service.cli`` and ``import service.app`` (wall and CPU seconds), and whether
  WeasyPrint got imported on the way (it must not: only a rendering process needs it);
- ``create_app(settings)`` after the import (routes, OpenAPI, plugins);
- for each N, the time from starting ``giamsat serve --workers N`` until the first answer
  on ``/health`` and until all N workers have finished their start-up, the CPU seconds the
  server's processes used until then, whether the workers are forks of the supervisor (they
  run its command line) and how many workers the supervisor had to replace (a crash loop
  shows as restarts and no "all up").

CPU seconds are the figure to compare between runs on a shared machine: wall time stretches
with the load average, CPU time much less.

Baseline: ``import weasyprint`` alone, the cost a worker no longer pays.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import harness
from bench.servers import api_server, cpu_seconds, process_tree

READY_LINE = "Application startup complete."
# The console script deployments run: each worker re-imports it (spawn re-runs ``__main__``).
GIAMSAT_SCRIPT = Path(sys.executable).with_name("giamsat")
ALL_UP_TIMEOUT_S = 180.0

_IMPORT = """
import json, sys, time
started, cpu = time.perf_counter(), time.process_time()
import {module}
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({{"seconds": seconds, "cpu": cpu, "weasyprint": "weasyprint" in sys.modules}}))
"""

_CREATE_APP = """
import json, time
from service.app import create_app
from service.settings import Settings
settings = Settings(database_url={url!r}, broker="stub", log_level="WARNING")
started, cpu = time.perf_counter(), time.process_time()
create_app(settings)
print(json.dumps({{"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}}))
"""


@dataclass
class StartupOptions(harness.OnDatabase):
    workers: tuple[int, ...] = (1, 2, 4)
    repeats: int = 5


def _run_python(code: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _import(module: str, repeats: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    runs = [_run_python(_IMPORT.format(module=module), env) for _ in range(repeats)]
    return {**_seconds(runs), "imports_weasyprint": any(run["weasyprint"] for run in runs)}


def _create_app(url: str, repeats: int) -> dict[str, Any]:
    return _seconds([_run_python(_CREATE_APP.format(url=url)) for _ in range(repeats)])


def _seconds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    seconds, cpu = [run["seconds"] for run in runs], [run["cpu"] for run in runs]
    return {
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "cpu_median_s": round(statistics.median(cpu), 3),
    }


def _is_resource_tracker(pid: int) -> bool:
    """multiprocessing's resource tracker, which spawned workers bring along."""
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _cmdline(pid: int) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None


def _serve(url: str, workers: int) -> dict[str, Any]:
    started = time.perf_counter()
    seen_workers: set[int] = set()
    cpu: dict[int, float] = {}
    forked: list[bool] = []
    with api_server(
        url,
        workers=workers,
        env={"GIAMSAT_LOG_LEVEL": "INFO"},
        entry=[str(GIAMSAT_SCRIPT)],
        start_timeout=ALL_UP_TIMEOUT_S,
    ) as server:
        first_health = time.perf_counter() - started
        all_up: float | None = None
        deadline = time.monotonic() + ALL_UP_TIMEOUT_S
        while time.monotonic() < deadline:
            tree = process_tree(server.pid)
            for pid in tree:  # a process's CPU is lost once it is gone: keep the last seen
                cpu[pid] = max(cpu.get(pid, 0.0), cpu_seconds(pid))
            # With one worker uvicorn serves in the process itself; with more, the supervisor
            # has one child per worker (spawned ones also multiprocessing's resource tracker).
            seen_workers.update(pid for pid in tree[1:] if not _is_resource_tracker(pid))
            log = server.log_path.read_text(errors="replace")
            if log.count(READY_LINE) >= workers:
                all_up = time.perf_counter() - started
                supervisor = _cmdline(server.pid)
                forked = [_cmdline(pid) == supervisor for pid in tree[1:]]
                break
            time.sleep(0.1)
        log = server.log_path.read_text(errors="replace")
    spawned = len(seen_workers) if workers > 1 else 0
    return {
        "workers": workers,
        "first_health_s": round(first_health, 2),
        "all_workers_up_s": round(all_up, 2) if all_up is not None else None,
        "cpu_until_all_up_s": round(sum(cpu.values()), 2),
        "workers_forked": workers > 1 and bool(forked) and all(forked),
        "workers_started": log.count(READY_LINE),
        "worker_restarts": max(spawned - workers, 0),
    }


def run_startup(options: StartupOptions) -> harness.BenchResult:
    result = harness.BenchResult(
        name="startup",
        parameters={"workers": list(options.workers), "repeats": options.repeats},
    )
    cli = _import("service.cli", options.repeats)
    app = _import("service.app", options.repeats)
    asgi_routes = _import("reports.controllers", options.repeats)
    create = _create_app(options.url, options.repeats)
    # What a server process runs: the import and create_app(Settings()) from the environment.
    server_env = {"GIAMSAT_DATABASE_URL": options.url, "GIAMSAT_BROKER": "stub"}
    asgi = _import("service.asgi", options.repeats, server_env)
    serve = [_serve(options.url, workers) for workers in options.workers]
    result.figures = {
        "import_service_cli": cli,
        "import_service_app": app,
        "import_reports_controllers": asgi_routes,
        "create_app": create,
        "import_service_asgi": asgi,
        "serve": serve,
    }
    result.baseline = {"import_weasyprint": _import("weasyprint", options.repeats)}
    result.ratios = {
        "weasyprint_over_cli": harness.ratio(
            result.baseline["import_weasyprint"]["median_s"], cli["median_s"]
        )
    }
    result.targets = [
        harness.Target("import service.cli, median (s)", cli["median_s"], 1.0),
        harness.Target(
            "import service.cli loads WeasyPrint (0 = no)", float(cli["imports_weasyprint"]), 0
        ),
        harness.Target(
            "the app loads WeasyPrint (0 = no)",
            float(app["imports_weasyprint"] or asgi_routes["imports_weasyprint"]),
            0,
        ),
        *(
            harness.Target(
                f"serve --workers {row['workers']}: worker restarts", row["worker_restarts"], 0
            )
            for row in serve
        ),
        *(
            harness.Target(
                f"serve --workers {row['workers']}: all workers up (s)",
                row["all_workers_up_s"],
                5.0,
            )
            for row in serve
        ),
    ]
    result.notes.append(
        "all_workers_up_s counts uvicorn's 'Application startup complete.' lines, one per worker"
    )
    result.notes.append(
        "cpu figures are the process's user + system seconds: compare those between runs on a"
        " loaded machine (wall time stretches with the load average)"
    )
    return result


def print_startup(result: harness.BenchResult) -> None:
    figures = result.figures
    harness.print_table(
        "Imports (fresh interpreter)",
        [
            (
                name,
                figures[key]["median_s"],
                figures[key]["max_s"],
                figures[key].get("cpu_median_s"),
                figures[key].get("imports_weasyprint"),
            )
            for name, key in (
                ("import service.cli", "import_service_cli"),
                ("import service.app", "import_service_app"),
                ("import reports.controllers", "import_reports_controllers"),
                ("create_app() after import", "create_app"),
                ("import service.asgi (import + create_app)", "import_service_asgi"),
            )
        ]
        + [
            (
                "baseline: import weasyprint",
                result.baseline["import_weasyprint"]["median_s"],
                result.baseline["import_weasyprint"]["max_s"],
                result.baseline["import_weasyprint"]["cpu_median_s"],
                True,
            )
        ],
        ("step", "median s", "max s", "cpu median s", "weasyprint"),
    )
    harness.print_table(
        "giamsat serve",
        [
            (
                row["workers"],
                row["first_health_s"],
                row["all_workers_up_s"],
                row["cpu_until_all_up_s"],
                row["workers_forked"],
                row["workers_started"],
                row["worker_restarts"],
            )
            for row in figures["serve"]
        ],
        ("workers", "first /health s", "all up s", "cpu s", "forked", "started", "restarts"),
    )
