"""Benchmark 4: large reports, seconds and peak RSS, chunked renderer vs one-pass WeasyPrint.

The council report for the whole city over the last twelve months (at 1M petitions, about a
third of them fall in the period) and the supervision report of ``BENCH-REPORT`` (500 log
entries, 200 evidence items at full scale). Each render runs in a child process
(``bench.report_child``): wall time is measured here, peak RSS is the child's ``ru_maxrss``
from ``os.wait4``. The baseline renders the same document in one WeasyPrint pass
(``chunk_rows=None``), in a child of its own.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import harness
from bench.oversight_rows import REPORT_PLAN_CODE

TARGET_PEAK_RSS_MB = 500.0
MB = 1024 * 1024
LOCAL = timedelta(hours=7)


@dataclass
class ReportOptions(harness.OnDatabase):
    chunk_rows: int = 400
    timeout_s: float = 1800.0
    baseline: bool = True
    kinds: tuple[str, ...] = ("council", "supervision")
    # Address-space cap of a render process, so that a one-pass layout that outgrows the
    # machine fails with MemoryError (reported) instead of pushing others out of memory.
    memory_limit_bytes: int = 12 * 1024**3
    # The last local day of the council report's twelve months (default: today). A past year
    # is a year whose petitions are mostly closed, as the council reads them at the year's end.
    council_end: date | None = None


def run_child(options: ReportOptions, arguments: list[str], chunk_rows: str) -> dict[str, Any]:
    """One render in a child; its figures plus wall seconds and ``ru_maxrss``."""
    with tempfile.TemporaryDirectory(prefix="giamsat-bench-report-") as scratch:
        output = Path(scratch) / "report.pdf"
        result = Path(scratch) / "result.json"
        command = [
            sys.executable,
            "-m",
            "bench.report_child",
            "--url",
            options.url,
            *arguments,
            "--chunk-rows",
            chunk_rows,
            "--output",
            str(output),
            "--result",
            str(result),
        ]
        log = Path(scratch) / "stderr.log"
        # The renderer's own scratch files go under ours, so a killed child leaves nothing.
        environment = {**os.environ, "TMPDIR": scratch}
        begin = time.perf_counter()
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                command,
                stderr=stderr,
                env=environment,
                preexec_fn=_memory_cap(options.memory_limit_bytes),
            )
        deadline = begin + options.timeout_s
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                return {"timed_out_after_seconds": options.timeout_s}
            time.sleep(0.05)
        wall = time.perf_counter() - begin
        process.returncode = os.waitstatus_to_exitcode(status)
        errors = log.read_text(errors="replace")
        if process.returncode != 0 or not result.exists():
            return {"failed": errors[-2000:], "exit_code": process.returncode}
        figures: dict[str, Any] = json.loads(result.read_text())
    figures["wall_seconds"] = round(wall, 2)
    figures["peak_rss_mb"] = round(usage.ru_maxrss * 1024 / MB, 1)  # ru_maxrss is in KiB
    for key in ("rss_start_bytes", "rss_before_render_bytes", "peak_rss_bytes"):
        if figures.get(key) is not None:
            figures[key.replace("_bytes", "_mb")] = round(figures.pop(key) / MB, 1)
    return figures


def _memory_cap(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def council_period(now: datetime | None = None, end: date | None = None) -> tuple[str, str]:
    last = end or ((now or datetime.now(UTC)) + LOCAL).date()
    first = last - timedelta(days=364)
    return first.isoformat(), last.isoformat()


def run_report(options: ReportOptions) -> harness.BenchResult:
    first, last = council_period(end=options.council_end)
    reports = {}
    if "council" in options.kinds:
        reports["council report, whole city, 12 months"] = [
            *("--kind", "council", "--from", first, "--to", last)
        ]
    if "supervision" in options.kinds:
        reports["supervision report, BENCH-REPORT"] = [
            *("--kind", "supervision", "--plan", REPORT_PLAN_CODE)
        ]
    result = options.result(
        "report",
        {
            "chunk_rows": options.chunk_rows,
            "council_period": [first, last],
            "supervision_plan": REPORT_PLAN_CODE,
            "measured": "each render in a child process: wall seconds, ru_maxrss",
        },
    )
    for name, arguments in reports.items():
        chunked = run_child(options, arguments, str(options.chunk_rows))
        result.figures[name] = chunked
        if options.baseline:
            single = run_child(options, arguments, "none")
            result.baseline[name] = single
            result.ratios[name] = {
                "time_vs_one_pass": harness.ratio(
                    chunked.get("wall_seconds"), single.get("wall_seconds")
                ),
                "peak_rss_vs_one_pass": harness.ratio(
                    chunked.get("peak_rss_mb"), single.get("peak_rss_mb")
                ),
            }
            result.targets.append(
                harness.Target(
                    f"{name}: seconds vs one pass (must be < 1)",
                    result.ratios[name]["time_vs_one_pass"],
                    1.0,
                )
            )
        result.targets.append(
            harness.Target(f"{name}: peak RSS MB", chunked.get("peak_rss_mb"), TARGET_PEAK_RSS_MB)
        )
    return result


def print_report(result: harness.BenchResult) -> None:
    rows = []
    for name, figures in result.figures.items():
        for label, f in (("chunked", figures), ("one pass (baseline)", result.baseline.get(name))):
            if f is None:
                continue
            rows.append(
                (
                    name,
                    label,
                    f.get("pages"),
                    f.get("gather_seconds"),
                    f.get("render_seconds"),
                    f.get("wall_seconds", f.get("timed_out_after_seconds") or f.get("failed")),
                    f.get("rss_before_render_mb"),
                    f.get("peak_rss_mb"),
                )
            )
    harness.print_table(
        "Reports (each in its own process)",
        rows,
        (
            "report",
            "renderer",
            "pages",
            "gather s",
            "render s",
            "wall s",
            "RSS before MB",
            "peak MB",
        ),
    )
