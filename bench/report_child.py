"""One report render in a process of its own, so that its peak RSS is its own.

``python -m bench.report_child --url URL --kind council|supervision ... --chunk-rows N|none
--output out.pdf --result out.json`` does what ``giamsat report`` does (the reports
package's parameter resolution, data gathering and ``render_in_thread`` in one read-only
REPEATABLE READ transaction) with the chunk size given, ``none`` meaning WeasyPrint lays the
whole document out in one pass. It writes its timings and the process's RSS before
rendering and at its peak to ``--result``; the parent measures wall time and ``ru_maxrss``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import harness
from bench.servers import peak_rss_bytes, rss_bytes


async def render(args: argparse.Namespace) -> dict[str, Any]:
    from reports.cli import read_only_snapshot, working_copy
    from reports.models import ReportKind
    from reports.schemas import ReportCreate
    from reports.streaming import render_in_thread
    from service.settings import Settings

    settings = Settings(database_url=args.url, log_level="WARNING")
    if args.kind == "council":
        kind = ReportKind.council_periodic
        parameters: dict[str, Any] = {"from": args.first, "to": args.last}
        if args.unit:
            parameters["unit_code"] = args.unit
    else:
        kind = ReportKind.supervision_result
        parameters = {"plan_code": args.plan, "include_log": True}
    request = ReportCreate(kind=kind, parameters=parameters)
    chunk_rows = None if args.chunk_rows == "none" else int(args.chunk_rows)
    figures: dict[str, Any] = {"rss_start_bytes": rss_bytes(os.getpid())}
    async with read_only_snapshot(settings) as session:
        begin = time.perf_counter()
        _, document = await working_copy(session, settings, request)
        figures["gather_seconds"] = round(time.perf_counter() - begin, 3)
        figures["rss_before_render_bytes"] = rss_bytes(os.getpid())
        begin = time.perf_counter()
        rendered = await render_in_thread(
            document, Path(args.output), pdf_variant=None, chunk_rows=chunk_rows
        )
        figures["render_seconds"] = round(time.perf_counter() - begin, 3)
    figures.update(
        pages=rendered.page_count,
        parts=rendered.part_count,
        size_bytes=rendered.size_bytes,
        sha256=rendered.sha256,
        peak_rss_bytes=peak_rss_bytes(os.getpid()),
    )
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_child")
    parser.add_argument("--url", default=harness.database_url())
    parser.add_argument("--kind", choices=("council", "supervision"), required=True)
    parser.add_argument("--from", dest="first")
    parser.add_argument("--to", dest="last")
    parser.add_argument("--unit", default=None)
    parser.add_argument("--plan", default=None)
    parser.add_argument("--chunk-rows", default="400")
    parser.add_argument("--output", required=True)
    parser.add_argument("--result", required=True)
    args = parser.parse_args(argv)
    figures = asyncio.run(render(args))
    Path(args.result).write_text(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
