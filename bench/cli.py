"""``giamsat bench ...`` and ``python -m bench ...``: the data generator and the benchmarks.

Every benchmark reads the bench database (``--database``, default ``giamsat_bench`` on
``GIAMSAT_BENCH_SERVER_URL``, the local server), prints a table and writes its JSON result
to ``bench/results/``. Benchmarks are not tests; they run only when asked.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from bench import harness

# What click.option returns, and what the option groups below return.
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

database_option = click.option(
    "--database",
    default=harness.DATABASE_NAME,
    show_default=True,
    help="Bench database on the local server (GIAMSAT_BENCH_SERVER_URL).",
)
results_option = click.option(
    "--results-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the JSON result goes (default: bench/results).",
)
baseline_option = click.option("--baseline/--no-baseline", default=True, show_default=True)
# The API worker counts a curve is measured at.
worker_counts_option = click.option(
    "--workers", "workers", type=int, multiple=True, default=(1, 2, 4), show_default=True
)


def timeout_option(default: float, help: str | None = None) -> Decorator:
    """``--timeout`` in seconds, as the options' ``timeout_s``."""
    return click.option(
        "--timeout", "timeout_s", type=float, default=default, show_default=True, help=help
    )


def _together(*options: Decorator) -> Decorator:
    """Several click options as one decorator, listed by ``--help`` in the order given."""

    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


def repeat_options(each: str) -> Decorator:
    """``--runs`` and ``--budget`` (seconds) per measured ``each`` (a query, a page)."""
    return _together(
        click.option("--runs", type=int, default=50, show_default=True, help=f"Runs per {each}."),
        click.option(
            "--budget",
            "budget_s",
            type=float,
            default=30.0,
            show_default=True,
            help=f"Seconds per {each}.",
        ),
    )


def load_options(duration_help: str | None = None) -> Decorator:
    """``--clients``, ``--duration`` and ``--warmup`` (seconds) of a load run."""
    return _together(
        click.option("--clients", type=int, default=64, show_default=True),
        click.option(
            "--duration",
            "duration_s",
            type=float,
            default=30.0,
            show_default=True,
            help=duration_help,
        ),
        click.option("--warmup", "warmup_s", type=float, default=3.0, show_default=True),
    )


def _measure(
    run: Callable[[harness.Options], harness.BenchResult],
    show: Callable[[harness.BenchResult], None],
    options: harness.Options,
    results_dir: Path | None,
) -> None:
    """Run one benchmark, print its table and write its JSON result."""
    result = run(options)
    show(result)
    harness.finish(result, url=options.url, results_dir=results_dir)


@click.group()
def bench() -> None:
    """Benchmarks at a million petitions, each against a baseline measured in the same run."""


# Each benchmark's options land under its options dataclass's own field names (``--duration``
# is ``duration_s``), so a command builds the dataclass from them as they come.


@bench.command()
@database_option
@click.option("--scale", type=float, default=1.0, show_default=True, help="1.0 = 1M petitions.")
@click.option("--reset", is_flag=True, help="Drop the database first if it exists.")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--batch-size", type=int, default=20_000, show_default=True)
@results_option
def generate(results_dir: Path | None, **fields: Any) -> None:
    """Create and load the bench database (COPY; the load time is reported)."""
    from bench.generate import DatabaseExists, GenerateOptions
    from bench.generate import generate as run

    options = GenerateOptions(**fields)
    try:
        result = run(options)
    except DatabaseExists as exc:
        raise click.ClickException(str(exc)) from exc
    figures = result.figures
    harness.print_table(
        "Load",
        [(phase, seconds) for phase, seconds in figures["phases_seconds"].items()]
        + [("total", figures["total_seconds"])],
        ("phase", "seconds"),
    )
    harness.print_table(
        "Rows",
        [(k, v) for k, v in figures["rows"].items() if isinstance(v, int)],
        ("table", "rows"),
    )
    harness.finish(result, url=options.url, results_dir=results_dir)


def _benchmark(name: str, options_class: str, summary: str, *options: Decorator) -> None:
    """Register ``bench <name>``: ``bench.<name>``'s ``run_<name>`` on its ``options_class``
    built from the command's options, then ``print_<name>`` and the JSON result. The module
    is imported when the command runs, so ``--help`` stays quick."""

    def command(results_dir: Path | None, **fields: Any) -> None:
        module = importlib.import_module(f"bench.{name}")
        options_type = getattr(module, options_class)
        run, show = getattr(module, f"run_{name}"), getattr(module, f"print_{name}")
        _measure(run, show, options_type(**fields), results_dir)

    command.__doc__ = summary
    bench.command(name)(_together(database_option, *options, results_option)(command))


_benchmark(
    "intake",
    "IntakeOptions",
    "POST /api/v1/petitions from N clients vs the same statements by raw asyncpg.",
    click.option("--workers", type=int, default=2, show_default=True, help="API worker processes."),
    load_options(duration_help="Seconds measured."),
    click.option("--max-requests", type=int, default=None, help="Stop after this many requests."),
    baseline_option,
)
_benchmark(
    "queries",
    "QueriesOptions",
    "Staff lists, keyset pages 1 and 1,000, search, duplicates, dashboard: p50/p95.",
    repeat_options("query"),
    click.option("--deep-page", type=int, default=1000, show_default=True),
)
_benchmark(
    "pages",
    "PagesOptions",
    "Console pages over HTTP (work queue, petition page, dashboard): p50/p95.",
    repeat_options("page"),
)
_benchmark(
    "sweep",
    "SweepOptions",
    "Petition and referral sweeps: steady, the daily 17:00 burst, a week late (rolled back).",
    timeout_option(600.0, "Per sweep."),
)


@bench.command()
@database_option
@click.option("--chunk-rows", type=int, default=400, show_default=True)
@timeout_option(1800.0, "Per render.")
@click.option(
    "--memory-limit-gib",
    type=float,
    default=12.0,
    show_default=True,
    help="Address-space cap of each render process.",
)
@click.option(
    "--council-end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last local day of the council report's 12 months (default: today).",
)
@baseline_option
@results_option
def report(
    memory_limit_gib: float,
    council_end: datetime | None,
    results_dir: Path | None,
    **fields: Any,
) -> None:
    """Council (city, 12 months) and supervision reports: seconds and peak RSS."""
    from bench.report import ReportOptions, print_report, run_report

    options = ReportOptions(
        **fields,
        memory_limit_bytes=int(memory_limit_gib * 1024**3),
        council_end=council_end.date() if council_end else None,
    )
    _measure(run_report, print_report, options, results_dir)


@bench.command()
@database_option
@click.option("--size-mib", type=int, default=1024, show_default=True, help="File size.")
@timeout_option(1800.0)
@baseline_option
@results_option
def upload(size_mib: int, results_dir: Path | None, **fields: Any) -> None:
    """A 1 GiB evidence upload through the API to moto S3 vs minio fput_object."""
    from bench.upload import MIB, UploadOptions, print_upload, run_upload

    options = UploadOptions(**fields, size_bytes=size_mib * MIB)
    _measure(run_upload, print_upload, options, results_dir)


_benchmark(
    "exports",
    "ExportsOptions",
    "The city-wide petitions list as CSV and XLSX through the API: rows, seconds, API RSS.",
    click.option("--page-rows", type=int, default=1000, show_default=True, help="Rows per page."),
    timeout_option(3600.0),
    baseline_option,
)
_benchmark(
    "scaleout",
    "ScaleOutOptions",
    "Intake req/s with 1, 2 and 4 API workers, and what stops the curve.",
    worker_counts_option,
    load_options(),
)
_benchmark(
    "startup",
    "StartupOptions",
    "Import time of the CLI and the app, create_app, and serve --workers N until all answer.",
    worker_counts_option,
    click.option("--repeats", type=int, default=5, show_default=True, help="Fresh interpreters."),
)
