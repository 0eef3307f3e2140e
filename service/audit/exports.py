"""The audit log's admin list as a file (CSV, XLSX): the events ``GET /api/v1/admin/audit``
lists for the same filters, newest first, without their snapshots (they are the list's
detail, masked JSON, and would make the sheet unreadable)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit import service
from service.audit.models import ActorType, AuditEvent
from service.exports import Cell, Column, ColumnKind, ExportList, Page
from service.i18n import label
from service.settings import Settings

COLUMNS = (
    Column("export.col.audit_id", ColumnKind.number),
    Column("export.col.occurred", ColumnKind.datetime),
    Column("export.col.actor_type", width=14),
    Column("export.col.actor_id", width=38),
    Column("export.col.action", width=32),
    Column("export.col.entity_type", width=18),
    Column("export.col.entity_id", width=38),
)


def cells(event: AuditEvent, locale: str) -> Sequence[Cell]:
    return (
        event.id,
        event.occurred_at,
        label(ActorType(event.actor_type), locale),  # a str on a row just added
        event.actor_id,
        event.action,
        event.entity_type,
        event.entity_id,
    )


def audit_export(settings: Settings, filters: service.AuditFilter, locale: str) -> ExportList:
    async def fetch(session: AsyncSession, cursor: str | None) -> Page:
        events, next_id = await service.list_events(
            session,
            filters,
            cursor=int(cursor) if cursor is not None else None,
            limit=settings.export_page_rows,
        )
        rows = [cells(event, locale) for event in events]
        return rows, str(next_id) if next_id is not None else None

    return ExportList(name="nhat-ky", title="export.audit.title", columns=COLUMNS, fetch=fetch)
