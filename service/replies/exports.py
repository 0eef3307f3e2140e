"""The referral lists as files (CSV, XLSX): the agency's inbox and the Front's list of its
unit's referrals, each the rows its API list and its console page give for the same
filters (``repository.list_referrals`` by due date, larger keyset pages), shaped as a list row
(``views.referral_read``: a referral row carries no item text and no identity, so neither
does the file)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.exports import ColumnKind, DirectoryNames, ExportList, Page
from service.exports.columns import Field, cells_of, columns_of
from service.i18n import label, translate
from service.replies import repository, views
from service.replies.repository import ReferralFilter
from service.replies.schemas import ReferralRead
from service.settings import Settings

FIELDS: tuple[Field[ReferralRead], ...] = (
    Field("export.col.referral_title", lambda row, names, locale: row.title, width=48),
    Field(
        "export.col.item_kind",
        # The console's words for the item's kind (a supervision's recommendation included).
        lambda row, names, locale: translate(f"web.referrals.kind.{row.item_kind.value}", locale),
        width=18,
    ),
    Field("export.col.agency", lambda row, names, locale: names.agency(row.agency_id), width=30),
    Field("export.col.unit", lambda row, names, locale: names.unit(row.unit_code), width=22),
    Field(
        "export.col.referral_state", lambda row, names, locale: label(row.state, locale), width=18
    ),
    Field("export.col.agency_reference", lambda row, names, locale: row.agency_reference, width=18),
    Field("export.col.sent", lambda row, names, locale: row.created_at, ColumnKind.date),
    Field(
        "export.col.acknowledged", lambda row, names, locale: row.acknowledged_at, ColumnKind.date
    ),
    Field("export.col.due", lambda row, names, locale: row.due_at, ColumnKind.datetime),
    Field(
        "export.col.deadline_status", lambda row, names, locale: label(row.deadline_status, locale)
    ),
    Field("export.col.answered", lambda row, names, locale: row.answered_at, ColumnKind.date),
    Field(
        "export.col.extensions",
        lambda row, names, locale: row.extensions_granted,
        ColumnKind.number,
    ),
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
        return [cells_of(FIELDS, row, directory, locale) for row in shaped], next_cursor

    columns = columns_of(FIELDS)
    return ExportList(name=name, title="export.referrals.title", columns=columns, fetch=fetch)
