"""The admin lists of staff accounts and API clients as files (CSV, XLSX): the rows
``GET /api/v1/admin/users`` and ``/admin/api-clients`` list (one page: a city has hundreds of
accounts, not millions), the same columns, never a password hash, a key or a secret."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import service
from service.auth.schemas import ApiClientRead, UserRead
from service.exports import Cell, Column, ColumnKind, DirectoryNames, ExportList, Page
from service.i18n import label, translate

USER_COLUMNS = (
    Column("export.col.username", width=24),
    Column("export.col.full_name", width=28),
    Column("export.col.email", width=30),
    Column("export.col.role", width=22),
    Column("export.col.unit", width=22),
    Column("export.col.agency", width=30),
    Column("export.col.active", width=10),
    Column("export.col.created", ColumnKind.date),
)
CLIENT_COLUMNS = (
    Column("export.col.client_name", width=30),
    Column("export.col.key_prefix", width=14),
    Column("export.col.scopes", width=30),
    Column("export.col.rate_limit", ColumnKind.number, width=12),
    Column("export.col.webhook_url", width=40),
    Column("export.col.active", width=10),
    Column("export.col.created", ColumnKind.date),
)


def _yes_no(value: bool, locale: str) -> str:
    return translate("export.yes" if value else "export.no", locale)


def user_cells(row: UserRead, names: DirectoryNames, locale: str) -> Sequence[Cell]:
    return (
        row.username,
        row.full_name,
        row.email,
        label(row.role, locale),
        names.unit(row.unit_code),
        names.agency(row.agency_id),
        _yes_no(row.active, locale),
        row.created_at,
    )


def client_cells(row: ApiClientRead, locale: str) -> Sequence[Cell]:
    return (
        row.name,
        row.key_prefix,
        " ".join(row.scopes),
        row.rate_limit_per_minute,
        row.webhook_url,
        _yes_no(row.active, locale),
        row.created_at,
    )


def users_export(locale: str) -> ExportList:
    async def fetch(session: AsyncSession, _cursor: str | None) -> Page:
        names = await DirectoryNames.load(session)
        users = [UserRead.model_validate(u) for u in await service.list_users(session)]
        return [user_cells(row, names, locale) for row in users], None

    return ExportList(name="can-bo", title="export.users.title", columns=USER_COLUMNS, fetch=fetch)


def clients_export(locale: str) -> ExportList:
    async def fetch(session: AsyncSession, _cursor: str | None) -> Page:
        clients = [ApiClientRead.model_validate(c) for c in await service.list_api_clients(session)]
        return [client_cells(row, locale) for row in clients], None

    return ExportList(
        name="ung-dung", title="export.clients.title", columns=CLIENT_COLUMNS, fetch=fetch
    )
