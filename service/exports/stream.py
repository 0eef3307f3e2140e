"""The streamed answer of an export.

The handler reads the first page itself (its errors are problem+json, its audit event
commits with the request: Litestar's SQLAlchemy plugin commits and closes the request's
session as the response starts) and passes it here with the session factory; the rest of the
pages are read inside the stream on a session of its own, so one page of rows is in memory
at a time. The list's own keyset cursor carries the stream from page to page: the export
holds no server-side cursor or transaction open across the network writes; a page is a short
statement in a transaction of its own.
A list longer than ``Settings.export_max_rows`` stops there, with a last line saying so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Litestar, Request
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record
from service.auth.principals import StaffPrincipal
from service.errors import RateLimited
from service.exports.columns import ExportList, Page, Row
from service.exports.writers import BOM, XLSX_MAX_ROWS, XlsxFile, csv_lines, csv_row, safe_text
from service.i18n import msg, negotiate, translate
from service.readonly import ReadSession
from service.settings import Settings

Sessions = Callable[[], AsyncSession]
BUSY_RETRY_SECONDS = 30


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


MEDIA_TYPES = {
    ExportFormat.csv: "text/csv",  # Litestar adds "; charset=utf-8" to a text type
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# An export route's ``opt``: the OpenAPI document gives its 200 these media types, a binary
# body each (``service.openapi.document``), not the JSON Litestar assumes for a Stream.
EXPORT_OPT = {"downloads": ("text/csv", MEDIA_TYPES[ExportFormat.xlsx])}
# The query parameter ``?format=csv|xlsx`` of an export route.
ExportFormatParam = Annotated[ExportFormat, QueryParameter(name="format")]
# A file of a staff list is never cached: an API export route says so with
# ``cache_control=NO_STORE`` (the console's router already does for its pages and files).
NO_STORE = CacheControlHeader(no_store=True)


class ExportSlots:
    """The exports streaming in this process: each holds a database connection and a worker
    thread's time for minutes at a million rows, so a process runs at most
    ``Settings.export_concurrency`` at once and refuses the next with 429 (a soft limit:
    counted when a stream starts, checked when one is asked for)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running = 0

    def check(self) -> None:
        if self.running >= self.limit:
            raise RateLimited(
                msg("export_busy", limit=self.limit), retry_after_seconds=BUSY_RETRY_SECONDS
            )

    async def around(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        self.running += 1
        try:
            async for chunk in chunks:
                yield chunk
        finally:
            self.running -= 1


def export_slots(app: Litestar, settings: Settings) -> ExportSlots:
    slots = getattr(app.state, "export_slots", None)
    if not isinstance(slots, ExportSlots):
        slots = ExportSlots(settings.export_concurrency)
        app.state.export_slots = slots
    return slots


async def _rows(
    export: ExportList, first: Page, sessions: Sessions, limit: int
) -> AsyncIterator[tuple[list[Row], bool]]:
    """The list's pages, the first one given; (rows, cut) where ``cut`` says the list went
    on past ``limit`` rows (then it is the last)."""
    rows, cursor = first
    sent = 0

    def bounded(page: list[Row]) -> tuple[list[Row], bool]:
        room = limit - sent
        return page[:room], len(page) > room or (len(page) == room and cursor is not None)

    page, cut = bounded(rows)
    yield page, cut
    sent += len(page)
    if cut or cursor is None:
        return
    async with sessions() as session:
        while cursor is not None:
            rows, cursor = await export.fetch(session, cursor)
            # Each page its own short read transaction: a million-row export holds no
            # snapshot open for minutes (vacuum), and the cursor carries on where it ended.
            await session.rollback()
            page, cut = bounded(rows)
            yield page, cut
            sent += len(page)
            if cut:
                return


def _note(locale: str, limit: int) -> str:
    count = f"{limit:,}"
    # Vietnamese groups thousands with dots (1.000.000), English with commas.
    return translate(
        "export.truncated", locale, count=count.replace(",", ".") if locale == "vi" else count
    )


async def _csv(
    export: ExportList, first: Page, sessions: Sessions, settings: Settings, locale: str
) -> AsyncIterator[bytes]:
    zone = ZoneInfo(settings.timezone)
    yield BOM + csv_lines([export.headers(locale)])
    async for page, cut in _rows(export, first, sessions, settings.export_max_rows):
        yield csv_lines([csv_row(row, export.columns, zone) for row in page])
        if cut:
            note = [safe_text(_note(locale, settings.export_max_rows))]
            yield csv_lines([note + [""] * (len(export.columns) - 1)])


async def _xlsx(
    export: ExportList, first: Page, sessions: Sessions, settings: Settings, locale: str
) -> AsyncIterator[bytes]:
    limit = min(settings.export_max_rows, XLSX_MAX_ROWS - 1)  # a note may follow the rows
    book = await asyncio.to_thread(
        XlsxFile, translate(export.title, locale), export.columns, ZoneInfo(settings.timezone)
    )
    try:
        await asyncio.to_thread(book.write_header, export.headers(locale))
        async for page, cut in _rows(export, first, sessions, limit):
            # Off the event loop: writing a page is a few milliseconds of CPU and disk.
            await asyncio.to_thread(book.write_rows, page)
            if cut:
                await asyncio.to_thread(book.write_note, _note(locale, limit))
        await asyncio.to_thread(book.close)
        chunks = book.chunks()
        while chunk := await asyncio.to_thread(next, chunks, b""):
            yield chunk
    finally:
        await asyncio.to_thread(book.remove)


def export_response(
    export: ExportList,
    *,
    fmt: ExportFormat,
    first: Page,
    sessions: Sessions,
    settings: Settings,
    locale: str,
    slots: ExportSlots | None = None,
) -> Stream:
    """The file, streamed, named ``<list>-<local date and time>.<format>``."""
    produce = _csv if fmt is ExportFormat.csv else _xlsx
    chunks = produce(export, first, sessions, settings, locale)
    stamp = datetime.now(ZoneInfo(settings.timezone)).strftime("%Y%m%d-%H%M")
    filename = f"{export.name}-{stamp}.{fmt.value}"
    return Stream(
        slots.around(chunks) if slots is not None else chunks,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Language": locale,
            "X-Content-Type-Options": "nosniff",
        },
    )


async def start_export(
    export: ExportList,
    *,
    request: Request[StaffPrincipal, Any, Any],
    fmt: ExportFormat,
    filters: Any,
    read_session: AsyncSession,
    db_session: AsyncSession,
    settings: Settings,
    locale: str,
) -> Stream:
    """Check the process has room for one more export (429 otherwise), read the first page
    (a refusal is still a problem answer), audit who exported which list with which filters
    (in the request's transaction: committed as the file starts), and answer with the stream
    of the whole list, read on the app's session factory. ``filters`` is the list's filter as
    the handler built it (a dataclass or a mapping: JSON-able)."""
    slots = export_slots(request.app, settings)
    slots.check()
    first = await export.fetch(read_session, None)
    await record(
        db_session,
        actor=request.user,
        action="list.exported",
        entity_type="export",
        entity_id=export.name,
        after={"list": export.name, "format": fmt.value, "filters": filters},
    )
    await db_session.flush()
    return export_response(
        export,
        fmt=fmt,
        first=first,
        sessions=request.app.state.sessions,
        settings=settings,
        locale=locale,
        slots=slots,
    )


@dataclass(frozen=True)
class ListExport:
    """What every export route takes besides its list: the request, its sessions and
    settings, the ``?format=`` asked for and the reader's language (Accept-Language). The
    app provides it as ``list_export: NamedDependency[ListExport]``; the route builds its list
    (``ExportList``) in ``locale`` and hands it to :meth:`start`."""

    request: Request[StaffPrincipal, Any, Any]
    read_session: AsyncSession
    db_session: AsyncSession
    settings: Settings
    fmt: ExportFormat
    locale: str

    async def start(self, export: ExportList, filters: Any, *, primary: bool = False) -> Stream:
        """:func:`start_export` of ``export`` with the list's ``filters``, read on the read
        session (``primary``: on the request's own session, as the list's screen reads it)."""
        return await start_export(
            export,
            request=self.request,
            fmt=self.fmt,
            filters=filters,
            read_session=self.db_session if primary else self.read_session,
            db_session=self.db_session,
            settings=self.settings,
            locale=self.locale,
        )


LIST_EXPORT = "list_export"


async def provide_list_export(
    request: Request[StaffPrincipal, Any, Any],
    read_session: ReadSession,
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    file_format: ExportFormatParam = ExportFormat.csv,
) -> ListExport:
    """The app's ``list_export`` dependency (its ``format`` query parameter included)."""
    locale = negotiate(request.headers.get("accept-language"))
    return ListExport(request, read_session, db_session, settings, file_format, locale)
