"""Staff queries of petitions: the scoped list with filters, diacritic-insensitive search and keyset
pagination; dashboard counts.

Indexes behind them (migration 0110): ``(created_at, id)`` and ``(unit_code, created_at,
id)`` for the newest-first lists, ``(status, created_at, id)``, partial indexes on open
petitions by ``coalesce(due_at, 'infinity'), id`` (whole city and per unit) for the
due-date sort. Every query runs inside the caller's scope: a ward officer's filter on unit is
implied.

The search (``q``) reads the stored document of migration 0200: ``search_vector`` (the
folded title, weight A, and description, weight B, as ``simple`` tokens; GIN index), so no
row is folded at query time. The query is folded the same way (``search_fold``: NFC,
unaccent, đ → d, lower) once, in the statement. Every word must be present (any order, whole
syllables: ``an`` does not find ``anh``), or the query is a tracking code. Sorted by
relevance (``sort=relevance``) the tiers are: the tracking code, the words as a phrase in the
title, as a phrase anywhere, all words in the title, all words anywhere; newest first
within a tier.

Two guards keep the search's plans fast at a million rows: statements run with
``plan_cache_mode = force_custom_plan`` (asyncpg prepares them; a generic plan after five runs
cannot see the tsquery and reads the whole table), and a page is first looked for among the
``SEARCH_WINDOW`` rows next in the list's order (one index walk: a frequent word is found
there), then by the GIN index over all matches (a rare word).
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
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
    Channel,
    Petition,
    PetitionKind,
    PetitionStatus,
)

MAX_PAGE = 100
INFINITY: sa.ColumnElement[datetime] = sa.literal_column("'infinity'::timestamptz")
MAX_SEARCH_WORDS = 8
# Rows walked in the list's order before the GIN index is asked instead (see the docstring).
SEARCH_WINDOW = 4000


class SortOrder(StrEnum):
    newest = "-created_at"
    oldest = "created_at"
    due = "due_at"
    relevance = "relevance"  # with q: tracking code, phrase, title, then the rest; newest first


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
    return [word for word in text.split() if word][:MAX_SEARCH_WORDS]


def _search_query(q: str) -> str:
    return " ".join(search_terms(q))


def _tsquery(q: str, *, phrase: bool = False) -> sa.ColumnElement[Any]:
    """The words of ``q`` folded as the stored document is (``search_fold``, once per
    statement), every word required (``phrase``: adjacent and in order)."""
    build = sa.func.phraseto_tsquery if phrase else sa.func.plainto_tsquery
    folded = sa.func.search_fold(sa.literal(_search_query(q), sa.Text()))
    return build(sa.literal_column("'simple'::regconfig"), folded)


def _matches(query: sa.ColumnElement[Any], *, title_only: bool = False) -> sa.ColumnElement[bool]:
    vector: Any = col(Petition.search_vector)
    if title_only:
        vector = sa.func.ts_filter(vector, sa.literal_column("'{a}'::\"char\"[]"))
    matched: sa.ColumnElement[bool] = vector.bool_op("@@")(query)
    return matched


def _code(q: str) -> str:
    return q.strip().upper()


def text_clause(q: str) -> sa.ColumnElement[bool]:
    """Every word of ``q`` in the title or description, or ``q`` is the tracking code."""
    return sa.or_(_matches(_tsquery(q)), col(Petition.tracking_code) == _code(q))


RELEVANCE_TIERS = 5


def relevance_tier(q: str) -> sa.ColumnElement[int]:
    """0 the tracking code, 1 the phrase in the title, 2 the phrase anywhere, 3 every word in
    the title, 4 every word anywhere (for a row that ``text_clause`` matched)."""
    every, phrase = _tsquery(q), _tsquery(q, phrase=True)
    return sa.case(
        (col(Petition.tracking_code) == _code(q), 0),
        (_matches(phrase, title_only=True), 1),
        (_matches(phrase), 2),
        (_matches(every, title_only=True), 3),
        else_=4,
    )


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
        clauses.append(text_clause(filters.q))
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


def _relevance_list(q: str) -> str:
    # A relevance cursor belongs to its query: the tiers are the query's.
    digest = hashlib.sha256(_search_query(q).casefold().encode()).hexdigest()[:12]
    return f"petitions:{SortOrder.relevance.value}:{digest}"


def encode_relevance_cursor(q: str, tier: int, petition: Petition) -> str:
    return cursor_codec.encode(_relevance_list(q), tier, petition.created_at, petition.id)


def decode_relevance_cursor(q: str, cursor: str) -> tuple[int, datetime, uuid.UUID]:
    tier, created_at, ident = cursor_codec.decode(
        _relevance_list(q), cursor, (int, datetime, uuid.UUID)
    )
    if created_at is None or ident is None or not 0 <= tier < RELEVANCE_TIERS:
        raise Invalid(msg("cursor_invalid"), field="cursor")
    return tier, created_at, ident


def _newest_after(created_at: datetime, ident: uuid.UUID) -> sa.ColumnElement[bool]:
    left = sa.tuple_(col(Petition.created_at), col(Petition.id))
    right = sa.tuple_(
        sa.literal(created_at, sa.DateTime(timezone=True)), sa.literal(ident, sa.Uuid())
    )
    return left < right


async def custom_plans(session: AsyncSession) -> None:
    """Plan this transaction's statements for their parameters: asyncpg prepares statements,
    and after five runs PostgreSQL may keep a generic plan, which cannot see what a tsquery
    or a unit selects (the search then read the whole table: 10 s at 1M)."""
    await session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _visible_text(viewer: StaffPrincipal, q: str) -> list[sa.ColumnElement[bool]]:
    if viewer.role is Role.front_officer:
        return []
    # Searching a denunciation's words is asking who wrote it (a name, an address...):
    # only those who may reveal the denouncer search them; others find it by its code.
    return [
        sa.or_(
            col(Petition.kind) != PetitionKind.denunciation.value,
            col(Petition.tracking_code) == _code(q),
        )
    ]


async def _search_page(
    session: AsyncSession,
    listed: list[sa.ColumnElement[bool]],
    matched: list[sa.ColumnElement[bool]],
    order: list[Any],
    count: int,
) -> list[Petition]:
    """The first ``count`` rows of the list (``listed``, in ``order``) that ``matched``
    holds for: among the next ``SEARCH_WINDOW`` rows of the list if there are enough (one
    index walk in the list's order), else through the GIN index (a rare word)."""
    window = (
        sa.select(col(Petition.id)).where(*listed).order_by(*order).limit(SEARCH_WINDOW)
    ).scalar_subquery()
    first = select(Petition).where(col(Petition.id).in_(window), *listed, *matched)
    rows = list((await session.execute(first.order_by(*order).limit(count))).scalars())
    if len(rows) >= count:
        return rows
    every = select(Petition).where(*listed, *matched).order_by(*order).limit(count)
    return list((await session.execute(every)).scalars())


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
    q = filters.q if filters.q and filters.q.strip() else None
    if q is None:
        sort = SortOrder.newest if sort is SortOrder.relevance else sort
        order, after = _order_and_after(sort, cursor)
        query = select(Petition).where(scope_clause(viewer), *filter_clauses(filters))
        if after is not None:
            query = query.where(after)
        rows = list((await session.execute(query.order_by(*order).limit(limit + 1))).scalars())
        next_cursor = encode_cursor(sort, rows[limit - 1]) if len(rows) > limit else None
        return rows[:limit], next_cursor
    await custom_plans(session)
    listed = [scope_clause(viewer), *filter_clauses(replace(filters, q=None))]
    matched = [text_clause(q), *_visible_text(viewer, q)]
    if sort is SortOrder.relevance:
        return await _by_relevance(session, q, listed, matched, limit, cursor)
    order, after = _order_and_after(sort, cursor)
    rows = await _search_page(
        session, [*listed, *([after] if after is not None else [])], matched, order, limit + 1
    )
    next_cursor = encode_cursor(sort, rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def _by_relevance(
    session: AsyncSession,
    q: str,
    listed: list[sa.ColumnElement[bool]],
    matched: list[sa.ColumnElement[bool]],
    limit: int,
    cursor: str | None,
) -> tuple[list[Petition], str | None]:
    """Tier by tier (``relevance_tier``), newest first within each, until the page is full."""
    start, after = 0, None
    if cursor is not None:
        start, created_at, ident = decode_relevance_cursor(q, cursor)
        after = _newest_after(created_at, ident)
    order = [col(Petition.created_at).desc(), col(Petition.id).desc()]
    tier_of = relevance_tier(q)
    found: list[tuple[int, Petition]] = []
    for tier in range(start, RELEVANCE_TIERS):
        resume = [after] if after is not None and tier == start else []
        rows = await _search_page(
            session,
            [*listed, *resume],
            [*matched, tier_of == tier],
            order,
            limit + 1 - len(found),
        )
        found += [(tier, row) for row in rows]
        if len(found) > limit:
            break
    next_cursor = None
    if len(found) > limit:
        tier, last = found[limit - 1]
        next_cursor = encode_relevance_cursor(q, tier, last)
    return [row for _, row in found[:limit]], next_cursor


# -- dashboard ------------------------------------------------------------------------------


@dataclass
class DashboardCounts:
    total: int = 0
    by_status: dict[str | None, int] = field(default_factory=dict)
    by_kind: dict[str | None, int] = field(default_factory=dict)
    by_category: dict[str | None, int] = field(default_factory=dict)
    by_unit: dict[str | None, int] = field(default_factory=dict)
    by_agency: dict[str | None, int] = field(default_factory=dict)
    overdue_now: int = 0
    due_soon_now: int = 0
    routed: int = 0
    routed_on_time: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return round(self.routed_on_time / self.routed, 4) if self.routed else None


_DIMENSIONS = {
    "status": col(Petition.status),
    "kind": col(Petition.kind),
    "category": col(Petition.category_code),
    "unit": col(Petition.unit_code),
    "agency": sa.cast(col(Petition.agency_id), sa.String),
}


async def dashboard(
    session: AsyncSession, viewer: StaffPrincipal, filters: PetitionFilter
) -> DashboardCounts:
    """One GROUPING SETS query for the counts, one for the deadline figures."""
    where = [scope_clause(viewer), *filter_clauses(filters)]
    columns = list(_DIMENSIONS.values())
    grouping = [sa.func.grouping(c).label(f"g_{name}") for name, c in _DIMENSIONS.items()]
    labelled: list[Any] = [c.label(name) for name, c in _DIMENSIONS.items()]
    query = (
        sa.select(*labelled, *grouping, sa.func.count().label("n"))
        .select_from(Petition)
        .where(*where)
        .group_by(sa.func.grouping_sets(*[sa.tuple_(c) for c in columns], sa.tuple_()))
    )
    counts = DashboardCounts()
    for row in (await session.execute(query)).mappings():
        grouped = [name for name in _DIMENSIONS if row[f"g_{name}"] == 0]
        if not grouped:
            counts.total = row["n"]
            continue
        name = grouped[0]
        getattr(counts, f"by_{name}")[row[name]] = row["n"]
    stopped = col(Petition.clock_stopped_at)
    # The Front's own decisions (routed or rejected), not withdrawals or merges.
    decided = sa.and_(
        stopped.is_not(None),
        col(Petition.due_at).is_not(None),
        col(Petition.status).not_in([PetitionStatus.withdrawn.value, PetitionStatus.merged.value]),
    )
    figures = (
        await session.execute(
            sa.select(
                sa.func.count()
                .filter(col(Petition.deadline_status) == DeadlineStatus.overdue.value)
                .label("overdue"),
                sa.func.count()
                .filter(col(Petition.deadline_status) == DeadlineStatus.due_soon.value)
                .label("due_soon"),
                sa.func.count().filter(decided).label("routed"),
                sa.func.count().filter(decided, stopped <= col(Petition.due_at)).label("on_time"),
            )
            .select_from(Petition)
            .where(*where)
        )
    ).one()
    counts.overdue_now = figures.overdue
    counts.due_soon_now = figures.due_soon
    counts.routed = figures.routed
    counts.routed_on_time = figures.on_time
    return counts
