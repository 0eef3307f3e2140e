"""The admin lists of staff accounts and API clients as files (CSV, XLSX): the rows
``GET /api/v1/admin/users`` and ``/admin/api-clients`` list (one page: a city has hundreds of
accounts, not millions), the same columns, never a password hash, a key or a secret."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import service
from service.auth.schemas import ApiClientRead, UserRead
from service.exports import ColumnKind, DirectoryNames, ExportList, Page
from service.exports.columns import Field, cells_of, columns_of
from service.i18n import label, translate


def _yes_no(value: bool, locale: str) -> str:
    return translate("export.yes" if value else "export.no", locale)


USER_FIELDS: tuple[Field[UserRead], ...] = (
    Field("export.col.username", lambda row, names, locale: row.username, width=24),
    Field("export.col.full_name", lambda row, names, locale: row.full_name, width=28),
    Field("export.col.email", lambda row, names, locale: row.email, width=30),
    Field("export.col.role", lambda row, names, locale: label(row.role, locale), width=22),
    Field("export.col.unit", lambda row, names, locale: names.unit(row.unit_code), width=22),
    Field("export.col.agency", lambda row, names, locale: names.agency(row.agency_id), width=30),
    Field("export.col.active", lambda row, names, locale: _yes_no(row.active, locale), width=10),
    Field("export.col.created", lambda row, names, locale: row.created_at, ColumnKind.date),
)
CLIENT_FIELDS: tuple[Field[ApiClientRead], ...] = (
    Field("export.col.client_name", lambda row, names, locale: row.name, width=30),
    Field("export.col.key_prefix", lambda row, names, locale: row.key_prefix, width=14),
    Field("export.col.scopes", lambda row, names, locale: " ".join(row.scopes), width=30),
    Field(
        "export.col.rate_limit",
        lambda row, names, locale: row.rate_limit_per_minute,
        ColumnKind.number,
        12,
    ),
    Field("export.col.webhook_url", lambda row, names, locale: row.webhook_url, width=40),
    Field("export.col.active", lambda row, names, locale: _yes_no(row.active, locale), width=10),
    Field("export.col.created", lambda row, names, locale: row.created_at, ColumnKind.date),
)


def users_export(locale: str) -> ExportList:
    async def fetch(session: AsyncSession, _cursor: str | None) -> Page:
        names = await DirectoryNames.load(session)
        users = [UserRead.model_validate(u) for u in await service.list_users(session)]
        return [cells_of(USER_FIELDS, row, names, locale) for row in users], None

    columns = columns_of(USER_FIELDS)
    return ExportList(name="can-bo", title="export.users.title", columns=columns, fetch=fetch)


def clients_export(locale: str) -> ExportList:
    async def fetch(session: AsyncSession, _cursor: str | None) -> Page:
        clients = [ApiClientRead.model_validate(c) for c in await service.list_api_clients(session)]
        none = DirectoryNames.none()  # the clients list shows no names beside codes
        return [cells_of(CLIENT_FIELDS, row, none, locale) for row in clients], None

    return ExportList(
        name="ung-dung",
        title="export.clients.title",
        columns=columns_of(CLIENT_FIELDS),
        fetch=fetch,
    )
