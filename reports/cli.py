"""``giamsat report council|supervision|scorecard``: render a report to a file from the
command line, with a progress bar.

The document is the one the API issues (same data gathering, same renderer, same defaults
from settings), but nothing is recorded: the file is a working copy, not an issued report,
so its verification code does not verify. Issue reports through ``POST /api/v1/reports``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.ext.asyncio import AsyncSession

from reports.document import ReportDocument
from reports.models import Report, ReportKind
from reports.parameters import resolve
from reports.pipeline import frame_of
from reports.render import RenderedPdf
from reports.schemas import ReportCreate
from reports.service import new_report
from reports.streaming import render_in_thread
from service.errors import Invalid
from service.i18n import cli_locale
from service.settings import Settings
from service.storage.store import ObjectStore

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _output_options(fn: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "-o",
                "--output",
                type=click.Path(dir_okay=False, path_type=Path),
                required=True,
                help="Where to write the PDF.",
            ),
            click.option("--pdfa", is_flag=True, help="Render as archival PDF/A-3b."),
            click.option("--number", "number_symbol", default=None, help='e.g. "12/BC-MTTQ".'),
            click.option("--signer", "signer_name", default=None, help="The signer's name."),
            click.option(
                "--chunk-rows",
                type=click.IntRange(min=2),
                default=None,
                help="Rows per rendering pass (default GIAMSAT_REPORT_CHUNK_ROWS).",
            ),
            click.option("--quiet", is_flag=True, help="No progress bar."),
        ]
    ):
        fn = option(fn)
    return fn


@click.group()
def report() -> None:
    """Render a report (the People's Council's periodic report, a supervision result, an
    agency scorecard) to a PDF file."""


@report.command()
@click.option("--from", "first", type=DATE, required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "last", type=DATE, required=True, help="Last day, YYYY-MM-DD.")
@click.option("--unit", "unit_code", default=None, help="A ward/commune code; omit for the city.")
@_output_options
@click.pass_obj
def council(
    settings: Settings, first: datetime, last: datetime, unit_code: str | None, **options: Any
) -> None:
    """Periodic report to the People's Council for a period and an area."""
    parameters = {"from": first.date().isoformat(), "to": last.date().isoformat()}
    if unit_code:
        parameters["unit_code"] = unit_code
    _run(settings, ReportKind.council_periodic, parameters, **options)


@report.command()
@click.option("--plan", "plan_code", required=True, help="The supervision plan's code.")
@click.option("--no-log", is_flag=True, help="Leave out the sessions' full record.")
@_output_options
@click.pass_obj
def supervision(settings: Settings, plan_code: str, no_log: bool, **options: Any) -> None:
    """Supervision result report of one plan."""
    parameters = {"plan_code": plan_code, "include_log": not no_log}
    _run(settings, ReportKind.supervision_result, parameters, **options)


@report.command()
@click.option("--agency", "agency_code", required=True, help="The agency's code.")
@click.option("--from", "first", type=DATE, required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "last", type=DATE, required=True, help="Last day, YYYY-MM-DD.")
@_output_options
@click.pass_obj
def scorecard(
    settings: Settings, agency_code: str, first: datetime, last: datetime, **options: Any
) -> None:
    """Scorecard of one agency for a period."""
    parameters = {
        "agency_code": agency_code,
        "from": first.date().isoformat(),
        "to": last.date().isoformat(),
    }
    _run(settings, ReportKind.agency_scorecard, parameters, **options)


def _run(
    settings: Settings,
    kind: ReportKind,
    parameters: dict[str, Any],
    *,
    output: Path,
    pdfa: bool,
    number_symbol: str | None,
    signer_name: str | None,
    chunk_rows: int | None,
    quiet: bool,
) -> None:
    request = ReportCreate(
        kind=kind,
        parameters=parameters,
        number_symbol=number_symbol,
        signer_name=signer_name,
        pdf_variant="pdf/a-3b" if pdfa else None,
    )
    with click.progressbar(
        length=100, label="Đang lập báo cáo", show_percent=True, hidden=quiet
    ) as bar:
        done = [0]

        def progress(stage: str, percent: int) -> None:
            if percent > done[0]:
                bar.update(percent - done[0])
                done[0] = percent

        try:
            rendered = asyncio.run(
                render_to_file(settings, request, output, chunk_rows=chunk_rows, progress=progress)
            )
        except Invalid as error:
            locale = cli_locale()
            details = "; ".join(
                f"{item['field']}: {item['message'].render(locale)}"
                for item in error.extra.get("errors", [])
            )
            raise click.ClickException(f"{error.detail.render(locale)} {details}".strip()) from None
    if rendered.integrity_warnings:
        click.secho(
            "CẢNH BÁO: dữ liệu đã niêm phong không còn nguyên vẹn; bản này in cảnh báo ở "
            "trang 1 và trong thuộc tính của tệp PDF, và sẽ không được phát hành:",
            err=True,
            bold=True,
        )
        for warning in rendered.integrity_warnings:
            click.echo(f"  - {warning}", err=True)
    click.echo(f"{rendered.path}: {rendered.page_count} trang, {rendered.size_bytes} byte")
    click.echo(f"sha256 {rendered.sha256}")
    click.echo(
        "Bản làm việc, chưa phát hành: mã xác thực chỉ có giá trị với báo cáo phát hành qua "
        "POST /api/v1/reports."
    )


@asynccontextmanager
async def read_only_snapshot(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on its own engine, in one read-only REPEATABLE READ transaction: every
    figure and every streamed list of a working copy comes from the same snapshot."""
    from service.db import create_engine, session_factory

    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            await session.connection(
                execution_options={
                    "isolation_level": "REPEATABLE READ",
                    "postgresql_readonly": True,
                }
            )
            yield session
    finally:
        await engine.dispose()


async def working_copy(
    session: AsyncSession,
    settings: Settings,
    request: ReportCreate,
    *,
    today: date | None = None,
    store: ObjectStore | None = None,
) -> tuple[Report, ReportDocument]:
    """The row (never stored) and the document of a working copy of ``request``: the
    document the API would issue, with a verification code that does not verify."""
    from reports.data import build_document
    from reports.parameters import typed
    from service.db import utcnow

    resolved = await resolve(session, request.kind, request.parameters, timezone=settings.timezone)
    row: Report = new_report(settings, resolved, request, None)
    if today is not None:
        row.issue_date = today
    row.verification_code = _working_copy_code(row.id)
    document = await build_document(
        session,
        typed(resolved.kind, resolved.parameters, timezone=settings.timezone),
        frame_of(row, settings),
        now=utcnow(),
        title=row.summary,
        store=store,
    )
    return row, document


async def render_to_file(
    settings: Settings,
    request: ReportCreate,
    output: Path,
    *,
    chunk_rows: int | None = None,
    progress: Any = None,
    today: date | None = None,
) -> RenderedPdf:
    """Resolve, gather and render ``request`` into ``output`` (nothing is stored)."""
    from service.storage.backends import build_object_store

    report_progress = progress or (lambda stage, percent: None)
    # The evidence files a supervision report lists are re-read and checked, as the render
    # job does.
    store = None
    if request.kind is ReportKind.supervision_result:
        store = build_object_store(settings)
        await store.start()
    try:
        async with read_only_snapshot(settings) as session:
            report_progress("gathering", 2)
            row, document = await working_copy(session, settings, request, today=today, store=store)
            return await render_in_thread(
                document,
                output,
                pdf_variant=row.pdf_variant,
                chunk_rows=chunk_rows or settings.report_chunk_rows,
                progress=lambda stage, percent: report_progress(stage, max(5, percent)),
            )
    finally:
        if store is not None:
            await store.close()


def _working_copy_code(report_id: uuid.UUID) -> str:
    from reports.document import verification_code

    return "BAN-NHAP-" + verification_code(f"draft:{report_id}")
