"""Smoke runs of the benchmarks on a tiny generated database.

These are not benchmarks (no timing is judged here): each runs a benchmark at a tiny scale
and checks that its JSON result carries the figures it promises, as positive numbers. The
generated data is checked for what the benchmarks rely on: the row counts, the status mix
and deadline clocks equal to what the platform's own clock arithmetic computes.
"""

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import col, select

from bench import harness
from bench.generate import GenerateOptions, drop_database, generate
from service.db import async_url, session_factory
from service.deadlines.clock import compute_due
from service.directory.calendar import load_calendar
from service.petitions.models import Petition

SERVER_URL = os.environ.get(
    "GIAMSAT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SCALE = 0.0005  # 500 petitions, 8 supervision sessions


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _written(result: harness.BenchResult, directory: Path) -> dict[str, Any]:
    path = harness.write_result(result, results_dir=directory)
    data: dict[str, Any] = json.loads(path.read_text())
    assert data["name"] == result.name
    assert _positive(data["machine"]["cores"])
    assert data["machine"]["python"]
    return data


@pytest.fixture(scope="module")
def bench_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GenerateOptions]:
    original = harness.SERVER_URL
    harness.SERVER_URL = SERVER_URL
    options = GenerateOptions(
        database=f"giamsat_bench_smoke_{os.getpid()}_{uuid.uuid4().hex[:6]}",
        scale=SCALE,
        reset=True,
        quiet=True,
    )
    try:
        result = generate(options)
        data = _written(result, tmp_path_factory.mktemp("results"))
        options.generated = data  # type: ignore[attr-defined]
        yield options
    finally:
        drop_database(options.database)
        harness.SERVER_URL = original


def test_generate_loads_the_promised_rows(bench_database: GenerateOptions) -> None:
    data = bench_database.generated  # type: ignore[attr-defined]
    rows = data["figures"]["rows"]
    assert rows["petition"] == 500
    assert _positive(data["figures"]["load_seconds"])
    for table in ("petitioner", "petition_event", "referral", "referral_answer",
                  "supervision_session", "supervision_log_entry", "evidence"):  # fmt: skip
        assert _positive(rows[table]), table
    assert rows["supervision_session"] >= 8
    assert rows["audit_event"] == 0
    assert rows["outbox"] == 0
    assert 0.1 < rows["open_petitions"] / rows["petition"] < 0.3
    assert rows["petition_status"].get("merged", 0) > 0


def test_generated_clocks_match_the_platform_arithmetic(bench_database: GenerateOptions) -> None:
    async def check() -> None:
        engine = create_async_engine(async_url(bench_database.url))
        try:
            async with session_factory(engine)() as session:
                calendar = await load_calendar(session)
                petitions = (
                    await session.execute(select(Petition).order_by(col(Petition.id)).limit(200))
                ).scalars()
                for petition in petitions:
                    assert compute_due(petition, calendar) == (petition.due_at, petition.warn_at)
                    if petition.status == "merged":
                        assert petition.merged_into_id is not None
        finally:
            await engine.dispose()

    asyncio.run(check())


def test_intake_smoke(bench_database: GenerateOptions, tmp_path: Path) -> None:
    from bench.intake import IntakeOptions, run_intake

    result = run_intake(
        IntakeOptions(
            database=bench_database.database, workers=1, clients=4, duration_s=2, warmup_s=0.5
        )
    )
    data = _written(result, tmp_path)
    api = data["figures"]["api"]
    assert _positive(api["requests_per_second"])
    assert all(_positive(api["latency"][k]) for k in ("p50_ms", "p95_ms", "p99_ms"))
    assert _positive(data["baseline"]["raw_asyncpg"]["requests_per_second"])
    assert _positive(data["ratios"]["api_vs_raw_throughput"])
    assert {"machine_busy_share", "api_processes_cores"} <= set(api["cpu"])
    assert _positive(api["cpu"]["api_cpu_ms_per_petition"])
    assert api["cpu"]["petitions_filed"] >= api["requests_ok"]
    # The run's petitions are gone again: later benchmarks see the generated data.
    assert data["parameters"]["petitions_removed_after_run"] > 0
    with psycopg.connect(bench_database.url) as conn:
        row = conn.execute("SELECT count(*) FROM petition").fetchone()
    assert row is not None
    assert row[0] == 500


def test_queries_smoke(bench_database: GenerateOptions, tmp_path: Path) -> None:
    from bench.queries import QueriesOptions, run_queries

    result = run_queries(
        QueriesOptions(database=bench_database.database, runs=2, budget_s=2, deep_page=3)
    )
    data = _written(result, tmp_path)
    queries = data["figures"]["queries"]
    assert {"list", "search", "duplicates", "dashboard"} <= {q["group"] for q in queries.values()}
    assert any(name.startswith("keyset page 3") for name in queries)
    # The generator's summary, after the intake smoke's cleanup: the dashboard is right.
    assert data["parameters"]["dashboard_equals_rows"] == {"city": True, "ward": True}
    for name, figures in queries.items():
        assert _positive(figures["p50_ms"]), name
        assert _positive(figures["p95_ms"]), name
        assert figures["plan"], name


def test_pages_smoke(bench_database: GenerateOptions, tmp_path: Path) -> None:
    from bench.pages import PagesOptions, run_pages

    result = run_pages(PagesOptions(database=bench_database.database, runs=2, budget_s=2))
    data = _written(result, tmp_path)
    pages = data["figures"]["pages"]
    assert {"work queue", "petition page", "dashboard", "dashboard computed"} == {
        name.split(" (")[0] for name in pages if not name.startswith("work queue searched")
    }
    for name, figures in pages.items():
        assert figures["statuses"] == [200], name
        assert figures["bytes"] > 1000, name  # a rendered page, not a redirect to the login
        assert _positive(figures["p95_ms"]), name
    assert all(target["limit"] == 150.0 for target in data["targets"])


def test_sweep_smoke(bench_database: GenerateOptions, tmp_path: Path) -> None:
    from bench.sweep import SweepOptions, run_sweep

    result = run_sweep(SweepOptions(database=bench_database.database, timeout_s=120))
    data = _written(result, tmp_path)
    assert data["parameters"]["open_petitions"] > 0
    sweeps = data["figures"]["sweeps"]
    assert set(sweeps) == {"now", "end of the next working day", "now + 7 days"}
    for figures in sweeps.values():
        assert _positive(figures["total_seconds"])
    assert _positive(sweeps["now + 7 days"]["petitions_overdue"])


def test_report_smoke(bench_database: GenerateOptions, tmp_path: Path) -> None:
    from bench.report import ReportOptions, run_report

    result = run_report(
        ReportOptions(database=bench_database.database, kinds=("supervision",), timeout_s=300)
    )
    data = _written(result, tmp_path)
    name = "supervision report, BENCH-REPORT"
    for figures in (data["figures"][name], data["baseline"][name]):
        assert "failed" not in figures, figures.get("failed")
        assert _positive(figures["wall_seconds"])
        assert _positive(figures["peak_rss_mb"])
        assert _positive(figures["pages"])
    assert _positive(data["ratios"][name]["time_vs_one_pass"])


def test_upload_smoke(bench_database: GenerateOptions, tmp_path: Path) -> None:
    from bench.upload import MIB, UploadOptions, run_upload

    result = run_upload(
        UploadOptions(database=bench_database.database, size_bytes=3 * MIB, timeout_s=120)
    )
    data = _written(result, tmp_path)
    api = data["figures"]["api"]
    assert _positive(api["mb_per_second"])
    assert api["stored_size_bytes"] == 3 * MIB
    assert api["content_type"] == "video/mp4"
    assert isinstance(api["rss_growth_mb"], int | float)
    assert _positive(data["baseline"]["minio_fput_object"]["mb_per_second"])


def test_scaleout_smoke(bench_database: GenerateOptions, tmp_path: Path) -> None:
    from bench.scaleout import ScaleOutOptions, run_scaleout

    result = run_scaleout(
        ScaleOutOptions(
            database=bench_database.database,
            workers=(1, 2),
            clients=4,
            duration_s=2,
            warmup_s=0.5,
        )
    )
    data = _written(result, tmp_path)
    for workers in ("1", "2"):
        assert _positive(data["figures"]["by_workers"][workers]["requests_per_second"])
    assert data["notes"]


def test_percentiles_are_latencies_that_happened() -> None:
    samples = [0.001 * n for n in range(1, 101)]
    figures = harness.latency_ms(samples)
    assert figures["p50_ms"] == pytest.approx(50.0)
    assert figures["p99_ms"] == pytest.approx(99.0)
    assert figures["max_ms"] == pytest.approx(100.0)


def test_startup_smoke(tmp_path: Path) -> None:
    from bench.startup import StartupOptions, run_startup

    result = run_startup(StartupOptions(workers=(2,), repeats=1))
    data = _written(result, tmp_path)
    figures = data["figures"]
    for step in ("import_service_cli", "import_service_app", "create_app", "import_service_asgi"):
        assert _positive(figures[step]["median_s"])
    assert figures["import_service_cli"]["imports_weasyprint"] is False
    [serve] = figures["serve"]
    assert serve["workers_started"] == 2
    assert _positive(serve["all_workers_up_s"])
    assert _positive(serve["cpu_until_all_up_s"])
    assert serve["workers_forked"] is True
    assert serve["worker_restarts"] == 0
    assert data["baseline"]["import_weasyprint"]["imports_weasyprint"] is True
