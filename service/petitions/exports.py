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
from service.exports import Cell, ColumnKind, DirectoryNames, ExportList, Page
from service.exports.columns import Field, cells_of, columns_of
from service.i18n import label
from service.petitions.repository import MAX_PAGE, PetitionFilter, SortOrder, listing
from service.petitions.schemas import PetitionSummary
from service.petitions.views import summaries
from service.settings import Settings

FIELDS: tuple[Field[PetitionSummary], ...] = (
    Field("export.col.tracking_code", lambda row, names, locale: row.tracking_code, width=14),
    Field("export.col.title", lambda row, names, locale: row.title, width=48),
    Field("export.col.kind", lambda row, names, locale: label(row.kind, locale), width=14),
    Field(
        "export.col.category",
        lambda row, names, locale: names.category(row.category_code, locale),
        width=24,
    ),
    Field("export.col.unit", lambda row, names, locale: names.unit(row.unit_code), width=22),
    Field("export.col.status", lambda row, names, locale: label(row.status, locale), width=18),
    Field("export.col.channel", lambda row, names, locale: label(row.channel, locale)),
    Field("export.col.urgency", lambda row, names, locale: label(row.urgency, locale), width=12),
    Field("export.col.agency", lambda row, names, locale: names.agency(row.agency_id), width=30),
    Field("export.col.received", lambda row, names, locale: row.created_at, ColumnKind.date),
    Field("export.col.due", lambda row, names, locale: row.due_at, ColumnKind.datetime),
    Field(
        "export.col.deadline_status",
        lambda row, names, locale: label(row.deadline_status, locale),
    ),
    Field(
        "export.col.raised_by", lambda row, names, locale: row.raised_by_count, ColumnKind.number
    ),
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
            out += [cells_of(FIELDS, row, directory, locale) for row in shaped]
        return out, next_cursor

    return ExportList(
        name="don-thu", title="export.petitions.title", columns=columns_of(FIELDS), fetch=fetch
    )
