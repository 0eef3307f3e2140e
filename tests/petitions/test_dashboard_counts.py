"""The dashboard from its summary (``petition_count`` + the change log, migration 0240) gives
the figures of the GROUPING SETS pass over the petitions it replaced, for every scope, filter
and creation range, before and after folds, after intakes, triage actions, bulk updates of
statuses and deadlines, moves between days and deletions."""

import importlib.util
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import migrations
from service.auth.principals import StaffPrincipal
from service.deadlines.models import DeadlineStatus
from service.kernel.wiring import Wiring
from service.petitions.models import (
    CountGrain,
    Petition,
    PetitionCount,
    PetitionCountChange,
    PetitionCountScope,
    PetitionKind,
    PetitionStatus,
)
from service.petitions.repository.dashboard import (
    COUNT_ZONE,
    DashboardCounts,
    dashboard,
    fold_changes,
    periods,
    rebuild_counts,
    uncount_statement,
)
from service.petitions.repository.listing import PetitionFilter, filter_clauses, scope_clause
from tests.factories import BA_DINH, HOAN_KIEM
from tests.petitions.conftest import (
    IDENTIFIED,
    Api,
    Staff,
    act,
    filed,
    petition_body,
    principal,
    staff_headers,
)

# -- the reference: the dashboard query as it was before the summary ------------------------

_DIMENSIONS = {
    "status": col(Petition.status),
    "kind": col(Petition.kind),
    "category": col(Petition.category_code),
    "unit": col(Petition.unit_code),
    "agency": sa.cast(col(Petition.agency_id), sa.String),
}


async def grouping_sets_over_rows(
    session: AsyncSession, viewer: StaffPrincipal, filters: PetitionFilter
) -> DashboardCounts:
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


# -- the data -------------------------------------------------------------------------------

STATUSES = [s.value for s in PetitionStatus if s is not PetitionStatus.merged]
DEADLINES = [s.value for s in DeadlineStatus]

# The columns a copy writes: not the generated search columns (the database computes them).
STORED_NAMES = [column.name for column in Petition.__table__.columns if column.computed is None]
STORED = ", ".join(f'"{name}"' for name in STORED_NAMES)
COPIED = ", ".join(f'copy."{name}"' for name in STORED_NAMES)

# Copies of the filed petitions spread over about two years, with varied keys and figures
# (one INSERT of many rows: the trigger's multi-row path).
SPREAD = sa.text(
    f"""
INSERT INTO petition ({STORED})
SELECT {COPIED} FROM petition p, generate_series(1, 45) g,
LATERAL jsonb_populate_record(NULL::petition, to_jsonb(p) || jsonb_build_object(
  'id', gen_random_uuid(),
  'tracking_code', p.tracking_code || '-' || g,
  'created_at', p.created_at - (g * g) * interval '11 hours' - g * interval '7 minutes',
  'kind', (ARRAY['feedback', 'recommendation', 'complaint', 'denunciation'])[1 + g % 4],
  'category_code', (SELECT code FROM petition_category ORDER BY code
                     OFFSET g % (SELECT count(*) FROM petition_category) LIMIT 1),
  'unit_code', CASE WHEN g % 5 = 0 THEN CAST(:other_unit AS text) ELSE p.unit_code END,
  'agency_id', CASE WHEN g % 6 = 0 THEN NULL ELSE p.agency_id END,
  'status', (CAST(:statuses AS text[]))[1 + g % cardinality(CAST(:statuses AS text[]))],
  'deadline_status', (CAST(:deadlines AS text[]))[1 + g % cardinality(CAST(:deadlines AS text[]))],
  'due_at', p.created_at + interval '3 days',
  'clock_stopped_at', CASE WHEN g % 3 = 0 THEN NULL
                           ELSE p.created_at + (g % 5) * interval '1 day' END
)) AS copy
"""
)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), COUNT_ZONE)


def ranges() -> list[tuple[datetime | None, datetime | None]]:
    today = datetime.now(COUNT_ZONE).date()
    now = datetime.now(UTC)
    return [
        (None, None),
        (local_midnight(today - timedelta(days=30)), None),  # from a local midnight
        (None, local_midnight(today - timedelta(days=10))),
        (None, now - timedelta(hours=3)),  # up to a moment inside today
        (local_midnight(today - timedelta(days=400)) + timedelta(hours=5, minutes=13), now),
        (local_midnight(date(today.year - 1, 11, 15)), local_midnight(date(today.year, 2, 3))),
        (local_midnight(date(today.year - 2, 1, 1)), local_midnight(date(today.year, 1, 1))),
        (  # within one local day
            local_midnight(today - timedelta(days=2)) + timedelta(hours=1),
            local_midnight(today - timedelta(days=2)) + timedelta(hours=20),
        ),
        (datetime(today.year - 1, 3, 1, 10, 30), None),  # no zone: UTC
        (now, now - timedelta(days=40)),  # empty
        (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)),  # the calendar's ends
    ]


FILTERS = [
    PetitionFilter(),
    PetitionFilter(kind=PetitionKind.feedback),
    PetitionFilter(category="land"),
    PetitionFilter(unit_code=HOAN_KIEM),
    PetitionFilter(kind=PetitionKind.complaint, category="environment_sanitation"),
]


async def assert_summary_equals_rows(session: AsyncSession, staff: Staff) -> int:
    viewers = [
        principal(user)
        for user in (
            staff.city_front,
            staff.ward_front,
            staff.other_ward_front,
            staff.agency_officer,
            staff.admin,
        )
    ]
    compared = 0
    for viewer in viewers:
        for filters in FILTERS:
            for created_from, created_to in ranges():
                case = PetitionFilter(
                    kind=filters.kind,
                    category=filters.category,
                    unit_code=filters.unit_code,
                    created_from=created_from,
                    created_to=created_to,
                )
                expected = await grouping_sets_over_rows(session, viewer, case)
                assert await dashboard(session, viewer, case) == expected, (viewer, case)
                compared += 1
    return compared


async def total(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


class TestSummaryEqualsRows:
    async def test_through_intakes_actions_bulk_changes_and_folds(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        ward = await staff_headers(client, staff.ward_front)
        a = await filed(client, api)
        b = await filed(client, api, petition_body(kind="recommendation", category="land"))
        c = await filed(client, api, petition_body(unit_code=BA_DINH))
        await filed(client, api, petition_body(kind="complaint", petitioner=dict(IDENTIFIED)))
        assert (await act(client, ward, a["id"], "accept")).status_code == 200
        assert (await act(client, ward, a["id"], "refer")).status_code == 200
        reject = {"reason_code": "other", "reason": "Không rõ"}
        assert (await act(client, ward, b["id"], "reject", reject)).status_code == 200
        await session.execute(
            SPREAD, {"other_unit": BA_DINH, "statuses": STATUSES, "deadlines": DEADLINES}
        )
        assert await total(session, Petition) == 4 * 46
        assert await assert_summary_equals_rows(session, staff) > 200  # all unfolded

        fold = await fold_changes(session)
        assert fold is not None
        assert fold.changes > 0
        assert await total(session, PetitionCountChange) == 0
        await assert_summary_equals_rows(session, staff)

        # Old petitions change: closed a year on, swept overdue, reassigned, moved a day,
        # deleted; a new intake and a triage action beside them.
        year_ago = datetime.now(UTC) - timedelta(days=365)
        await session.execute(
            sa.update(Petition)
            .where(col(Petition.created_at) < year_ago, col(Petition.status) == "referred")
            .values(status=PetitionStatus.closed.value)
        )
        await session.execute(
            sa.update(Petition)
            .where(col(Petition.deadline_status) == DeadlineStatus.running.value)
            .values(deadline_status=DeadlineStatus.overdue.value)
        )
        await session.execute(
            sa.update(Petition)
            .where(col(Petition.tracking_code).like("%-1_"))
            .values(
                agency_id=staff.other_agency.id,
                created_at=Petition.created_at - timedelta(hours=13),
            )
        )
        await session.execute(sa.delete(Petition).where(col(Petition.tracking_code).like("%-4_")))
        await filed(client, api, petition_body(category="land"))
        other_ward = await staff_headers(client, staff.other_ward_front)
        assert (await act(client, other_ward, c["id"], "accept")).status_code == 200
        await assert_summary_equals_rows(session, staff)  # folded and unfolded together

        await fold_changes(session)
        await assert_summary_equals_rows(session, staff)
        assert await total(session, PetitionCountChange) == 0
        for table in (PetitionCount, PetitionCountScope):
            emptied = await session.scalar(sa.select(sa.func.count()).where(col(table.n) == 0))
            assert emptied == 0
        # Every grain sums to the same whole.
        sums = (
            await session.execute(
                sa.select(col(PetitionCount.grain), sa.func.sum(col(PetitionCount.n))).group_by(
                    col(PetitionCount.grain)
                )
            )
        ).all()
        assert {grain: int(n) for grain, n in sums} == {
            grain.value: await total(session, Petition) for grain in CountGrain
        }

    async def test_truncate_empties_the_summary(self, session: AsyncSession, api: Api) -> None:
        await session.execute(sa.text("TRUNCATE petition CASCADE"))
        assert await total(session, PetitionCount) == 0
        assert await total(session, PetitionCountChange) == 0


class TestPeriods:
    def test_ranges_of_days_are_covered_once(self) -> None:
        """Each range of days becomes periods that cover exactly its days."""
        days = [date(2024, 1, 1) + timedelta(days=n) for n in range(0, 800, 41)]
        days += [date(2025, 1, 1), date(2025, 2, 1), date(2025, 12, 31), date(2026, 3, 1)]
        for start in [None, *days]:
            for end in [None, *days]:
                pieces = periods(start, end)
                low = start or date(2023, 6, 1)
                high = end or date(2027, 6, 1)
                covered: list[date] = []
                for grain, first, stop in pieces:
                    assert first < stop
                    if grain is not CountGrain.day:
                        assert first.day == stop.day == 1
                    if grain is CountGrain.year:
                        assert first.month == stop.month == 1
                    day = max(first, date(2023, 6, 1))
                    while day < min(stop, date(2027, 6, 1)):
                        covered.append(day)
                        day += timedelta(days=1)
                expected = [low + timedelta(days=n) for n in range(max(0, (high - low).days))]
                assert sorted(covered) == expected, (start, end, pieces)
                assert len(pieces) <= 5

    def test_all_time_is_one_period(self) -> None:
        assert periods(None, None) == [(CountGrain.all, date(1, 1, 1), date(9999, 1, 1))]


class TestFoldJob:
    def test_scheduled(self, wiring: Wiring) -> None:
        assert "petitions.fold_counts" in {s.job_name for s in wiring.schedules}


class TestReadsTheSummary:
    async def test_whole_days_come_from_the_summary_not_the_rows(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        """A figure written into the summary shows: the rows are not counted again."""
        await filed(client, api)
        await fold_changes(session)
        city = principal(staff.city_front)
        before = await dashboard(session, city, PetitionFilter())
        assert before.total == 1
        await session.execute(sa.update(PetitionCount).values(n=PetitionCount.n + 100))
        assert (await dashboard(session, city, PetitionFilter())).total == 1  # all time: ready
        await session.execute(sa.update(PetitionCountScope).values(n=PetitionCountScope.n + 100))
        assert (await dashboard(session, city, PetitionFilter())).total == 101
        today = datetime.now(COUNT_ZONE).date()
        tomorrow = local_midnight(today + timedelta(days=1))
        week = PetitionFilter(created_from=local_midnight(today - timedelta(days=6)))
        assert (await dashboard(session, city, week)).total == 101
        # A bound inside today: today's petitions are read from the rows.
        partial = PetitionFilter(created_from=local_midnight(today), created_to=tomorrow)
        assert (await dashboard(session, city, partial)).total == 101
        inside = PetitionFilter(
            created_from=local_midnight(today) + timedelta(microseconds=1), created_to=tomorrow
        )
        assert (await dashboard(session, city, inside)).total == 1


class TestWithTheTriggersOff:
    """The bench generator and cleanup write with ``session_replication_role = replica``
    (no triggers): the rebuild and the uncount statement keep the summary right."""

    async def test_rebuild_after_a_load_and_uncount_before_a_delete(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        await filed(client, api)
        await filed(client, api, petition_body(kind="recommendation", category="land"))
        await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        await session.execute(
            SPREAD, {"other_unit": BA_DINH, "statuses": STATUSES, "deadlines": DEADLINES}
        )
        await session.execute(sa.text("SET LOCAL session_replication_role = origin"))
        await rebuild_counts(session)
        await assert_summary_equals_rows(session, staff)

        gone = "(SELECT id FROM petition WHERE tracking_code LIKE '%-3_')"
        await session.execute(sa.text("SET LOCAL session_replication_role = replica"))
        await session.execute(sa.text(uncount_statement(gone)))
        await session.execute(sa.text(f"DELETE FROM petition WHERE id IN {gone}"))
        await session.execute(sa.text("SET LOCAL session_replication_role = origin"))
        await assert_summary_equals_rows(session, staff)

    async def test_the_migrations_backfill_counts_existing_petitions(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        """Migration 0240's own backfill statements, on a database with petitions."""
        path = Path(migrations.__file__).parent / "versions" / "0240_petition_counts.py"
        spec = importlib.util.spec_from_file_location("migration_0240", path)
        assert spec is not None
        assert spec.loader is not None
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        await filed(client, api)
        await filed(client, api, petition_body(unit_code=BA_DINH))
        await session.execute(
            SPREAD, {"other_unit": BA_DINH, "statuses": STATUSES, "deadlines": DEADLINES}
        )
        for table in ("petition_count", "petition_count_scope", "petition_count_change"):
            await session.execute(sa.text(f"DELETE FROM {table}"))
        await session.execute(sa.text(migration.BACKFILL))
        await session.execute(sa.text(migration.SCOPE_BACKFILL))
        await assert_summary_equals_rows(session, staff)
