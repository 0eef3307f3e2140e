"""The staff list of petitions as a file (CSV, XLSX): the rows ``GET /api/v1/petitions``
and the console's queue list, for the same filters, search and order, in the same area
scope, with the same redaction (``views.summaries``: a denunciation's title without its
denouncer's identity; the list carries no personal data, so neither does the file).

It reads the list's own keyset pages (``listing.list_petitions``, larger pages than a
screen's), so the file and the screen cannot disagree on a rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.directory import service as directory
from service.directory.reference_data import HANOI
from service.exports import Cell, Column, ColumnKind, ExportList, Page
from service.i18n import label
from service.petitions.repository import PetitionFilter, SortOrder, listing
from service.petitions.schemas import PetitionSummary
from service.petitions.views import summaries
from service.settings import Settings

# Hanoi's 126 wards and communes and its agencies fit in one read each.
_DIRECTORY_LIMIT = 2000

COLUMNS = (
    Column("export.col.tracking_code", width=14),
    Column("export.col.title", width=48),
    Column("export.col.kind", width=14),
    Column("export.col.category", width=24),
    Column("export.col.unit", width=22),
    Column("export.col.status", width=18),
    Column("export.col.channel", width=16),
    Column("export.col.urgency", width=12),
    Column("export.col.agency", width=30),
    Column("export.col.received", ColumnKind.date, width=12),
    Column("export.col.due", ColumnKind.datetime, width=17),
    Column("export.col.deadline_status", width=16),
    Column("export.col.raised_by", ColumnKind.number, width=10),
)


@dataclass
class DirectoryNames:
    """The names shown beside codes, read once per export (not once per page)."""

    categories: dict[str, tuple[str, str]]  # code -> (Vietnamese, English)
    units: dict[str, str]
    agencies: dict[uuid.UUID, str]

    @classmethod
    async def load(cls, session: AsyncSession) -> DirectoryNames:
        categories = {
            c.code: (c.name_vi, c.name_en) for c in await directory.list_categories(session)
        }
        units = await directory.list_units(session, province=HANOI, limit=_DIRECTORY_LIMIT)
        agencies = await directory.list_agencies(session, limit=_DIRECTORY_LIMIT)
        return cls(
            categories=categories,
            units={unit.code: unit.name for unit in units},
            agencies={agency.id: agency.name for agency in agencies},
        )

    def category(self, code: str, locale: str) -> str:
        names = self.categories.get(code)
        if names is None:
            return code
        return names[1] if locale == "en" else names[0]

    def unit(self, code: str | None) -> str:
        return self.units.get(code or "", code or "")

    def agency(self, agency_id: uuid.UUID | None) -> str:
        return self.agencies.get(agency_id, "") if agency_id else ""


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
    names: list[DirectoryNames] = []  # loaded by the first page, in its session

    async def fetch(session: AsyncSession, cursor: str | None) -> Page:
        if not names:
            names.append(await DirectoryNames.load(session))
        size = settings.export_page_rows
        rows, next_cursor = await listing.list_petitions(
            session, viewer, filters, sort=sort, limit=size, cursor=cursor, max_page=size
        )
        shaped = await summaries(session, settings, rows)
        return [cells(row, names[0], locale) for row in shaped], next_cursor

    return ExportList(name="don-thu", title="export.petitions.title", columns=COLUMNS, fetch=fetch)
