"""The audit log's admin list as a file (CSV, XLSX): the events ``GET /api/v1/admin/audit``
lists for the same filters, newest first, without their snapshots (they are the list's
detail, masked JSON, and would make the sheet unreadable)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit import service
from service.audit.models import ActorType, AuditEvent
from service.exports import ColumnKind, DirectoryNames, ExportList, Page
from service.exports.columns import Field, cells_of, columns_of
from service.i18n import label
from service.settings import Settings

FIELDS: tuple[Field[AuditEvent], ...] = (
    Field("export.col.audit_id", lambda row, names, locale: row.id, ColumnKind.number),
    Field("export.col.occurred", lambda row, names, locale: row.occurred_at, ColumnKind.datetime),
    Field(
        "export.col.actor_type",
        # ActorType(...): a str on a row just added.
        lambda row, names, locale: label(ActorType(row.actor_type), locale),
        width=14,
    ),
    Field("export.col.actor_id", lambda row, names, locale: row.actor_id, width=38),
    Field("export.col.action", lambda row, names, locale: row.action, width=32),
    Field("export.col.entity_type", lambda row, names, locale: row.entity_type, width=18),
    Field("export.col.entity_id", lambda row, names, locale: row.entity_id, width=38),
)
# The events show no names beside their codes.
NO_NAMES = DirectoryNames.none()


def audit_export(settings: Settings, filters: service.AuditFilter, locale: str) -> ExportList:
    async def fetch(session: AsyncSession, cursor: str | None) -> Page:
        events, next_id = await service.list_events(
            session,
            filters,
            cursor=int(cursor) if cursor is not None else None,
            limit=settings.export_page_rows,
        )
        rows = [cells_of(FIELDS, event, NO_NAMES, locale) for event in events]
        return rows, str(next_id) if next_id is not None else None

    columns = columns_of(FIELDS)
    return ExportList(name="nhat-ky", title="export.audit.title", columns=columns, fetch=fetch)
