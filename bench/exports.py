"""Benchmark: the city-wide petitions list exported as CSV and XLSX, streamed.

``giamsat serve --workers 1`` runs as a subprocess on 127.0.0.1 against the bench database
(its export limit raised to a full XLSX sheet, so a million rows are one file). The city
Front officer (``bench-front-city``: every ward) asks ``GET /api/v1/petitions/export`` with
no filter, and the file is streamed to disk; nothing holds it in memory on either side. The
API's resident set is sampled every 50 ms while each export runs (after a small warm-up
export); the growth is the peak minus the resident set just before. Rows: the CSV is read
back with the csv module; the XLSX's row count is its sheet's ``<dimension>``, which
xlsxwriter writes at the top of the sheet (reading a million-row sheet back would take
longer than writing it).

Baseline: PostgreSQL's own ``COPY (SELECT <the same columns> FROM petition) TO STDOUT``
(CSV) over psycopg, read to /dev/null: what the rows cost without the list's rules,
redaction and labels.
"""

from __future__ import annotations

import csv
import re
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench import harness, principals
from bench.servers import CpuMeter, api_server, peak_rss_bytes, rss_bytes
from bench.upload import RssSampler

MIB = 1024**2
EXPORT = "/api/v1/petitions/export"
# Constant memory: the API's resident set may grow by at most this while it streams 1M rows.
TARGET_RSS_GROWTH_MB = 150.0
XLSX_SHEET_ROWS = 1_048_575
BASELINE_SQL = (
    "COPY (SELECT tracking_code, title, kind, category_code, unit_code, status, channel, "
    "urgency, agency_id, created_at, due_at, deadline_status, raised_by_count "
    "FROM petition ORDER BY created_at DESC, id DESC) TO STDOUT WITH (FORMAT csv, HEADER)"
)


@dataclass
class ExportsOptions(harness.OnDatabase):
    timeout_s: float = 3600.0
    page_rows: int = 1000
    baseline: bool = True


def _download(
    client: httpx.Client, headers: dict[str, str], params: dict[str, str], path: Path
) -> tuple[float, float | None, int]:
    """(seconds to the last byte, seconds to the first byte, bytes)."""
    begin = time.perf_counter()
    first: float | None = None
    size = 0
    with (
        client.stream("GET", EXPORT, params=params, headers=headers) as response,
        path.open("wb") as out,
    ):
        if response.status_code != 200:
            response.read()
            raise RuntimeError(f"export failed: {response.status_code} {response.text[:800]}")
        for chunk in response.iter_bytes():
            if first is None:
                first = time.perf_counter() - begin
            out.write(chunk)
            size += len(chunk)
    return time.perf_counter() - begin, first, size


def csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as source:
        return sum(1 for _ in csv.reader(source)) - 1  # the header


def xlsx_rows(path: Path) -> int | None:
    """The data rows of the sheet, from the ``<dimension ref="A1:M1000001"/>`` near its
    start."""
    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        head = sheet.read(4096).decode("utf-8", errors="replace")
    match = re.search(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
    return int(match.group(1)) - 1 if match else None


def _measure(
    client: httpx.Client, headers: dict[str, str], pid: int, file_format: str, scratch: Path
) -> dict[str, Any]:
    path = scratch / f"don-thu.{file_format}"
    before = rss_bytes(pid) or 0
    hwm_before = peak_rss_bytes(pid) or 0
    meter = CpuMeter()
    meter.track([pid])
    with RssSampler(pid) as sampler:
        seconds, first_byte, size = _download(client, headers, {"format": file_format}, path)
    hwm_after = peak_rss_bytes(pid) or 0
    growth = max(sampler.peak, hwm_after if hwm_after > hwm_before else 0) - before
    rows = csv_rows(path) if file_format == "csv" else xlsx_rows(path)
    path.unlink()
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "first_byte_seconds": round(first_byte, 3) if first_byte is not None else None,
        "rows_per_second": round(rows / seconds) if rows else None,
        "bytes": size,
        "rss_before_mb": round(before / MIB, 1),
        "rss_peak_sampled_mb": round(sampler.peak / MIB, 1),
        "rss_growth_mb": round(growth / MIB, 1),
        "rss_samples": sampler.samples,
        "api_process_cores": round(meter.seconds([pid]) / meter.wall(), 2),
    }


def _baseline(url: str) -> dict[str, Any]:
    begin = time.perf_counter()
    size = 0
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        with cursor.copy(BASELINE_SQL) as copy:
            for block in copy:
                size += len(block)
        count = conn.execute("SELECT count(*) FROM petition").fetchone()
    seconds = time.perf_counter() - begin
    rows = int(count[0]) if count else 0
    return {"rows": rows, "seconds": round(seconds, 2), "bytes": size}


def run_exports(options: ExportsOptions) -> harness.BenchResult:
    result = options.result(
        "exports",
        {
            "list": "GET /api/v1/petitions/export, no filter, the city Front officer",
            "api_workers": 1,
            "page_rows": options.page_rows,
            "sampling_interval_s": 0.05,
        },
    )
    env = {
        "GIAMSAT_EXPORT_MAX_ROWS": str(XLSX_SHEET_ROWS),
        "GIAMSAT_EXPORT_PAGE_ROWS": str(options.page_rows),
    }
    with (
        tempfile.TemporaryDirectory(prefix="giamsat-bench-exports-") as scratch,
        api_server(options.url, workers=1, env=env) as api,
        httpx.Client(base_url=api.base_url, timeout=options.timeout_s) as client,
    ):
        headers = principals.bearer(client, principals.CITY_OFFICER)
        # Warm-up: the first export imports xlsxwriter and fills the reference caches.
        warm = {"kind": "denunciation", "created_from": "2999-01-01T00:00:00Z"}
        for file_format in ("csv", "xlsx"):
            _download(client, headers, {**warm, "format": file_format}, Path(scratch) / "warm")
        result.figures = {
            file_format: _measure(client, headers, api.pid, file_format, Path(scratch))
            for file_format in ("csv", "xlsx")
        }
    if options.baseline:
        result.baseline = {"copy_to_stdout": _baseline(options.url)}
        base = result.baseline["copy_to_stdout"]["seconds"]
        result.ratios = {
            f"{name}_vs_copy_seconds": harness.ratio(figures["seconds"], base)
            for name, figures in result.figures.items()
        }
    for name, figures in result.figures.items():
        result.targets.append(
            harness.Target(
                f"{name}: API RSS growth MB while streaming",
                figures["rss_growth_mb"],
                TARGET_RSS_GROWTH_MB,
            )
        )
    total = result.baseline.get("copy_to_stdout", {}).get("rows")
    if total is not None:
        for name, figures in result.figures.items():
            if figures["rows"] != min(total, XLSX_SHEET_ROWS):
                result.notes.append(
                    f"{name}: {figures['rows']} rows exported, {total} petitions in the table"
                )
    return result


def print_exports(result: harness.BenchResult) -> None:
    rows: list[tuple[Any, ...]] = [
        (
            f"API export {name.upper()}",
            f["rows"],
            f["seconds"],
            f["first_byte_seconds"],
            round(f["bytes"] / MIB, 1),
            f["rss_growth_mb"],
        )
        for name, f in result.figures.items()
    ]
    if result.baseline:
        base = result.baseline["copy_to_stdout"]
        rows.append(
            (
                "COPY TO STDOUT (baseline)",
                base["rows"],
                base["seconds"],
                None,
                round(base["bytes"] / MIB, 1),
                None,
            )
        )
    harness.print_table(
        "City-wide petitions list exported",
        rows,
        ("path", "rows", "seconds", "first byte s", "MiB", "API RSS growth MiB"),
    )
