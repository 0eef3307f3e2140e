"""The bench database: a scratch PostgreSQL database with a million petitions.

``python -m bench generate [--scale 0.01] [--reset]`` creates ``giamsat_bench`` on the local
server, migrates it (``service.migrations.runner.upgrade``), seeds the reference data and the
deadline policy with the platform's own functions, then loads:

- petitions (1,000,000 x scale) over Hanoi's 126 units, with petitioners (denouncers
  encrypted), referrals and answers for the routed ones, public answers, merged duplicates
  and deadline clocks consistent with ``now`` (see ``bench.petition_rows``);
- their history (``petition_event``, ``referral_history``) by INSERT ... SELECT on the server;
- supervision: 2,000 x scale sessions (at least 8) with attendance, logs, evidence records,
  seals, findings and recommendations, and the report plan ``BENCH-REPORT``
  (``bench.oversight_rows``).

Rows go in with COPY (asyncpg ``copy_records_to_table``), never one by one. Secondary
indexes of the loaded tables are dropped first and rebuilt at the end (faster than
maintaining them row by row), foreign-key and append-only triggers are skipped for the
loading session (``session_replication_role = replica``; the generator makes consistent
rows), and the tables are vacuumed and analysed so that plans are those of a settled
database. The audit log and the outbox stay empty. Each phase is timed and reported.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import psycopg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bench import harness, principals
from bench.clocks import ClockMath
from bench.oversight_rows import (
    ATTENDANCE_COLUMNS,
    EVIDENCE_COLUMNS,
    FINDING_COLUMNS,
    LOG_COLUMNS,
    PLAN_AGENCY_COLUMNS,
    PLAN_COLUMNS,
    PLAN_MEMBER_COLUMNS,
    RECOMMENDATION_COLUMNS,
    RECOMMENDATION_REFERRAL_COLUMNS,
    SESSION_COLUMNS,
    SUPERVISION_EVIDENCE_COLUMNS,
    OversightFactory,
    OversightReference,
)
from bench.petition_rows import (
    ANSWER_COLUMNS,
    PETITION_COLUMNS,
    PETITIONER_COLUMNS,
    PUBLIC_ANSWER_COLUMNS,
    REFERRAL_COLUMNS,
    YEARS,
    PetitionFactory,
    Reference,
    Unit,
    unit_point,
)
from bench.reference import active_categories, communes
from service.auth.models import Role
from service.db import session_scope
from service.deadlines.models import DeadlineStep, ItemKind, Urgency
from service.deadlines.policy import rule_for, seed_default_policy
from service.directory.calendar import load_calendar
from service.directory.routing import suggest_agency
from service.directory.seed import seed_reference_data
from service.kernel.wiring import Wiring
from service.migrations.runner import upgrade
from service.petitions import messages
from service.petitions.repository.dashboard import REBUILD_STATEMENTS
from service.settings import Settings

FULL_SCALE_PETITIONS = 1_000_000
FULL_SCALE_SESSIONS = 2_000
SUPERVISORS = 6
# Tables whose secondary indexes are rebuilt after the load.
BULK_TABLES = (
    "petition",
    "petitioner",
    "petition_event",
    "referral",
    "referral_history",
    "referral_answer",
    "public_answer",
    "evidence",
    "supervision_plan",
    "supervision_plan_agency",
    "supervision_plan_member",
    "supervision_session",
    "supervision_attendance",
    "supervision_log_entry",
    "supervision_evidence",
    "supervision_finding",
    "supervision_recommendation",
)


class DatabaseExists(RuntimeError):
    pass


@dataclass
class GenerateOptions(harness.OnDatabase):
    server_url: str | None = None  # default: harness.SERVER_URL
    scale: float = 1.0
    reset: bool = False
    seed: int = 2026
    batch_size: int = 20_000
    quiet: bool = False

    @property
    def url(self) -> str:
        return harness.database_url(self.database, self.server_url)

    @property
    def petitions(self) -> int:
        return max(1, round(FULL_SCALE_PETITIONS * self.scale))

    @property
    def sessions(self) -> int:
        return max(8, round(FULL_SCALE_SESSIONS * self.scale))

    @property
    def report_size(self) -> tuple[int, int]:
        """(log entries, evidence items) of the supervision-report plan."""
        factor = min(1.0, self.scale * 100)
        return max(10, round(500 * factor)), max(5, round(200 * factor))


class Timer:
    def __init__(self, quiet: bool) -> None:
        self.phases: dict[str, float] = {}
        self.quiet = quiet
        self._start = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = round(now - self._start, 2)
        self._start = now
        self.say(f"  {name}: {self.phases[name]:.1f} s")

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, flush=True)


# -- database ----------------------------------------------------------------------------------


def create_database(options: GenerateOptions) -> None:
    with psycopg.connect(harness.admin_url(options.server_url), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (options.database,)
        ).fetchone()
        if exists and not options.reset:
            raise DatabaseExists(
                f"database {options.database} exists; pass --reset to drop and rebuild it"
            )
        if exists:
            conn.execute(f'DROP DATABASE "{options.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{options.database}"')


def drop_database(name: str, server_url: str | None = None) -> None:
    with psycopg.connect(harness.admin_url(server_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def generate(options: GenerateOptions) -> harness.BenchResult:
    timer = Timer(options.quiet)
    timer.say(f"creating {options.database} ({options.petitions:,} petitions)")
    create_database(options)
    timer.lap("create_database")
    upgrade(options.url)
    timer.lap("migrate")
    counts = asyncio.run(_load(options, timer))
    total = round(sum(timer.phases.values()), 2)
    load = round(
        sum(v for k, v in timer.phases.items() if k not in ("create_database", "migrate")), 2
    )
    result = options.result(
        "generate",
        {
            "scale": options.scale,
            "petitions": options.petitions,
            "sessions": options.sessions,
            "seed": options.seed,
            "batch_size": options.batch_size,
        },
        figures={
            "total_seconds": total,
            "load_seconds": load,
            "phases_seconds": timer.phases,
            "rows": counts,
            "petitions_per_second": round(options.petitions / timer.phases["copy_petitions"], 1)
            if timer.phases.get("copy_petitions")
            else None,
        },
    )
    return result


async def _load(options: GenerateOptions, timer: Timer) -> dict[str, Any]:
    settings = Settings(database_url=options.url)
    now = datetime.now(UTC)
    rng = random.Random(options.seed)
    async with harness.engine(options.url) as engine:
        # Nothing wired: the generator writes every row itself (clocks as a sweep would leave
        # them), so seeding the calendar enqueues no recompute and no job is ever enqueued.
        sessions = Wiring().sessions(engine)
        async with session_scope(sessions) as session:
            await seed_reference_data(session)
            await seed_default_policy(session)
            # The upload benchmark logs in as this admin (evidence is a staff route).
            await principals.ensure_staff(session, principals.ADMIN, Role.admin)
            await principals.ensure_staff(session, principals.CITY_OFFICER, Role.front_officer)
            supervisors = [
                (
                    await principals.ensure_staff(session, f"bench-supervisor-{n}", Role.supervisor)
                ).id
                for n in range(1, SUPERVISORS + 1)
            ]
            client, _ = await principals.new_api_client(session, principals.GENERATOR_CLIENT)
        timer.lap("seed")
        async with sessions() as session:
            reference = await _reference(session, settings, client.id, now, rng)
            oversight_reference = await _oversight_reference(session, reference, supervisors)
            calendar = await load_calendar(session)
        timer.lap("reference")

    clocks = ClockMath(
        calendar,
        (now - timedelta(days=365 * YEARS + 60)).date(),
        (now + timedelta(days=400)).date(),
    )
    async with harness.connection(
        options.url,
        server_settings={
            "session_replication_role": "replica",
            "synchronous_commit": "off",
            "maintenance_work_mem": "1GB",
            "max_parallel_maintenance_workers": "2",
            "timezone": "UTC",
        },
    ) as conn:
        indexes = await _drop_secondary_indexes(conn)
        timer.lap("drop_indexes")
        factory = PetitionFactory(reference, rng, clocks)
        done = 0
        started = time.perf_counter()
        while done < options.petitions:
            size = min(options.batch_size, options.petitions - done)
            batch = factory.batch(size)
            await _copy(conn, "petition", PETITION_COLUMNS, batch.petition_tuples())
            await _copy(conn, "petitioner", PETITIONER_COLUMNS, batch.petitioners)
            await _copy(conn, "referral", REFERRAL_COLUMNS, batch.referrals)
            await _copy(conn, "referral_answer", ANSWER_COLUMNS, batch.answers)
            await _copy(conn, "public_answer", PUBLIC_ANSWER_COLUMNS, batch.public_answers)
            done += size
            rate = done / (time.perf_counter() - started)
            timer.say(f"    {done:,} petitions ({rate:,.0f}/s)")
        await _tracking_sequences(conn, factory.sequences)
        timer.lap("copy_petitions")

        entries, evidence = options.report_size
        oversight = OversightFactory(oversight_reference, rng, clocks).build(
            sessions=options.sessions,
            entries_per_session=20,
            evidence_per_session=5,
            report_entries=entries,
            report_evidence=evidence,
        )
        for table, columns, rows in (
            ("supervision_plan", PLAN_COLUMNS, oversight.plans),
            ("supervision_plan_agency", PLAN_AGENCY_COLUMNS, oversight.plan_agencies),
            ("supervision_plan_member", PLAN_MEMBER_COLUMNS, oversight.members),
            ("supervision_session", SESSION_COLUMNS, oversight.sessions),
            ("supervision_attendance", ATTENDANCE_COLUMNS, oversight.attendance),
            ("supervision_log_entry", LOG_COLUMNS, oversight.log_entries),
            ("evidence", EVIDENCE_COLUMNS, oversight.evidence),
            ("supervision_evidence", SUPERVISION_EVIDENCE_COLUMNS, oversight.supervision_evidence),
            ("supervision_finding", FINDING_COLUMNS, oversight.findings),
            ("supervision_recommendation", RECOMMENDATION_COLUMNS, oversight.recommendations),
            ("referral", RECOMMENDATION_REFERRAL_COLUMNS, oversight.referrals),
        ):
            await _copy(conn, table, columns, rows)
        timer.lap("copy_oversight")

        await _histories(conn)
        timer.lap("history_sql")
        for statement in REBUILD_STATEMENTS:  # the dashboard summary (its triggers are off here)
            await conn.execute(statement)
        timer.lap("dashboard_counts")
        for definition in indexes:
            await conn.execute(definition)
        timer.lap("create_indexes")
        for table in BULK_TABLES:
            await conn.execute(f"VACUUM (ANALYZE) {table}")
        await conn.execute("ANALYZE")
        timer.lap("vacuum_analyze")
        counts = await _counts(conn)
        counts["petition_status"] = dict(factory.counts)
        counts["clock_memo_hits"] = clocks.memoised
        counts["clock_direct"] = clocks.direct
    return counts


# -- reference data ----------------------------------------------------------------------------


async def _reference(
    session: AsyncSession,
    settings: Settings,
    client_id: Any,
    now: datetime,
    rng: random.Random,
) -> Reference:
    units = []
    for code, name in await communes(session):
        # Wards (phường) are denser than communes; each unit gets its own weight.
        weight = rng.lognormvariate(0, 0.5) * (2.0 if name.startswith("Phường") else 1.0)
        latitude, longitude = unit_point(code)
        units.append(Unit(code, name, weight, latitude, longitude))
    categories = await active_categories(session)
    agencies = (
        await session.execute(sa.text("SELECT id, name, code FROM agency WHERE active"))
    ).all()
    routing: dict[tuple[str, str], Any] = {}
    for category in categories:
        for unit in units:
            agency = await suggest_agency(session, category, unit.code)
            routing[(category, unit.code)] = agency.id if agency is not None else None
    rules = {}
    for kind in ItemKind:
        for urgency in Urgency:
            for step in DeadlineStep:
                try:
                    rules[(kind.value, urgency.value, step.value)] = await rule_for(
                        session, kind, urgency, step
                    )
                except LookupError:
                    continue
    city = next((row.id for row in agencies if row.code == "ubnd-01"), agencies[0].id)
    return Reference(
        units=units,
        categories=categories,
        routing=routing,
        agency_ids=[row.id for row in agencies],
        agency_names={row.id: row.name for row in agencies},
        fallback_agency_id=city,
        rules=rules,
        client_id=client_id,
        settings=settings,
        now=now,
    )


async def _oversight_reference(
    session: AsyncSession, reference: Reference, supervisors: list[Any]
) -> OversightReference:
    kind = ItemKind.supervision_recommendation
    return OversightReference(
        unit_codes=[unit.code for unit in reference.units],
        agencies=list(reference.agency_names.items()),
        supervisors=supervisors,
        acceptance=await rule_for(session, kind, Urgency.normal, DeadlineStep.acceptance),
        answer=await rule_for(session, kind, Urgency.normal, DeadlineStep.answer),
        now=reference.now,
    )


# -- loading -----------------------------------------------------------------------------------


async def _drop_secondary_indexes(conn: asyncpg.Connection) -> list[str]:
    """Drop the indexes of the bulk tables that back no constraint; return their DDL."""
    rows = await conn.fetch(
        """
        SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl
          FROM pg_index i
          JOIN pg_class t ON t.oid = i.indrelid
         WHERE t.relname = ANY($1::text[])
           AND t.relnamespace = 'public'::regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        list(BULK_TABLES),
    )
    for row in rows:
        await conn.execute(f"DROP INDEX {row['name']}")
    # A partitioned table's index reads "ON ONLY <table>": rebuilt so, its partitions would
    # have none; rebuild it on the whole table.
    return [row["ddl"].replace(" ON ONLY ", " ON ", 1) for row in rows]


_checked: set[tuple[str, tuple[str, ...]]] = set()


async def _check_columns(conn: asyncpg.Connection, table: str, columns: Sequence[str]) -> None:
    """Fail early and clearly when the schema has a required column the generator does not
    fill (another package changed its table)."""
    key = (table, tuple(columns))
    if key in _checked:
        return
    rows = await conn.fetch(
        """
        SELECT column_name, is_nullable, column_default, is_identity
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1
        """,
        table,
    )
    if not rows:
        raise RuntimeError(f"table {table} does not exist: are all migrations applied?")
    known = {row["column_name"] for row in rows}
    unknown = [name for name in columns if name not in known]
    required = [
        row["column_name"]
        for row in rows
        if row["is_nullable"] == "NO"
        and row["column_default"] is None
        and row["is_identity"] != "YES"
        and row["column_name"] not in columns
    ]
    if unknown or required:
        raise RuntimeError(
            f"the generator's columns for {table} are out of date: unknown {unknown}, "
            f"required but not filled {required}"
        )
    _checked.add(key)


async def _copy(
    conn: asyncpg.Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    await _check_columns(conn, table, columns)
    if rows:
        await conn.copy_records_to_table(table, records=rows, columns=list(columns))


async def _tracking_sequences(conn: asyncpg.Connection, sequences: dict[int, int]) -> None:
    """Move each year's sequence (``tracking_number``, migration 0250) past the numbers the
    generated petitions use, never backwards."""
    for year, last in sorted(sequences.items()):
        await conn.fetchval("SELECT tracking_number('HN', $1)", year)
        await conn.execute(
            f"SELECT setval('tracking_hn_{int(year)}', greatest($1::bigint, last_value)) "
            f"FROM tracking_hn_{int(year)}",
            last,
        )


# The history rows, written on the server from the petitions and referrals just loaded.
_PETITION_EVENTS = [
    # receipt
    (
        "SELECT id, created_at, 'client', NULL, 'receive', NULL, 'received', true, "
        "replace($1, '{code}', tracking_code) FROM petition",
        messages.RECEIVED,
    ),
    (
        "SELECT id, clock_paused_at, 'staff', 'front_officer', 'request_info', 'received', "
        "'needs_info', true, $1 FROM petition WHERE status = 'needs_info'",
        messages.REQUEST_INFO.format(question="Đề nghị cung cấp địa chỉ cụ thể."),
    ),
    (
        "SELECT p.id, coalesce(r.created_at - interval '10 minutes', p.created_at + "
        "interval '1 minute'), 'staff', 'front_officer', 'accept', 'received', 'accepted', "
        "true, $1 FROM petition p LEFT JOIN referral r ON r.id = p.referral_id "
        "WHERE p.status IN ('accepted', 'referred', 'in_progress', 'answered', 'closed', "
        "'reopened')",
        messages.ACCEPT,
    ),
    (
        "SELECT p.id, r.created_at, 'staff', 'front_officer', 'refer', 'accepted', 'referred', "
        "true, $1 FROM petition p JOIN referral r ON r.id = p.referral_id",
        messages.REFER.format(agency="cơ quan có thẩm quyền"),
    ),
    (
        "SELECT p.id, r.acknowledged_at, 'system', NULL, 'acknowledge', 'referred', "
        "'in_progress', true, $1 FROM petition p JOIN referral r ON r.id = p.referral_id "
        "WHERE r.acknowledged_at IS NOT NULL",
        messages.ACKNOWLEDGE.format(agency="Cơ quan có thẩm quyền"),
    ),
    (
        "SELECT id, answered_at, 'system', NULL, 'publish_answer', 'in_progress', 'answered', "
        "true, $1 FROM petition WHERE answered_at IS NOT NULL",
        messages.PUBLISH_ANSWER,
    ),
    (
        "SELECT id, closed_at, 'system', NULL, 'close', 'answered', 'closed', true, $1 "
        "FROM petition WHERE status = 'closed'",
        messages.CLOSE,
    ),
    (
        "SELECT p.id, r.clock_started_at, 'system', NULL, 'reopen', 'answered', 'reopened', "
        "true, $1 FROM petition p JOIN referral r ON r.id = p.referral_id "
        "WHERE p.status = 'reopened'",
        messages.REOPEN,
    ),
    (
        "SELECT id, clock_stopped_at, 'staff', 'front_officer', 'reject', 'accepted', "
        "'rejected', true, replace($1, '{reason}', reject_reason) FROM petition "
        "WHERE status = 'rejected'",
        messages.REJECT,
    ),
    (
        "SELECT id, clock_stopped_at, 'citizen', NULL, 'withdraw', 'received', 'withdrawn', "
        "true, $1 FROM petition WHERE status = 'withdrawn'",
        messages.WITHDRAW,
    ),
    (
        "SELECT p.id, p.clock_stopped_at, 'staff', 'front_officer', 'merge', 'received', "
        "'merged', true, replace($1, '{code}', l.tracking_code) FROM petition p "
        "JOIN petition l ON l.id = p.merged_into_id",
        messages.MERGE,
    ),
]
_REFERRAL_HISTORY = [
    ("created_at", "create", None, "sent", "true"),
    ("acknowledged_at", "acknowledge", "sent", "acknowledged", "true"),
    ("answered_at", "submit_answer", "acknowledged", "answer_submitted", "false"),
    ("published_at", "publish", "answer_accepted", "published", "true"),
    ("closed_at", "close", "published", "closed", "true"),
]


async def _histories(conn: asyncpg.Connection) -> None:
    for select, message in _PETITION_EVENTS:
        await conn.execute(
            "INSERT INTO petition_event (petition_id, at, actor_kind, actor_role, action, "
            "from_status, to_status, citizen_visible, citizen_message) " + select,
            message,
        )
    for column, action, from_state, to_state, visible in _REFERRAL_HISTORY:
        source = "NULL" if from_state is None else f"'{from_state}'"
        await conn.execute(
            "INSERT INTO referral_history (referral_id, at, actor_type, action, from_state, "
            f"to_state, visible_to_citizen) SELECT id, {column}, 'system', '{action}', {source}, "
            f"'{to_state}', {visible} FROM referral WHERE {column} IS NOT NULL"
        )


async def _counts(conn: asyncpg.Connection) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for table in (*BULK_TABLES, "audit_event", "outbox"):
        counts[table] = await conn.fetchval(f"SELECT count(*) FROM {table}")
    counts["open_petitions"] = await conn.fetchval(
        "SELECT count(*) FROM petition WHERE status NOT IN "
        "('rejected', 'closed', 'withdrawn', 'merged')"
    )
    counts["petition_clocks"] = dict(
        await conn.fetch("SELECT deadline_status, count(*) FROM petition GROUP BY 1")  # type: ignore[arg-type]
    )
    counts["referral_clocks"] = dict(
        await conn.fetch("SELECT deadline_status, count(*) FROM referral GROUP BY 1")  # type: ignore[arg-type]
    )
    counts["database_bytes"] = await conn.fetchval("SELECT pg_database_size(current_database())")
    return counts
