"""Benchmark 2: the staff queries at a million petitions, through the repository functions.

Measured in-process on the functions the controllers call (``service.petitions.repository``
``list_petitions`` and ``dashboard``, ``service.petitions.duplicates.find_duplicates``), one
fresh session per run as a request would have, so the figures are the database and ORM
work without HTTP. Each query runs ``runs`` times (bounded by a time budget, but never fewer
than ``min_runs`` = 10) after one warm-up run, every run of a query on the same database
connection: asyncpg prepares the statements, and PostgreSQL may switch a prepared statement to
a generic plan after five runs on a connection, which is what a long-lived API worker sees.
p50/p95 are reported, with the plan of the last statement of the first run (``EXPLAIN
ANALYZE``) and the number of statements a run sends in the JSON so a slow query shows why.

Keyset page 1,000: the cursors of pages 1..999 are followed once (newest first, 50 a page,
city level), then the 1,000th page's query is measured.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)
from sqlmodel import col, select

from bench import harness
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import session_factory
from service.petitions.duplicates import find_duplicates
from service.petitions.models import OPEN_STATUSES, Petition, PetitionKind, PetitionStatus
from service.petitions.repository import (
    PetitionFilter,
    SortOrder,
    dashboard,
    list_petitions,
)
from service.petitions.repository.dashboard import COUNT_ZONE, count_rows

TARGET_LIST_P95_MS = 50.0
TARGET_SEARCH_P95_MS = 100.0
TARGET_DASHBOARD_P95_MS = 100.0
PAGE = 50
DEEP_PAGE = 1000


@dataclass
class QueriesOptions(harness.Repeated):
    """The runs and the budget are per query; ``min_runs`` (10) is past the generic-plan
    switch of a prepared statement (after 5 runs)."""

    deep_page: int = DEEP_PAGE


@dataclass
class Case:
    name: str
    group: str  # "list" | "search" | "duplicates" | "dashboard"
    run: Callable[[AsyncSession, int], Awaitable[int]]  # returns rows produced
    samples: list[float] = field(default_factory=list)
    rows: int = 0
    plan: list[str] = field(default_factory=list)
    statements: int = 0
    connections: set[int] = field(default_factory=set)


class StatementCapture:
    """Remembers the last SQL statement and parameters sent on an engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._remember)

    def _remember(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.statements.append((statement, parameters))


def _viewer(role: Role, *, unit_code: str | None = None, agency_id: uuid.UUID | None = None) -> Any:
    return StaffPrincipal(
        user_id=uuid.uuid4(),
        username="bench",
        role=role,
        unit_code=unit_code,
        agency_id=agency_id,
    )


async def _busiest(session: AsyncSession) -> tuple[str, uuid.UUID]:
    unit = (
        await session.execute(
            sa.text("SELECT unit_code FROM petition GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        )
    ).scalar_one()
    agency = (
        await session.execute(
            sa.text(
                "SELECT agency_id FROM petition WHERE agency_id IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
        )
    ).scalar_one()
    return unit, agency


async def _open_petitions(session: AsyncSession, count: int) -> list[Petition]:
    rows = await session.execute(
        select(Petition)
        .where(col(Petition.status).in_([s.value for s in OPEN_STATUSES]))
        .order_by(sa.func.random())
        .limit(count)
    )
    petitions = list(rows.scalars())
    for petition in petitions:
        session.expunge(petition)
    return petitions


async def _deep_cursor(session: AsyncSession, viewer: Any, pages: int) -> tuple[str | None, float]:
    """Follow the cursors of the first ``pages - 1`` pages; return the last page's cursor."""
    cursor = None
    started = time.perf_counter()
    for _ in range(pages - 1):
        _, cursor = await list_petitions(
            session, viewer, PetitionFilter(), sort=SortOrder.newest, limit=PAGE, cursor=cursor
        )
        session.expunge_all()
        if cursor is None:
            break
    return cursor, time.perf_counter() - started


def _quarter(filters: PetitionFilter) -> PetitionFilter:
    """The last whole calendar quarter, in local days."""
    today = datetime.now(COUNT_ZONE).date()
    start_month = 3 * ((today.month - 1) // 3) + 1
    end = datetime(today.year, start_month, 1, tzinfo=COUNT_ZONE)
    start = datetime(end.year - (end.month <= 3), (end.month - 4) % 12 + 1, 1, tzinfo=COUNT_ZONE)
    filters.created_from, filters.created_to = start, end
    return filters


async def _dashboard_exact(session: AsyncSession, viewers: dict[str, Any]) -> dict[str, bool]:
    """The summary's dashboard against the pass over the rows, once (the summary is right
    at this size, not only fast)."""
    return {
        name: await dashboard(session, viewer, PetitionFilter())
        == await count_rows(session, viewer, PetitionFilter())
        for name, viewer in viewers.items()
    }


def build_cases(
    unit: str,
    agency: uuid.UUID,
    deep_cursor: str | None,
    duplicates: list[Petition],
    deep_page: int = DEEP_PAGE,
) -> list[Case]:
    city = _viewer(Role.front_officer)
    ward = _viewer(Role.front_officer, unit_code=unit)
    agency_officer = _viewer(Role.agency_officer, agency_id=agency)

    def listing(
        viewer: Any, filters: PetitionFilter, sort: SortOrder, cursor: str | None = None
    ) -> Callable[[AsyncSession, int], Awaitable[int]]:
        async def run(session: AsyncSession, _: int) -> int:
            rows, _next = await list_petitions(
                session, viewer, filters, sort=sort, limit=PAGE, cursor=cursor
            )
            return len(rows)

        return run

    def counts(
        viewer: Any, filters: PetitionFilter
    ) -> Callable[[AsyncSession, int], Awaitable[int]]:
        async def run(session: AsyncSession, _: int) -> int:
            result = await dashboard(session, viewer, filters)
            return result.total

        return run

    async def duplicate_lookup(session: AsyncSession, index: int) -> int:
        petition = duplicates[index % len(duplicates)]
        return len(await find_duplicates(session, petition))

    # The measured statements, in the order of the result table: (name, viewer, filters,
    # sort) of the listings and searches, (name, viewer, filters) of the dashboards.
    lists = [
        ("ward officer: open, by due date", ward, PetitionFilter(open_only=True), SortOrder.due),
        (
            "city: received + category, newest",
            city,
            PetitionFilter(status=[PetitionStatus.received], category="environment_sanitation"),
            SortOrder.newest,
        ),
        ("city: overdue, by due date", city, PetitionFilter(overdue=True), SortOrder.due),
        (
            "agency officer: its petitions, newest",
            agency_officer,
            PetitionFilter(),
            SortOrder.newest,
        ),
        ("keyset page 1 (city, newest)", city, PetitionFilter(), SortOrder.newest),
    ]
    searches = [
        ("'ngap nuoc' (city, newest)", city, "ngap nuoc", SortOrder.newest),
        ("'karaoke' (ward, newest)", ward, "karaoke", SortOrder.newest),
        ("'nha van hoa xuong cap' (city)", city, "nha van hoa xuong cap", SortOrder.newest),
        ("'ngap nuoc' (city, relevance)", city, "ngap nuoc", SortOrder.relevance),
        (
            "'xuống cấp nhà văn hóa' (city, relevance)",
            city,
            "xuống cấp nhà văn hóa",
            SortOrder.relevance,
        ),
    ]
    dashboards = [
        ("ward", ward, PetitionFilter()),
        ("city, whole period", city, PetitionFilter()),
        ("agency officer", agency_officer, PetitionFilter()),
        (
            "city, last 365 days (from now: partial first day)",
            city,
            PetitionFilter(created_from=datetime.now(UTC) - timedelta(days=365)),
        ),
        ("ward, one kind, one quarter", ward, _quarter(PetitionFilter(kind=PetitionKind.feedback))),
    ]
    cases = [Case(name, "list", listing(viewer, f, sort)) for name, viewer, f, sort in lists]
    if deep_cursor is not None:
        cases.append(
            Case(
                f"keyset page {deep_page:,} (city, newest)",
                "list",
                listing(city, PetitionFilter(), SortOrder.newest, deep_cursor),
            )
        )
    cases += [
        Case(f"search {name}", "search", listing(viewer, PetitionFilter(q=q), sort))
        for name, viewer, q, sort in searches
    ]
    cases.append(
        Case(
            "search 'karaoke' (ward, open, by due date)",
            "search",
            listing(ward, PetitionFilter(q="karaoke", open_only=True), SortOrder.due),
        )
    )
    cases.append(Case("duplicate candidates of an open petition", "duplicates", duplicate_lookup))
    cases += [
        Case(f"dashboard: {name}", "dashboard", counts(viewer, f)) for name, viewer, f in dashboards
    ]
    return cases


async def _measure(
    engine: AsyncEngine, capture: StatementCapture, case: Case, options: QueriesOptions
) -> None:
    async with engine.connect() as conn:  # every run of the query on this one connection
        sessions = async_sessionmaker(bind=conn, expire_on_commit=False)
        async with sessions() as session:  # warm-up, and the statements to explain
            capture.statements.clear()
            await case.run(session, 0)
            sent = list(capture.statements)
            statements = [s for s in sent if s[0].lstrip().upper().startswith("SELECT")]
            case.statements = len(sent)
        deadline = time.perf_counter() + options.budget_s
        for index in range(max(options.runs, options.min_runs)):
            async with sessions() as session:
                begin = time.perf_counter()
                case.rows = await case.run(session, index)
                case.samples.append(time.perf_counter() - begin)
                pid = await session.execute(sa.text("SELECT pg_backend_pid()"))
                case.connections.add(int(pid.scalar_one()))
            if time.perf_counter() > deadline and index + 1 >= options.min_runs:
                break
    if statements:
        statement, parameters = statements[-1]
        async with engine.connect() as conn:
            plan = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            case.plan = [row[0] for row in plan.all()]


async def _run(options: QueriesOptions) -> tuple[list[Case], dict[str, Any]]:
    async with harness.engine(options.url) as engine:
        capture = StatementCapture(engine)
        sessions = session_factory(engine)
        info: dict[str, Any] = {}
        async with sessions() as session:
            unit, agency = await _busiest(session)
            duplicates = await _open_petitions(session, max(options.runs, 10))
            cursor, walk = await _deep_cursor(
                session, _viewer(Role.front_officer), options.deep_page
            )
            exact = await _dashboard_exact(
                session,
                {
                    "city": _viewer(Role.front_officer),
                    "ward": _viewer(Role.front_officer, unit_code=unit),
                },
            )
            summary_rows = {
                table: (
                    await session.execute(sa.text(f"SELECT count(*) FROM {table}"))
                ).scalar_one()
                for table in ("petition_count", "petition_count_scope", "petition_count_change")
            }
        info = {
            "dashboard_equals_rows": exact,
            "dashboard_summary_rows": summary_rows,
            "ward": unit,
            "agency_id": str(agency),
            "follow_cursors_to_page_seconds": round(walk, 2),
            "deep_page": options.deep_page,
        }
        cases = build_cases(unit, agency, cursor, duplicates, options.deep_page)
        for case in cases:
            await _measure(engine, capture, case, options)
    return cases, info


def run_queries(options: QueriesOptions) -> harness.BenchResult:
    cases, info = asyncio.run(_run(options))
    result = options.result(
        "queries",
        {
            "runs_share_one_connection": True,
            "page_size": PAGE,
            "via": "repository functions (service.petitions.repository / duplicates), "
            "one session per run, no HTTP",
            **info,
        },
    )
    queries = {}
    for case in cases:
        queries[case.name] = {
            "group": case.group,
            "rows": case.rows,
            "statements_per_run": case.statements,
            "connections": len(case.connections),
            **harness.latency_ms(case.samples),
            "plan": case.plan,
        }
        p95 = float(harness.latency_ms(case.samples)["p95_ms"])
        if case.group == "list":
            result.targets.append(harness.Target(f"{case.name}: p95 ms", p95, TARGET_LIST_P95_MS))
        elif case.group in ("search", "duplicates"):
            result.targets.append(harness.Target(f"{case.name}: p95 ms", p95, TARGET_SEARCH_P95_MS))
        elif case.group == "dashboard":
            result.targets.append(
                harness.Target(f"{case.name}: p95 ms", p95, TARGET_DASHBOARD_P95_MS)
            )
    result.figures = {"queries": queries}
    return result


def print_queries(result: harness.BenchResult) -> None:
    harness.print_table(
        "Staff queries (repository functions, 50 rows a page)",
        [
            (name, q["group"], q["rows"], q["n"], q["p50_ms"], q["p95_ms"], q["max_ms"])
            for name, q in result.figures["queries"].items()
        ],
        ("query", "group", "rows", "runs", "p50 ms", "p95 ms", "max ms"),
    )
