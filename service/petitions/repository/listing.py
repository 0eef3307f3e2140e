"""Staff queries of petitions: the scoped list with filters, diacritic-insensitive search and keyset
pagination (the dashboard's counts are in ``dashboard``).

Indexes behind them (migration 0110): ``(created_at, id)`` and ``(unit_code, created_at,
id)`` for the newest-first lists, ``(status, created_at, id)``, partial indexes on open
petitions by ``coalesce(due_at, 'infinity'), id`` (whole city and per unit) for the
due-date sort. Every query runs inside the caller's scope: a ward officer's filter on unit is
implied.

The search (``q``) reads the stored document of migration 0200: ``search_vector`` (the
folded title, weight A, and description, weight B, as ``simple`` tokens; GIN index), so no
row is folded at query time. The query is folded the same way (``immutable_unaccent``:
unaccent, đ → d, lower) once, in the statement. Every word must be present (any order, whole
syllables: ``an`` does not find ``anh``), or the query is a tracking code.

``sort=relevance`` ranks the matches among the list's newest ``SEARCH_WINDOW`` petitions by
tier (the tracking code; the words as a phrase in the title; as a phrase anywhere; every
word in the title; every word anywhere), newest first within a tier, then the older matches
newest first: ranked where it is cheap to rank (one walk of a bounded pool), exact for what
a desk officer reads first.

Two guards keep the search's plans fast at a million rows: statements run with
``plan_cache_mode = force_custom_plan`` (asyncpg prepares them; a generic plan after five
runs cannot see the tsquery and read the whole table), and a page is first looked for by
walking the list's index over its next ``SEARCH_WINDOW`` rows (a frequent word fills the page
after a few hundred rows), and only then through the GIN index (a rare word: few matches).
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import custom_plans
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
    # One deadline state of the routing clock (the console's "due soon" tab and filter).
    deadline_status: DeadlineStatus | None = None
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
    """The words of ``q`` folded as the stored document is (``immutable_unaccent``, once per
    statement), every word required (``phrase``: adjacent and in order)."""
    build = sa.func.phraseto_tsquery if phrase else sa.func.plainto_tsquery
    folded = sa.func.immutable_unaccent(sa.literal(_search_query(q), sa.Text()))
    return build(sa.literal_column("'simple'::regconfig"), folded)


def _matches(
    query: sa.ColumnElement[Any], *, title_only: bool = False, indexed: bool = True
) -> sa.ColumnElement[bool]:
    """``search_vector @@ query``; not ``indexed``: written so that the GIN index cannot
    answer it and the planner guesses half the rows match (``coalesce``), for a statement
    whose rows a range of the list's order bounds: the planner underestimates how many rows
    several words match and would read every match through the index, where walking the
    list's index stops after a page."""
    vector: Any = col(Petition.search_vector)
    if title_only:
        vector = sa.func.ts_filter(vector, sa.literal_column("'{a}'::\"char\"[]"))
    matched: sa.ColumnElement[bool] = vector.bool_op("@@")(query)
    return matched if indexed else sa.func.coalesce(matched, sa.false())


def _code(q: str) -> str:
    return q.strip().upper()


def text_clause(q: str, *, indexed: bool = True) -> sa.ColumnElement[bool]:
    """Every word of ``q`` in the title or description, or ``q`` is the tracking code."""
    return sa.or_(_matches(_tsquery(q), indexed=indexed), col(Petition.tracking_code) == _code(q))


# Relevance tiers (``relevance_tier``): the best way a row matches the query.
RELEVANCE_TIERS = 5


def relevance_tier(q: str) -> sa.ColumnElement[int]:
    """0 the tracking code, 1 the words as a phrase in the title, 2 as a phrase anywhere,
    3 every word in the title, 4 every word anywhere (for a row ``text_clause`` matched)."""
    every, phrase = _tsquery(q), _tsquery(q, phrase=True)
    tier: sa.ColumnElement[int] = sa.case(
        (col(Petition.tracking_code) == _code(q), 0),
        (_matches(phrase, title_only=True), 1),
        (_matches(phrase), 2),
        (_matches(every, title_only=True), 3),
        else_=4,
    )
    return tier


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
    if filters.deadline_status is not None:
        clauses.append(col(Petition.deadline_status) == filters.deadline_status.value)
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


def _order(sort: SortOrder) -> tuple[Any, list[Any]]:
    if sort is SortOrder.due:
        key: Any = _due_key()
        return key, [key.asc(), col(Petition.id).asc()]
    key = col(Petition.created_at)
    direction = "desc" if sort is SortOrder.newest else "asc"
    return key, [getattr(key, direction)(), getattr(col(Petition.id), direction)()]


def _after(sort: SortOrder, value: datetime | None, ident: uuid.UUID) -> sa.ColumnElement[bool]:
    """The rows after the row with sort value ``value`` and ``ident`` in ``sort``'s order."""
    key, _ = _order(sort)
    bound: Any = INFINITY if value is None else sa.literal(value, sa.DateTime(timezone=True))
    left = sa.tuple_(key, col(Petition.id))
    right = sa.tuple_(bound, sa.literal(ident, sa.Uuid()))
    return left < right if sort is SortOrder.newest else left > right


def _order_and_after(
    sort: SortOrder, cursor: str | None
) -> tuple[list[Any], sa.ColumnElement[bool] | None]:
    _, order = _order(sort)
    if cursor is None:
        return order, None
    value, ident = decode_cursor(cursor, sort)
    return order, _after(sort, value, ident)


def _relevance_list(q: str) -> str:
    # A relevance cursor belongs to its query: the tiers are the query's.
    digest = hashlib.sha256(_search_query(q).casefold().encode()).hexdigest()[:12]
    return f"petitions:{SortOrder.relevance.value}:{digest}"


@dataclass(frozen=True)
class _RelevanceCursor:
    """Where a relevance page ends: the ranked pool (the list's newest ``SEARCH_WINDOW``
    rows when the first page was asked: ``pool_*``, None if the list was smaller), and the
    last row, in the pool (``tier`` set) or after it (``tier`` None, newest first)."""

    pool_created_at: datetime | None
    pool_id: uuid.UUID | None
    tier: int | None
    created_at: datetime
    id: uuid.UUID

    def encode(self, q: str) -> str:
        return cursor_codec.encode(
            _relevance_list(q),
            self.pool_created_at,
            self.pool_id,
            self.tier,
            self.created_at,
            self.id,
        )

    @classmethod
    def decode(cls, q: str, cursor: str) -> _RelevanceCursor:
        kinds = (datetime, uuid.UUID, int, datetime, uuid.UUID)
        pool_at, pool_id, tier, created_at, ident = cursor_codec.decode(
            _relevance_list(q), cursor, kinds
        )
        if (
            created_at is None
            or ident is None
            or (pool_at is None) != (pool_id is None)
            or (tier is not None and not 0 <= tier < RELEVANCE_TIERS)
            or (tier is None and pool_at is None)
        ):
            raise Invalid(msg("cursor_invalid"), field="cursor")
        return cls(pool_at, pool_id, tier, created_at, ident)


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


Matched = Callable[[bool], list[sa.ColumnElement[bool]]]  # indexed -> the match clauses


async def _search_page(
    session: AsyncSession,
    sort: SortOrder,
    listed: list[sa.ColumnElement[bool]],
    matched: Matched,
    count: int,
) -> list[Petition]:
    """The first ``count`` rows of the list (``listed``, in ``sort``'s order) that
    ``matched`` holds for. First among the next ``SEARCH_WINDOW`` rows of the list (its
    bound found by one index walk, then a range the planner sees and walks, the words
    checked on each row: a frequent word fills the page there), then after them through the
    GIN index (a rare word)."""
    _, order = _order(sort)
    bound = (
        await session.execute(
            sa.select(col(Petition.created_at), col(Petition.due_at), col(Petition.id))
            .where(*listed)
            .order_by(*order)
            .offset(SEARCH_WINDOW - 1)
            .limit(1)
        )
    ).first()
    if bound is None:  # the whole list is within the window
        query = select(Petition).where(*listed, *matched(False)).order_by(*order)
        return list((await session.execute(query.limit(count))).scalars())
    value = bound.due_at if sort is SortOrder.due else bound.created_at
    beyond = _after(sort, value, bound.id)
    window = select(Petition).where(*listed, ~beyond, *matched(False)).order_by(*order)
    rows = list((await session.execute(window.limit(count))).scalars())
    if len(rows) < count:
        rest = select(Petition).where(*listed, beyond, *matched(True)).order_by(*order)
        rows += list((await session.execute(rest.limit(count - len(rows)))).scalars())
    return rows


async def list_petitions(
    session: AsyncSession,
    viewer: StaffPrincipal,
    filters: PetitionFilter,
    *,
    sort: SortOrder = SortOrder.newest,
    limit: int = 50,
    cursor: str | None = None,
    max_page: int = MAX_PAGE,
) -> tuple[list[Petition], str | None]:
    """A page of the list; ``max_page``: an export reads it in larger pages than a screen."""
    limit = max(1, min(limit, max_page))
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
    if sort is SortOrder.relevance:
        return await _by_relevance(session, viewer, q, listed, limit, cursor)

    def matched(indexed: bool) -> list[sa.ColumnElement[bool]]:
        return [text_clause(q, indexed=indexed), *_visible_text(viewer, q)]

    _, after = _order_and_after(sort, cursor)
    rows = await _search_page(
        session, sort, [*listed, *([after] if after is not None else [])], matched, limit + 1
    )
    next_cursor = encode_cursor(sort, rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def _by_relevance(
    session: AsyncSession,
    viewer: StaffPrincipal,
    q: str,
    listed: list[sa.ColumnElement[bool]],
    limit: int,
    cursor: str | None,
) -> tuple[list[Petition], str | None]:
    """Relevance, bounded: the matches among the list's newest ``SEARCH_WINDOW`` petitions
    (the pool, fixed by the first page's cursor) by ``relevance_tier``, newest first within a
    tier; then the older matches, newest first. One walk of the pool, whatever the words."""
    count = limit + 1
    position = _RelevanceCursor.decode(q, cursor) if cursor is not None else None
    if position is None:
        _, order = _order(SortOrder.newest)
        bound = (
            await session.execute(
                sa.select(col(Petition.created_at), col(Petition.id))
                .where(*listed)
                .order_by(*order)
                .offset(SEARCH_WINDOW - 1)
                .limit(1)
            )
        ).first()
        pool_at, pool_id = (bound.created_at, bound.id) if bound is not None else (None, None)
    else:
        pool_at, pool_id = position.pool_created_at, position.pool_id
    older: sa.ColumnElement[bool] | None = None
    if pool_at is not None and pool_id is not None:
        older = _after(SortOrder.newest, pool_at, pool_id)

    def matched(indexed: bool) -> list[sa.ColumnElement[bool]]:
        return [text_clause(q, indexed=indexed), *_visible_text(viewer, q)]

    found: list[tuple[int | None, Petition]] = []
    if position is None or position.tier is not None:
        tier = relevance_tier(q)
        ranked = select(Petition, tier.label("tier")).where(*listed, *matched(False))
        if older is not None:
            ranked = ranked.where(~older)
        if position is not None and position.tier is not None:
            ranked = ranked.where(
                sa.or_(
                    tier > position.tier,
                    sa.and_(
                        tier == position.tier,
                        _after(SortOrder.newest, position.created_at, position.id),
                    ),
                )
            )
        rows = await session.execute(
            ranked.order_by(
                sa.asc("tier"), col(Petition.created_at).desc(), col(Petition.id).desc()
            ).limit(count)
        )
        found += [(row.tier, row[0]) for row in rows.all()]
    if len(found) < count and older is not None:
        rest = [older]
        if position is not None and position.tier is None:
            rest.append(_after(SortOrder.newest, position.created_at, position.id))
        tail = await _search_page(
            session, SortOrder.newest, [*listed, *rest], matched, count - len(found)
        )
        found += [(None, row) for row in tail]
    next_cursor = None
    if len(found) > limit:
        tier_of_last, last = found[limit - 1]
        next_cursor = _RelevanceCursor(
            pool_at, pool_id, tier_of_last, last.created_at, last.id
        ).encode(q)
    return [row for _, row in found[:limit]], next_cursor


# -- capped counts (the work queue's tabs) ---------------------------------------------------

# A count past this is shown as "more than" it: a tab says where the work is, not how many
# of a common word's 90,000 matches there are (counting them all took 1.3 s at 1M).
COUNT_CAP = 100
# Rows of a list read to count a search's matches in it before the GIN index is asked
# (a word in one petition in fifteen fills the cap there).
COUNT_WINDOW = 1500


async def capped_counts(
    session: AsyncSession,
    viewer: StaffPrincipal,
    lists: dict[str, PetitionFilter],
    *,
    cap: int = COUNT_CAP,
    window: int = COUNT_WINDOW,
) -> dict[str, int]:
    """How many petitions each of ``lists`` shows ``viewer`` (the rows ``list_petitions``
    pages through: the same scope, filters, search and denunciation rule), each counted up
    to ``cap + 1``: a value above ``cap`` means "more than ``cap``".

    Without a search, a LIMITed count of each list. With one, the words are first checked
    on at most ``window`` rows of each list (one statement for every list): a list that has
    no more rows, or more than ``cap`` matches among them, is counted; only the others ask
    the GIN index (a rarer word: few matches), each up to ``cap + 1``. Reading every match
    through the index costs its posting lists (90,000 rows for "ngập nước", 50-70 ms a
    list), where ``window`` rows cost a few milliseconds."""
    if not lists:
        return {}
    windows: list[Any] = []
    for index, filters in enumerate(lists.values()):
        q = filters.q if filters.q and filters.q.strip() else None
        where = [scope_clause(viewer), *filter_clauses(replace(filters, q=None))]
        if q is None:
            rows: sa.Select[Any] = (
                sa.select(sa.literal_column("1")).select_from(Petition).where(*where)
            )
            counted = rows.limit(cap + 1).subquery(f"l{index}")
            windows.append(
                sa.select(sa.func.count().label("hits"), sa.literal(0).label("rows"))
                .select_from(counted)
                .subquery(f"w{index}")
            )
            continue
        hit = sa.and_(text_clause(q, indexed=False), *_visible_text(viewer, q))
        read = (
            sa.select(sa.func.coalesce(hit, sa.false()).label("hit"))
            .where(*where)
            .limit(window)
            .subquery(f"r{index}")
        )
        windows.append(
            sa.select(
                sa.func.count().filter(read.c.hit).label("hits"),
                sa.func.count().label("rows"),
            ).subquery(f"w{index}")
        )
    if any(f.q and f.q.strip() for f in lists.values()):
        await custom_plans(session)
    joined: Any = windows[0]
    for other in windows[1:]:
        joined = joined.join(other, sa.true())
    statement = sa.select(*[c for w in windows for c in (w.c.hits, w.c.rows)]).select_from(joined)
    # Each list's rows read through an index, at most ``window`` of them: a bitmap would
    # first collect every entry of the list (a ward's 29,000, the city's 200,000 open
    # petitions) for the few hundred rows read. The GIN index below needs bitmaps again.
    await session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
    row = (await session.execute(statement)).one()
    await session.execute(sa.text("SET LOCAL enable_bitmapscan = on"))
    counts: dict[str, int] = {}
    for index, (key, filters) in enumerate(lists.items()):
        hits, read_rows = int(row[2 * index]), int(row[2 * index + 1])
        q = filters.q if filters.q and filters.q.strip() else None
        if q is None or hits > cap or read_rows < window:
            counts[key] = min(hits, cap + 1)
            continue
        where = [scope_clause(viewer), *filter_clauses(replace(filters, q=None))]
        matched: sa.Select[Any] = sa.select(sa.literal_column("1")).where(
            *where, text_clause(q), *_visible_text(viewer, q)
        )
        counted = matched.limit(cap + 1).subquery("matched")
        counts[key] = int(
            await session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
        )
    return counts
