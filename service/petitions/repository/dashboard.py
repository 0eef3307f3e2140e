"""The staff dashboard's counts: from the summary, exact at every moment.

``petition_count`` (migration 0240) holds the petitions by local creation period × unit ×
agency × kind × category × current status, at four grains (day, month, year, all time), with
the dashboard's figures summed. Every write to ``petition`` (an intake, a status change, a
sweep's bulk UPDATE, a merge) adds signed rows to ``petition_count_change`` through statement
triggers in its own transaction: an insert-only log, so concurrent intakes wait on nothing.
:func:`fold_changes` (the ``petitions.fold_counts`` job, every minute) moves them into the
summary in one statement. A dashboard reads, in one snapshot, the summary rows of its range
plus the unfolded changes, plus the raw petitions of the partial local days at the range's
edges when a bound is not a local midnight: the same figures as the GROUPING SETS pass over
the rows (:func:`count_rows`, kept as the reference and for bounds outside the calendar),
from a few thousand summary rows instead of every petition of the scope.

A range of local days becomes at most five index ranges (:func:`periods`): days up to the
first month, months up to the first year, whole years, then months and days to the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.visitors import replacement_traverse
from sqlmodel import col

from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.deadlines.models import DeadlineStatus
from service.petitions.models import (
    CountGrain,
    Petition,
    PetitionCount,
    PetitionCountChange,
    PetitionCountScope,
    PetitionStatus,
)
from service.petitions.repository.listing import PetitionFilter, filter_clauses, scope_clause

# The zone of the summary's days (migration 0240 counts in it).
COUNT_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
ALL_TIME = date(1, 1, 1)
# Bounds past these are counted over the rows (no date arithmetic at the calendar's ends).
_FIRST_DAY = date(2, 1, 1)
_LAST_DAY = date(9998, 1, 1)
_OPEN_END = date(9999, 1, 1)
_FOLD_LOCK = 0x70657469  # pg_try_advisory_xact_lock key of the fold: one fold at a time


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


_DIMENSIONS = ("status", "kind", "category", "unit", "agency")


def _decided() -> sa.ColumnElement[bool]:
    """The Front's own decisions (routed or rejected), not withdrawals or merges."""
    return sa.and_(
        col(Petition.clock_stopped_at).is_not(None),
        col(Petition.due_at).is_not(None),
        col(Petition.status).not_in([PetitionStatus.withdrawn.value, PetitionStatus.merged.value]),
    )


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.cast(condition, sa.Integer)


def _petition_rows(where: list[sa.ColumnElement[bool]]) -> sa.Select[Any]:
    """Petitions as count rows (one each), the shape of the summary's rows."""
    columns: list[Any] = [
        col(Petition.status).label("status"),
        col(Petition.kind).label("kind"),
        col(Petition.category_code).label("category_code"),
        col(Petition.unit_code).label("unit_code"),
        col(Petition.agency_id).label("agency_id"),
        sa.literal_column("1").label("n"),
        _flag(col(Petition.deadline_status) == DeadlineStatus.overdue.value).label("overdue"),
        _flag(col(Petition.deadline_status) == DeadlineStatus.due_soon.value).label("due_soon"),
        _flag(_decided()).label("routed"),
        _flag(sa.and_(_decided(), col(Petition.clock_stopped_at) <= col(Petition.due_at))).label(
            "on_time"
        ),
    ]
    return sa.select(*columns).where(*where)


def _count_rows_of(table: Any, where: list[sa.ColumnElement[bool]]) -> sa.Select[Any]:
    names = ("status", "kind", "category_code", "unit_code", "agency_id")
    sums = ("n", "overdue", "due_soon", "routed", "on_time")
    return sa.select(*[table.c[name] for name in names + sums]).where(*where)


async def _aggregate(session: AsyncSession, rows: sa.Subquery) -> DashboardCounts:
    """One GROUPING SETS pass over count rows: each dimension's counts and the totals."""
    dimensions: dict[str, Any] = {
        "status": rows.c.status,
        "kind": rows.c.kind,
        "category": rows.c.category_code,
        "unit": rows.c.unit_code,
        "agency": sa.cast(rows.c.agency_id, sa.String),
    }
    query = sa.select(
        *[column.label(name) for name, column in dimensions.items()],
        *[sa.func.grouping(column).label(f"g_{name}") for name, column in dimensions.items()],
        *[
            sa.func.coalesce(sa.func.sum(rows.c[name]), 0).label(name)
            for name in ("n", "overdue", "due_soon", "routed", "on_time")
        ],
    ).group_by(sa.func.grouping_sets(*[sa.tuple_(c) for c in dimensions.values()], sa.tuple_()))
    counts = DashboardCounts()
    for row in (await session.execute(query)).mappings():
        grouped = [name for name in _DIMENSIONS if row[f"g_{name}"] == 0]
        if not grouped:
            counts.total = row["n"]
            counts.overdue_now = row["overdue"]
            counts.due_soon_now = row["due_soon"]
            counts.routed = row["routed"]
            counts.routed_on_time = row["on_time"]
        elif row["n"]:  # a key all of whose petitions moved on is no group over the rows
            name = grouped[0]
            getattr(counts, f"by_{name}")[row[name]] = row["n"]
    return counts


async def count_rows(
    session: AsyncSession, viewer: StaffPrincipal, filters: PetitionFilter
) -> DashboardCounts:
    """The counts over the petitions themselves (one pass over the scope's rows): the
    reference the summary must equal, and the path for bounds past the calendar's ends."""
    rows = _petition_rows([scope_clause(viewer), *filter_clauses(filters)])
    return await _aggregate(session, rows.subquery("counted"))


# -- the summary path -----------------------------------------------------------------------


def periods(start: date | None, end: date | None) -> list[tuple[CountGrain, date, date]]:
    """The local days ``[start, end)`` (unbounded where ``None``) as the fewest summary
    periods: ``(grain, first period, end period)`` ranges of ``petition_count.period``."""
    if start is None and end is None:
        return [(CountGrain.all, ALL_TIME, _OPEN_END)]
    cur, stop = start or ALL_TIME, end or _OPEN_END
    pieces: list[tuple[CountGrain, date, date]] = []

    def take(grain: CountGrain, until: date) -> None:
        nonlocal cur
        if cur < until:
            pieces.append((grain, cur, until))
            cur = until

    def month_after(day: date) -> date:
        return (day.replace(day=1) + timedelta(days=32)).replace(day=1)

    if cur.day != 1:
        take(CountGrain.day, min(month_after(cur), stop))
    if cur < stop and cur.month != 1:
        take(CountGrain.month, min(date(cur.year + 1, 1, 1), stop.replace(day=1)))
    if cur.day == 1 and cur.month == 1:
        take(CountGrain.year, stop.replace(month=1, day=1))
    if cur.day == 1:
        take(CountGrain.month, stop.replace(day=1))
    take(CountGrain.day, stop)
    return pieces


@dataclass
class _Split:
    """A dashboard's creation range as whole local days (the summary and the change log)
    and the partial days at its edges (the petitions themselves)."""

    whole: tuple[date | None, date | None] | None  # None: no whole day in the range
    edges: list[tuple[datetime, datetime]]


def _local(moment: datetime) -> datetime:
    # A time without a zone is UTC, as the database takes it for a timestamptz.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(COUNT_ZONE)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), COUNT_ZONE)


def _split(created_from: datetime | None, created_to: datetime | None) -> _Split | None:
    """``None`` when a bound is too near the calendar's ends to do day arithmetic."""
    edges: list[tuple[datetime, datetime]] = []
    first = last = None
    try:
        if created_from is not None:
            local = _local(created_from)
            first = local.date()
            if local != _midnight(first):
                first += timedelta(days=1)
                edges.append((created_from, _midnight(first)))
        if created_to is not None:
            local = _local(created_to)
            last = local.date()
            if local != _midnight(last):
                edges.append((_midnight(last), created_to))
    except OverflowError:
        return None
    if any(day is not None and not _FIRST_DAY <= day <= _LAST_DAY for day in (first, last)):
        return None
    if first is not None and last is not None and first >= last:
        # No whole day between the bounds: the petitions in between, if any.
        assert created_from is not None
        assert created_to is not None
        return _Split(whole=None, edges=[(created_from, created_to)])
    return _Split(whole=(first, last), edges=edges)


def _adapted(table: Any, clauses: list[sa.ColumnElement[bool]]) -> list[sa.ColumnElement[bool]]:
    """The listing's scope and filter clauses on ``petition`` columns, said of the same
    columns of a summary table (one rule for who sees what, not a copy)."""
    petition = Petition.__table__  # type: ignore[attr-defined]

    def swap(element: Any, **_: Any) -> Any:
        if isinstance(element, sa.Column) and element.table is petition:
            return table.c[element.name]
        return None

    return [replacement_traverse(clause, {}, swap) for clause in clauses]


_SCOPE_DASHBOARD = """
SELECT dimension, key, sum(n) AS n, sum(overdue) AS overdue, sum(due_soon) AS due_soon,
       sum(routed) AS routed, sum(on_time) AS on_time
  FROM (
    SELECT dimension, key, n, overdue, due_soon, routed, on_time
      FROM petition_count_scope
     WHERE scope = :scope AND {scope_key} AND ({periods})
    UNION ALL
    SELECT d.dimension, d.key, r.n, r.overdue, r.due_soon, r.routed, r.on_time
      FROM (
        SELECT {key}, n, overdue, due_soon, routed, on_time
          FROM petition_count_change r
         WHERE {changes}
        UNION ALL
        SELECT {key}, 1, overdue, due_soon, routed, on_time
          FROM (SELECT {row} FROM petition p WHERE {edges}) e
      ) r
     CROSS JOIN LATERAL (VALUES ('total', NULL::text), ('status', r.status::text),
                                ('kind', r.kind::text), ('category', r.category_code::text),
                                ('unit', r.unit_code::text), ('agency', r.agency_id::text))
           AS d(dimension, key)
  ) counted
 GROUP BY dimension, key
"""
_SCOPE_CHANGES = {
    "city": "true",
    "unit": "r.unit_code = :scope_key",
    "agency": "r.agency_id::text = :scope_key",
}


def _scope_of(viewer: StaffPrincipal) -> tuple[str, str | None] | None:
    """The ``petition_count_scope`` rows of what ``viewer`` sees (the rule of
    ``listing.scope_clause``); ``None`` for an agency officer without an agency."""
    if viewer.role is Role.admin:
        return "city", None
    if viewer.role is Role.agency_officer:
        return None if viewer.agency_id is None else ("agency", str(viewer.agency_id))
    if viewer.unit_code is None:
        return "city", None
    return "unit", viewer.unit_code


async def _scope_dashboard(
    session: AsyncSession, scope: str, scope_key: str | None, split: _Split
) -> DashboardCounts:
    """The dashboard of a scope without filters: its ready rows for the range's periods, the
    unfolded changes of its days and the petitions of its partial days, in one statement
    (one snapshot: a fold moves a change from the log to the summary atomically). Ranges
    are ready for the city only (the other scopes: all time)."""
    params: dict[str, Any] = {"scope": scope, "scope_key": scope_key}
    period_terms, change_terms, edge_terms = ["false"], ["false"], ["false"]
    if split.whole is not None:
        first, last = split.whole
        for index, (grain, start, end) in enumerate(periods(first, last)):
            period_terms.append(
                f"(grain = :g{index} AND period >= :a{index} AND period < :b{index})"
            )
            params.update({f"g{index}": grain.value, f"a{index}": start, f"b{index}": end})
        days = [_SCOPE_CHANGES[scope]]
        if first is not None:
            days.append("r.day >= :first_day")
            params["first_day"] = first
        if last is not None:
            days.append("r.day < :last_day")
            params["last_day"] = last
        change_terms = [" AND ".join(days)]
    for index, (start, end) in enumerate(split.edges):
        edge_terms.append(f"(p.created_at >= :s{index} AND p.created_at < :e{index})")
        params.update({f"s{index}": start, f"e{index}": end})
    statement = sa.text(
        _SCOPE_DASHBOARD.format(
            scope_key="scope_key IS NULL" if scope_key is None else "scope_key = :scope_key",
            periods=" OR ".join(period_terms),
            changes=" OR ".join(change_terms),
            edges=" OR ".join(edge_terms),
            key=_KEY,
            row=_ROW,
        )
    )  # the server types the parameters (dates, times) from their columns
    rows = await session.execute(statement, params)
    counts = DashboardCounts()
    for row in rows.mappings():
        if row["dimension"] == "total":
            counts.total = row["n"]
            counts.overdue_now = row["overdue"]
            counts.due_soon_now = row["due_soon"]
            counts.routed = row["routed"]
            counts.routed_on_time = row["on_time"]
        elif row["n"]:
            getattr(counts, f"by_{row['dimension']}")[row["key"]] = row["n"]
    return counts


def _summarised(filters: PetitionFilter) -> PetitionFilter:
    return PetitionFilter(kind=filters.kind, category=filters.category, unit_code=filters.unit_code)


def from_summary(filters: PetitionFilter) -> bool:
    """Whether :func:`dashboard` reads ``filters``' counts from the summary (a few thousand
    rows); otherwise it counts every petition of the scope that they select."""
    bare = replace(filters, created_from=None, created_to=None)
    split = _split(filters.created_from, filters.created_to)
    return split is not None and bare == _summarised(filters)


async def dashboard(
    session: AsyncSession, viewer: StaffPrincipal, filters: PetitionFilter
) -> DashboardCounts:
    """The dashboard of ``viewer``'s scope: kind, category, unit and creation range filters
    (what the dashboard route takes); any other filter is counted over the rows."""
    if not from_summary(filters):
        return await count_rows(session, viewer, filters)
    split = _split(filters.created_from, filters.created_to)
    assert split is not None  # from_summary
    summarised = _summarised(filters)
    scope = _scope_of(viewer)
    all_time = filters.created_from is None and filters.created_to is None
    if summarised == PetitionFilter() and scope is not None and (scope[0] == "city" or all_time):
        return await _scope_dashboard(session, *scope, split)
    common = [scope_clause(viewer), *filter_clauses(summarised)]
    parts: list[sa.Select[Any]] = []
    if split.whole is not None:
        first, last = split.whole
        summary = PetitionCount.__table__  # type: ignore[attr-defined]
        ranges = [
            sa.and_(
                summary.c.grain == grain.value,
                summary.c.period >= start,
                summary.c.period < end,
            )
            for grain, start, end in periods(first, last)
        ]
        parts.append(_count_rows_of(summary, [*_adapted(summary, common), sa.or_(*ranges)]))
        changes = PetitionCountChange.__table__  # type: ignore[attr-defined]
        days = []
        if first is not None:
            days.append(changes.c.day >= first)
        if last is not None:
            days.append(changes.c.day < last)
        parts.append(_count_rows_of(changes, [*_adapted(changes, common), *days]))
    for start, end in split.edges:
        created = col(Petition.created_at)
        parts.append(_petition_rows([*common, created >= start, created < end]))
    return await _aggregate(session, sa.union_all(*parts).subquery("counted"))


# -- the fold -------------------------------------------------------------------------------

_KEY = "unit_code, agency_id, kind, category_code, status"
_SUMS = ", ".join(
    f"sum({name}) AS {name}" for name in ("n", "overdue", "due_soon", "routed", "on_time")
)
_FIGURES = "n, overdue, due_soon, routed, on_time"
_NONZERO = " OR ".join(
    f"sum(r.{name}) <> 0" for name in ("n", "overdue", "due_soon", "routed", "on_time")
)
# Count rows of periods (``source`` AS r: grain, period, key, figures) as the dashboards of
# their scopes: the whole city at every grain; their unit and their agency (none for no
# agency: no agency officer sees those) all time; each as the total and one row per key of
# each dimension.
_SCOPE_ROWS = """
SELECT s.scope, s.scope_key, r.grain, r.period, d.dimension, d.key,
       sum(r.n), sum(r.overdue), sum(r.due_soon), sum(r.routed), sum(r.on_time)
  FROM {source} r
 CROSS JOIN LATERAL (VALUES ('city', NULL::text), ('unit', r.unit_code::text),
                            ('agency', r.agency_id::text)) AS s(scope, scope_key)
 CROSS JOIN LATERAL (VALUES ('total', NULL::text), ('status', r.status::text),
                            ('kind', r.kind::text), ('category', r.category_code::text),
                            ('unit', r.unit_code::text), ('agency', r.agency_id::text))
       AS d(dimension, key)
 WHERE (s.scope = 'city' OR r.grain = 'all') AND (s.scope <> 'agency' OR s.scope_key IS NOT NULL)
 GROUP BY s.scope, s.scope_key, r.grain, r.period, d.dimension, d.key
"""
_FOLD = sa.text(
    f"""
WITH moved AS (
  DELETE FROM petition_count_change
  RETURNING day, {_KEY}, n, overdue, due_soon, routed, on_time
), days AS (
  SELECT day, {_KEY}, {_SUMS} FROM moved GROUP BY day, {_KEY}
), grains AS (
  SELECT 'day' AS grain, day AS period, * FROM days
  UNION ALL SELECT 'month', date_trunc('month', day)::date, * FROM days
  UNION ALL SELECT 'year', date_trunc('year', day)::date, * FROM days
  UNION ALL SELECT 'all', DATE '0001-01-01', * FROM days
), folded AS (
  INSERT INTO petition_count AS c (grain, period, {_KEY}, n, overdue, due_soon, routed, on_time)
  SELECT grain, period, {_KEY}, {_SUMS}
    FROM grains
   GROUP BY grain, period, {_KEY}
  HAVING sum(n) <> 0 OR sum(overdue) <> 0 OR sum(due_soon) <> 0 OR sum(routed) <> 0
      OR sum(on_time) <> 0
  ON CONFLICT (grain, period, unit_code, kind, category_code, status, agency_id) DO UPDATE
     SET n = c.n + excluded.n, overdue = c.overdue + excluded.overdue,
         due_soon = c.due_soon + excluded.due_soon, routed = c.routed + excluded.routed,
         on_time = c.on_time + excluded.on_time
  RETURNING 1
), scoped AS (
  INSERT INTO petition_count_scope AS m
         (scope, scope_key, grain, period, dimension, key, {_FIGURES})
  {_SCOPE_ROWS.format(source="grains")}
  HAVING {_NONZERO}
  ON CONFLICT (scope, scope_key, grain, period, dimension, key) DO UPDATE
     SET n = m.n + excluded.n, overdue = m.overdue + excluded.overdue,
         due_soon = m.due_soon + excluded.due_soon, routed = m.routed + excluded.routed,
         on_time = m.on_time + excluded.on_time
  RETURNING 1
)
SELECT (SELECT count(*) FROM moved) AS moved,
       (SELECT count(*) FROM folded) + (SELECT count(*) FROM scoped) AS folded
"""
)


# The summary recounted from the rows (the migration's backfill, for a database loaded with
# the triggers off: ``session_replication_role = replica`` in the bench generator and cleanup).
_ROW = """
(p.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day, p.unit_code, p.agency_id, p.kind,
p.category_code, p.status,
(p.deadline_status = 'overdue')::int AS overdue, (p.deadline_status = 'due_soon')::int AS due_soon,
(p.clock_stopped_at IS NOT NULL AND p.due_at IS NOT NULL
  AND p.status NOT IN ('withdrawn', 'merged'))::int AS routed,
(p.clock_stopped_at IS NOT NULL AND p.due_at IS NOT NULL
  AND p.status NOT IN ('withdrawn', 'merged') AND p.clock_stopped_at <= p.due_at)::int AS on_time
"""
REBUILD_STATEMENTS = (
    "TRUNCATE petition_count, petition_count_change, petition_count_scope",
    f"""
WITH days AS (
  SELECT day, {_KEY}, count(*) AS n, sum(overdue) AS overdue, sum(due_soon) AS due_soon,
         sum(routed) AS routed, sum(on_time) AS on_time
    FROM (SELECT {_ROW} FROM petition p) r
   GROUP BY day, {_KEY}
), grains AS (
  SELECT 'day' AS grain, day AS period, * FROM days
  UNION ALL SELECT 'month', date_trunc('month', day)::date, * FROM days
  UNION ALL SELECT 'year', date_trunc('year', day)::date, * FROM days
  UNION ALL SELECT 'all', DATE '0001-01-01', * FROM days
)
INSERT INTO petition_count (grain, period, {_KEY}, n, overdue, due_soon, routed, on_time)
SELECT grain, period, {_KEY}, {_SUMS} FROM grains GROUP BY grain, period, {_KEY}
""",
    f"""
INSERT INTO petition_count_scope (scope, scope_key, grain, period, dimension, key, {_FIGURES})
{_SCOPE_ROWS.format(source="petition_count")}
""",
)


def uncount_statement(petition_ids: str) -> str:
    """The change-log rows that take the petitions ``petition_ids`` (a subquery of ids) out
    of the counts, for a session that deletes them with the triggers off (the bench cleanup);
    run it before the DELETE."""
    return f"""
INSERT INTO petition_count_change (day, {_KEY}, {_FIGURES})
SELECT day, {_KEY}, -count(*), -sum(overdue), -sum(due_soon), -sum(routed), -sum(on_time)
  FROM (SELECT {_ROW} FROM petition p WHERE p.id IN {petition_ids}) r
 GROUP BY day, {_KEY}
"""


async def rebuild_counts(session: AsyncSession) -> None:
    """Recount the summary from the rows, in one transaction (the change log is emptied:
    the recount includes it). Only for a database written with the triggers off."""
    for statement in REBUILD_STATEMENTS:
        await session.execute(sa.text(statement))


@dataclass
class Fold:
    changes: int  # change rows moved into the summary
    rows: int  # summary rows written
    emptied: int  # summary rows removed (no petition left under their key)


async def fold_changes(session: AsyncSession) -> Fold | None:
    """Move every committed change into the summary (``None``: another fold is running).
    Readers see the changes in the log or in the summary, never both or neither: the move
    is one statement of one transaction."""
    locked = await session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(_FOLD_LOCK)))
    if not locked:
        return None
    moved = (await session.execute(_FOLD)).one()
    emptied = 0
    for table in (PetitionCount, PetitionCountScope):  # their partial indexes on n = 0
        result = await session.execute(sa.delete(table).where(col(table.n) == 0))
        emptied += result.rowcount  # type: ignore[attr-defined]
    return Fold(changes=moved.moved, rows=moved.folded, emptied=emptied)
