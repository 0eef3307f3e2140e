"""The staff list of petitions as a file (CSV, XLSX): the rows ``GET /api/v1/petitions``
and the console's queue list, for the same filters, search and order, in the same area
scope, with the same redaction (``views.summaries``: a denunciation's title without its
denouncer's identity; the list carries no personal data, so neither does the file).

It reads the list's own keyset pages (``listing.list_petitions``, larger pages than a
screen's), so the file and the screen cannot disagree on a rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.exports import Cell, Column, ColumnKind, DirectoryNames, ExportList, Page
from service.i18n import label
from service.petitions.repository import MAX_PAGE, PetitionFilter, SortOrder, listing
from service.petitions.schemas import PetitionSummary
from service.petitions.views import summaries
from service.settings import Settings

COLUMNS = (
    Column("export.col.tracking_code", width=14),
    Column("export.col.title", width=48),
    Column("export.col.kind", width=14),
    Column("export.col.category", width=24),
    Column("export.col.unit", width=22),
    Column("export.col.status", width=18),
    Column("export.col.channel"),
    Column("export.col.urgency", width=12),
    Column("export.col.agency", width=30),
    Column("export.col.received", ColumnKind.date),
    Column("export.col.due", ColumnKind.datetime),
    Column("export.col.deadline_status"),
    Column("export.col.raised_by", ColumnKind.number),
)


def cells(row: PetitionSummary, names: DirectoryNames, locale: str) -> Sequence[Cell]:
    return (
        row.tracking_code,
        row.title,
        label(row.kind, locale),
        names.category(row.category_code, locale),
        names.unit(row.unit_code),
        label(row.status, locale),
        label(row.channel, locale),
        label(row.urgency, locale),
        names.agency(row.agency_id),
        row.created_at,
        row.due_at,
        label(row.deadline_status, locale),
        row.raised_by_count,
    )


def petition_export(
    settings: Settings,
    viewer: StaffPrincipal,
    filters: PetitionFilter,
    sort: SortOrder,
    locale: str,
) -> ExportList:
    names = DirectoryNames.lazy()

    async def fetch(session: AsyncSession, cursor: str | None) -> Page:
        directory = await names.get(session)
        size = settings.export_page_rows
        rows, next_cursor = await listing.list_petitions(
            session, viewer, filters, sort=sort, limit=size, cursor=cursor, max_page=size
        )
        out: list[Sequence[Cell]] = []
        # Redacted as the API's pages are (a denunciation's title without the identities of
        # the denouncers of its page of MAX_PAGE rows), not against a whole export page's.
        for start in range(0, len(rows), MAX_PAGE):
            shaped = await summaries(session, settings, rows[start : start + MAX_PAGE])
            out += [cells(row, directory, locale) for row in shaped]
        return out, next_cursor

    return ExportList(name="don-thu", title="export.petitions.title", columns=COLUMNS, fetch=fetch)
