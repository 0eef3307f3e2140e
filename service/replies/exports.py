"""The referral lists as files (CSV, XLSX): the agency's inbox and the Front's list of its
unit's referrals, each the rows its API list and its console page give for the same
filters (``repository.list_referrals`` by due date, larger keyset pages), shaped as a list row
(``views.referral_read``: a referral row carries no item text and no identity, so neither
does the file)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.exports import Cell, Column, ColumnKind, DirectoryNames, ExportList, Page
from service.i18n import label, translate
from service.replies import repository, views
from service.replies.repository import ReferralFilter
from service.replies.schemas import ReferralRead
from service.settings import Settings

COLUMNS = (
    Column("export.col.referral_title", width=48),
    Column("export.col.item_kind", width=18),
    Column("export.col.agency", width=30),
    Column("export.col.unit", width=22),
    Column("export.col.referral_state", width=18),
    Column("export.col.agency_reference", width=18),
    Column("export.col.sent", ColumnKind.date),
    Column("export.col.acknowledged", ColumnKind.date),
    Column("export.col.due", ColumnKind.datetime),
    Column("export.col.deadline_status"),
    Column("export.col.answered", ColumnKind.date),
    Column("export.col.extensions", ColumnKind.number),
)


def cells(row: ReferralRead, names: DirectoryNames, locale: str) -> Sequence[Cell]:
    return (
        row.title,
        # The console's words for the item's kind (a supervision's recommendation included).
        translate(f"web.referrals.kind.{row.item_kind.value}", locale),
        names.agency(row.agency_id),
        names.unit(row.unit_code),
        label(row.state, locale),
        row.agency_reference,
        row.created_at,
        row.acknowledged_at,
        row.due_at,
        label(row.deadline_status, locale),
        row.answered_at,
        row.extensions_granted,
    )


def referral_export(
    settings: Settings,
    viewer: StaffPrincipal,
    filters: ReferralFilter,
    locale: str,
    *,
    name: str,
) -> ExportList:
    """``name``: the file's (the agency's inbox or the Front's list)."""
    names = DirectoryNames.lazy()
    # One moment for the whole file: "overdue" means the same on its first and last page.
    now = utcnow()

    async def fetch(session: AsyncSession, cursor: str | None) -> Page:
        directory = await names.get(session)
        size = settings.export_page_rows
        rows, next_cursor = await repository.list_referrals(
            session, filters, now=now, cursor=cursor, limit=size, max_page=size
        )
        shaped = [views.referral_read(row, viewer) for row in rows]
        return [cells(row, directory, locale) for row in shaped], next_cursor

    return ExportList(name=name, title="export.referrals.title", columns=COLUMNS, fetch=fetch)
