"""Staff queries of petitions: the scoped list with filters, diacritic-insensitive search and keyset
pagination; dashboard counts.

Indexes behind them (migration 0110): ``(created_at, id)`` and ``(unit_code, created_at,
id)`` for the newest-first lists, ``(status, created_at, id)``, partial indexes on open
petitions by ``coalesce(due_at, 'infinity'), id`` (whole city and per unit) for the
due-date sort, and a GIN trigram index on the unaccented text for ``q``. Every query runs
inside the caller's scope: a ward officer's filter on unit is implied.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.deadlines.models import DeadlineStatus
from service.errors import Invalid
from service.http import cursor as cursor_codec
from service.i18n import msg
from service.petitions.models import (
    OPEN_STATUSES,
    SEARCH_EXPRESSION,
    Channel,
    Petition,
    PetitionKind,
    PetitionStatus,
)

MAX_PAGE = 100
INFINITY: sa.ColumnElement[datetime] = sa.literal_column("'infinity'::timestamptz")
_LIKE_SPECIALS = re.compile(r"([\\%_])")


class SortOrder(StrEnum):
    newest = "-created_at"
    oldest = "created_at"
    due = "due_at"


@dataclass
class PetitionFilter:
    status: list[PetitionStatus] = field(default_factory=list)
    kind: PetitionKind | None = None
    category: str | None = None
    unit_code: str | None = None
    agency_id: uuid.UUID | None = None
    channel: Channel | None = None
    overdue: bool | None = None
    open_only: bool = False
    due_before: datetime | None = None
    due_after: datetime | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None


def scope_clause(viewer: StaffPrincipal) -> sa.ColumnElement[bool]:
    """What ``viewer`` may list (the same rule as ``access.sees``)."""
    if viewer.role is Role.admin:
        return sa.true()
    if viewer.role is Role.agency_officer:
        if viewer.agency_id is None:
            return sa.false()
        return col(Petition.agency_id) == viewer.agency_id
    if viewer.unit_code is None:
        return sa.true()
    return col(Petition.unit_code) == viewer.unit_code


def search_terms(q: str) -> list[str]:
    text = unicodedata.normalize("NFC", q).strip()
    return [word for word in text.split() if word][:8]


def _like(term: str) -> str:
    return "%" + _LIKE_SPECIALS.sub(r"\\\1", term) + "%"


def filter_clauses(filters: PetitionFilter) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = []
    if filters.status:
        clauses.append(col(Petition.status).in_([s.value for s in filters.status]))
    elif filters.open_only or filters.overdue:
        clauses.append(col(Petition.status).in_([s.value for s in OPEN_STATUSES]))
    if filters.kind is not None:
        clauses.append(col(Petition.kind) == filters.kind.value)
    if filters.category is not None:
        clauses.append(col(Petition.category_code) == filters.category)
    if filters.unit_code is not None:
        clauses.append(col(Petition.unit_code) == filters.unit_code)
    if filters.agency_id is not None:
        clauses.append(col(Petition.agency_id) == filters.agency_id)
    if filters.channel is not None:
        clauses.append(col(Petition.channel) == filters.channel.value)
    if filters.overdue is True:
        clauses.append(col(Petition.deadline_status) == DeadlineStatus.overdue.value)
    elif filters.overdue is False:
        clauses.append(col(Petition.deadline_status) != DeadlineStatus.overdue.value)
    if filters.due_before is not None:
        clauses.append(col(Petition.due_at) < filters.due_before)
    if filters.due_after is not None:
        clauses.append(col(Petition.due_at) >= filters.due_after)
    if filters.created_from is not None:
        clauses.append(col(Petition.created_at) >= filters.created_from)
    if filters.created_to is not None:
        clauses.append(col(Petition.created_at) < filters.created_to)
    if filters.q:
        document: sa.ColumnElement[str] = sa.literal_column(SEARCH_EXPRESSION)
        terms = search_terms(filters.q)
        matches = [
            document.ilike(sa.func.immutable_unaccent(_like(term)), escape="\\") for term in terms
        ]
        text_match = sa.and_(*matches) if matches else sa.true()
        code = filters.q.strip().upper()
        clauses.append(sa.or_(text_match, col(Petition.tracking_code) == code))
    return clauses


# -- keyset pagination ----------------------------------------------------------------------


def _due_key() -> sa.ColumnElement[datetime]:
    return sa.func.coalesce(col(Petition.due_at), INFINITY)


def _cursor_list(sort: SortOrder) -> str:
    # The list and its order: a cursor of another sort is refused as such.
    return f"petitions:{sort.value}"


def encode_cursor(sort: SortOrder, petition: Petition) -> str:
    value = petition.due_at if sort is SortOrder.due else petition.created_at
    return cursor_codec.encode(_cursor_list(sort), value, petition.id)


def decode_cursor(cursor: str, sort: SortOrder) -> tuple[datetime | None, uuid.UUID]:
    value, ident = cursor_codec.decode(_cursor_list(sort), cursor, (datetime, uuid.UUID))
    # Only the due-date sort has rows without a value (no due date: last).
    if ident is None or (value is None and sort is not SortOrder.due):
        raise Invalid(msg("cursor_invalid"), field="cursor")
    return value, ident


def _order_and_after(
    sort: SortOrder, cursor: str | None
) -> tuple[list[Any], sa.ColumnElement[bool] | None]:
    if sort is SortOrder.due:
        key: Any = _due_key()
        order = [key.asc(), col(Petition.id).asc()]
    else:
        key = col(Petition.created_at)
        direction = "desc" if sort is SortOrder.newest else "asc"
        order = [getattr(key, direction)(), getattr(col(Petition.id), direction)()]
    if cursor is None:
        return order, None
    value, ident = decode_cursor(cursor, sort)
    bound: Any = INFINITY if value is None else sa.literal(value, sa.DateTime(timezone=True))
    left = sa.tuple_(key, col(Petition.id))
    right = sa.tuple_(bound, sa.literal(ident, sa.Uuid()))
    return order, (left < right if sort is SortOrder.newest else left > right)


async def list_petitions(
    session: AsyncSession,
    viewer: StaffPrincipal,
    filters: PetitionFilter,
    *,
    sort: SortOrder = SortOrder.newest,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Petition], str | None]:
    limit = max(1, min(limit, MAX_PAGE))
    order, after = _order_and_after(sort, cursor)
    query = select(Petition).where(scope_clause(viewer), *filter_clauses(filters))
    if filters.q and viewer.role is not Role.front_officer:
        # Searching a denunciation's words is asking who wrote it (a name, an address...):
        # only those who may reveal the denouncer search them; others find it by its code.
        query = query.where(
            sa.or_(
                col(Petition.kind) != PetitionKind.denunciation.value,
                col(Petition.tracking_code) == filters.q.strip().upper(),
            )
        )
    if after is not None:
        query = query.where(after)
    rows = list((await session.execute(query.order_by(*order).limit(limit + 1))).scalars())
    next_cursor = encode_cursor(sort, rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor
