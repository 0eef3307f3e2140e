"""Benchmark 1: sustained intake, ``POST /api/v1/petitions``, against raw inserts.

The API side: ``giamsat serve --workers N`` (a subprocess on 127.0.0.1 against the bench
database, storage local, broker ``stub``: intake writes the outbox table, it never talks to a
broker), 64 concurrent clients in this process for a fixed time after a warm-up. Everything
the endpoint does is included: API-key check and rate limit, validation, the idempotency key,
the tracking number, routing suggestion, the routing clock (policy + calendar, from the
reference cache), the petition, petitioner and history rows, the audit event and the outbox
rows (the duplicate search runs later, in its job).

The baseline: what the hardware does for the same rows, written by raw asyncpg in one
process with the same concurrency over a pool of 20 connections (what one API worker's
SQLAlchemy pool may open): the statements the endpoint sends (idempotency key claimed and
answered, tracking number from the year's sequence, petition with its clock, petitioner,
history event, its two outbox jobs, audit event), one transaction per petition, reference
data cached in memory, on the same machine in the same run. ``API / raw`` is the ratio the
target is about. The API's CPU per petition (API process CPU time / petitions filed while
measured) is the cost figure; its target is read at 1 client (``--clients 1``).

The petitions filed by a run are deleted afterwards (``bench.cleanup``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from bench import harness, principals
from bench.cleanup import remove_intake_rows
from bench.clocks import ClockMath
from bench.load import Load, LoadRun, LockSampler, intake_bodies, run_http
from bench.reference import active_categories, communes
from bench.servers import CpuMeter, api_server, process_tree
from service.auth.secrets import split_api_key
from service.db import session_factory, session_scope
from service.deadlines.clock import DeadlineRule
from service.deadlines.models import DeadlineStep, ItemKind, Urgency
from service.deadlines.policy import rule_for
from service.directory.calendar import load_calendar
from service.directory.routing import suggest_agency
from service.petitions.confidential import Identity, encrypt_identity, encrypt_json
from service.settings import Settings

TARGET_RATIO = 0.5
# p99 targets by concurrency (issue 11): < 250 ms at 16 clients, < 1 s at 64.
TARGET_P99_MS = {16: 250.0, 64: 1000.0}
TARGET_API_CPU_MS = 3.0
BASELINE_POOL = 20
BODIES = 2000


@dataclass
class IntakeOptions(Load, harness.OnDatabase):
    workers: int = 2
    baseline: bool = True


@dataclass
class Setup:
    units: list[tuple[str, str]]
    categories: list[str]
    api_key: str
    client_id: uuid.UUID
    routing: dict[tuple[str, str], uuid.UUID | None]
    rules: dict[tuple[str, str], DeadlineRule]
    clocks: ClockMath


async def prepare(url: str, purpose: str, *, with_reference: bool = True) -> Setup:
    """An API client for this run, and the reference data the raw baseline caches."""
    async with harness.engine(url) as engine:
        sessions = session_factory(engine)
        async with session_scope(sessions) as session:
            client, key = await principals.new_api_client(session, purpose)
        async with sessions() as session:
            units = await communes(session)
            categories = await active_categories(session)
            routing: dict[tuple[str, str], uuid.UUID | None] = {}
            rules: dict[tuple[str, str], DeadlineRule] = {}
            now = datetime.now(UTC)
            calendar = await load_calendar(session)
            if with_reference:
                for category in categories:
                    for code, _ in units:
                        agency = await suggest_agency(session, category, code)
                        routing[(category, code)] = agency.id if agency else None
                for kind in ("feedback", "recommendation", "complaint", "denunciation"):
                    for urgency in Urgency:
                        rules[(kind, urgency.value)] = await rule_for(
                            session, ItemKind(kind), urgency, DeadlineStep.routing
                        )
    clocks = ClockMath(
        calendar, (now - timedelta(days=30)).date(), (now + timedelta(days=60)).date()
    )
    return Setup(units, categories, key, client.id, routing, rules, clocks)


def p99_target_ms(clients: int) -> float:
    return TARGET_P99_MS[16] if clients <= 16 else TARGET_P99_MS[64]


def warm_up(base_url: str, api_key: str, bodies: list[dict[str, Any]], count: int) -> None:
    """A few sequential requests so every worker has imported, connected and cached."""
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for body in bodies[:count]:
            response = client.post(
                "/api/v1/petitions",
                json=body,
                headers={"X-API-Key": api_key, "Idempotency-Key": uuid.uuid4().hex},
            )
            if response.status_code != 201:
                raise RuntimeError(f"intake failed: {response.status_code} {response.text[:800]}")


async def measure_http(
    options: IntakeOptions, server_pid: int, base_url: str, api_key: str, bodies: list[Any]
) -> tuple[LoadRun, dict[str, Any], dict[str, Any]]:
    filed_before = await _petitions_of(options.url, api_key)
    meter = CpuMeter()
    server_pids = process_tree(server_pid)
    meter.track(server_pids)
    backends = await _backend_pids(options.url, options.database)
    meter.track(backends)
    own_start = time.process_time()
    async with LockSampler(options.url, options.database) as sampler:
        run = await run_http(base_url, api_key, bodies, options)
    backends = sorted(set(backends) | set(await _backend_pids(options.url, options.database)))
    wall = meter.wall()
    api_seconds = meter.seconds(server_pids)
    # Every petition filed while the meter ran (the warm-up's too: its CPU is counted).
    filed = await _petitions_of(options.url, api_key) - filed_before
    cpu = {
        "wall_seconds": round(wall, 2),
        "machine_busy_share": meter.machine_busy_share(),
        "api_processes_cores": round(api_seconds / wall, 2),
        "petitions_filed": filed,
        "api_cpu_ms_per_petition": round(1000 * api_seconds / filed, 2) if filed else None,
        "postgres_backends_cores": round(meter.seconds(backends) / wall, 2),
        "load_generator_cores": round((time.process_time() - own_start) / wall, 2),
    }
    return run, cpu, sampler.summary()


async def _petitions_of(url: str, api_key: str) -> int:
    prefix = split_api_key(api_key)
    async with harness.connection(url) as conn:
        count = await conn.fetchval(
            "SELECT count(*) FROM petition p JOIN api_client c ON c.id = p.client_id "
            "WHERE c.key_prefix = $1",
            prefix,
        )
    return int(count)


async def _backend_pids(url: str, database: str) -> list[int]:
    async with harness.connection(url) as conn:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    return [row["pid"] for row in rows]


def http_figures(run: LoadRun) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "requests_ok": run.ok,
        "requests_per_second": run.per_second,
        "measured_seconds": run.duration_s,
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "transport_errors": dict(run.errors),
    }
    if run.latencies_s:
        figures["latency"] = harness.latency_ms(run.latencies_s)
    if run.sample_error:
        figures["sample_error"] = run.sample_error
    return figures


# -- the raw baseline --------------------------------------------------------------------------


PETITION_INSERT = """
INSERT INTO petition (id, tracking_code, secret_hash, kind, category_code, title, description,
  unit_code, latitude, longitude, channel, urgency, status, identified, client_id,
  notify_channel, consent_process, consent_publish, consent_recorded_at, suggested_agency_id,
  bounce_count, reopen_count, raised_by_count, evidence_count, version, created_at, updated_at,
  deadline_step, deadline_rule, clock_started_at, clock_pauses, due_at, warn_at,
  deadline_status, extensions)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'normal', 'received', $12, $13,
  'webhook', true, $14, $15, $16, 0, 0, 1, 0, 1, $15, $15, 'routing', $17, $15, '[]', $18, $19,
  'running', '[]')
"""
OUTBOX_INSERT = """
INSERT INTO outbox (job_name, payload, queue, available_at, state, attempts, dedupe_key)
VALUES ($1, $2, $3, now(), 'pending', 0, $4) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id
"""


async def raw_intake(
    pool: asyncpg.Pool, setup: Setup, settings: Settings, body: dict[str, Any]
) -> None:
    """One petition in one transaction, the statements the endpoint sends (idempotency key
    claimed and answered, tracking number from the year's sequence, petition with its clock,
    petitioner, history event, its two outbox jobs, audit event), reference data cached."""
    now = datetime.now(UTC)
    key = uuid.uuid4().hex
    request_hash = hashlib.sha256(
        json.dumps({"endpoint": "POST /api/v1/petitions", "body": body}, sort_keys=True).encode()
    ).hexdigest()
    petition_id = uuid.uuid4()
    secret = secrets.token_urlsafe(16)
    rule = setup.rules[(body["kind"], "normal")]
    due, warn = setup.clocks.times(now, rule)
    person = body.get("petitioner")
    year = (now + timedelta(hours=7)).year
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "DELETE FROM idempotency_key WHERE client_id = $1 AND key = $2 "
            "AND created_at < now() - interval '24 hours'",
            setup.client_id,
            key,
        )
        key_id = await conn.fetchval(
            "INSERT INTO idempotency_key (client_id, key, endpoint, request_hash) "
            "VALUES ($1, $2, 'POST /api/v1/petitions', $3) "
            "ON CONFLICT (client_id, key) DO NOTHING RETURNING id",
            setup.client_id,
            key,
            request_hash,
        )
        number = await conn.fetchval("SELECT tracking_number('HN', $1)", year)
        code = f"HN-{year}-{number:06d}"
        await conn.execute(
            PETITION_INSERT,
            petition_id,
            code,
            hashlib.sha256(secret.encode()).hexdigest(),
            body["kind"],
            body["category"],
            body["title"],
            body["description"],
            body["unit_code"],
            body.get("latitude"),
            body.get("longitude"),
            body["channel"],
            person is not None,
            setup.client_id,
            body["consent_to_publish"],
            now,
            setup.routing.get((body["category"], body["unit_code"])),
            json.dumps(rule.as_json()),
            due,
            warn,
        )
        if person is not None:
            if body["kind"] == "denunciation":
                cipher = encrypt_identity(settings, Identity(**person))
                values: tuple[Any, ...] = (None, None, None, None, None, cipher)
            else:
                values = (
                    person["full_name"],
                    person["phone"],
                    None,
                    person["national_id"],
                    person["address"],
                    None,
                )
            await conn.execute(
                "INSERT INTO petitioner (petition_id, full_name, phone, email, national_id, "
                "address, identity_ciphertext, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                petition_id,
                *values,
                now,
            )
        event_id = await conn.fetchval(
            "INSERT INTO petition_event (petition_id, at, actor_kind, actor_id, action, "
            "to_status, citizen_visible, citizen_message, data) "
            "VALUES ($1, $2, 'client', $3, 'receive', 'received', true, $4, '{}') RETURNING id",
            petition_id,
            now,
            str(setup.client_id),
            f"Đơn của bạn đã được tiếp nhận với mã {code}.",
        )
        await conn.fetchval(
            OUTBOX_INSERT,
            "petitions.suggest_duplicates",
            json.dumps({"petition_id": str(petition_id)}),
            "default",
            f"petition-duplicates:{petition_id}",
        )
        await conn.fetchval(
            OUTBOX_INSERT,
            "petitions.notify",
            json.dumps({"petition_id": str(petition_id), "event_id": event_id}),
            "notifications",
            f"petition-notify:{petition_id}:{event_id}",
        )
        await conn.execute(
            "INSERT INTO audit_event (occurred_at, actor_type, actor_id, action, entity_type, "
            "entity_id, after) VALUES ($1, 'client', $2, 'petition.received', 'petition', $3, $4)",
            now,
            str(setup.client_id),
            str(petition_id),
            json.dumps(
                {"tracking_code": code, "status": "received", "unit_code": body["unit_code"]}
            ),
        )
        response = {"id": str(petition_id), "tracking_code": code, "tracking_secret": secret}
        await conn.execute(
            "UPDATE idempotency_key SET response_status = 201, response_body_encrypted = $2, "
            "petition_id = $3 WHERE id = $1",
            key_id,
            encrypt_json(settings, response),
            petition_id,
        )


async def run_raw(options: IntakeOptions, setup: Setup, bodies: list[dict[str, Any]]) -> LoadRun:
    settings = Settings(database_url=options.url)
    run = LoadRun(clients=options.clients)
    pool = await asyncpg.create_pool(
        options.url, min_size=BASELINE_POOL, max_size=BASELINE_POOL, command_timeout=60
    )
    assert pool is not None
    sent = 0
    failures: Counter[str] = Counter()
    try:
        started = time.perf_counter()
        measure_from = started + options.warmup_s
        deadline = measure_from + options.duration_s

        async def one_client(offset: int) -> None:
            nonlocal sent
            index = offset
            while time.perf_counter() < deadline:
                if options.max_requests is not None and sent >= options.max_requests:
                    return
                sent += 1
                body = bodies[index % len(bodies)]
                index += options.clients
                begin = time.perf_counter()
                try:
                    await raw_intake(pool, setup, settings, body)
                except asyncpg.PostgresError as exc:
                    failures[type(exc).__name__] += 1
                    continue
                if begin >= measure_from:
                    run.statuses[201] += 1
                    run.latencies_s.append(time.perf_counter() - begin)

        await asyncio.wait_for(
            asyncio.gather(*(one_client(i) for i in range(options.clients))),
            timeout=options.warmup_s + options.duration_s + 60,
        )
        run.duration_s = round(time.perf_counter() - measure_from, 3)
        run.errors.update(failures)
    finally:
        await pool.close()
    return run


# -- the benchmark -----------------------------------------------------------------------------


def removing_intake_rows(
    run: Callable[[harness.Options], harness.BenchResult], options: harness.Options
) -> harness.BenchResult:
    """Run an intake benchmark, then delete the petitions it created (also when it fails)."""
    try:
        result = run(options)
    finally:
        removed = asyncio.run(remove_intake_rows(options.url))
    result.parameters["petitions_removed_after_run"] = removed
    return result


def run_intake(options: IntakeOptions) -> harness.BenchResult:
    return removing_intake_rows(_run_intake, options)


def _run_intake(options: IntakeOptions) -> harness.BenchResult:
    setup = asyncio.run(prepare(options.url, "bench intake"))
    bodies = intake_bodies(setup.units, setup.categories, BODIES)
    with api_server(options.url, workers=options.workers) as server:
        warm_up(server.base_url, setup.api_key, bodies, 4 * options.workers)
        run, cpu, waits = asyncio.run(
            measure_http(options, server.pid, server.base_url, setup.api_key, bodies)
        )
    result = options.result(
        "intake",
        {
            "api_workers": options.workers,
            "clients": options.clients,
            "duration_s": options.duration_s,
            "warmup_s": options.warmup_s,
            "baseline_pool": BASELINE_POOL,
        },
        figures={"api": {**http_figures(run), "cpu": cpu, "database_waits": waits}},
        notes=[
            "raw asyncpg: the endpoint's statements in one transaction per petition (tracking "
            "number from the year's sequence, both outbox jobs), reference data cached, a pool "
            f"of {BASELINE_POOL}, run after the API in the same process and on the same database"
        ],
    )
    if options.baseline:
        raw = asyncio.run(run_raw(options, setup, bodies))
        result.baseline = {"raw_asyncpg": http_figures(raw)}
        result.ratios = {"api_vs_raw_throughput": harness.ratio(run.per_second, raw.per_second)}
        result.targets.append(
            harness.Target(
                "intake req/s >= 0.5 x raw asyncpg",
                result.ratios["api_vs_raw_throughput"],
                TARGET_RATIO,
                higher_is_better=True,
            )
        )
    latency = result.figures["api"].get("latency")
    result.targets.append(
        harness.Target(
            f"intake p99 latency (ms) under {options.clients} clients",
            latency["p99_ms"] if latency else None,
            p99_target_ms(options.clients),
        )
    )
    if options.clients == 1:
        result.targets.append(
            harness.Target(
                "API CPU per petition (ms), 1 client",
                cpu["api_cpu_ms_per_petition"],
                TARGET_API_CPU_MS,
            )
        )
    return result


def print_intake(result: harness.BenchResult) -> None:
    rows = []
    api = result.figures["api"]
    rows.append(_row(f"API ({result.parameters['api_workers']} workers)", api))
    if "raw_asyncpg" in result.baseline:
        rows.append(_row("raw asyncpg (baseline)", result.baseline["raw_asyncpg"]))
    harness.print_table(
        f"Intake: POST /api/v1/petitions, {result.parameters['clients']} concurrent clients",
        rows,
        ("path", "ok", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"),
    )
    cpu = api["cpu"]
    harness.print_table(
        "CPU during the API run (cores used)",
        [(k, v) for k, v in cpu.items()],
        ("measure", "value"),
    )
    if api.get("database_waits"):
        waits = api["database_waits"]
        harness.print_table(
            "Database sessions during the API run",
            [("mean active sessions", waits["mean_active_sessions"])]
            + [(f"share {k}", v) for k, v in waits["wait_shares"].items()],
            ("measure", "value"),
        )
    if result.ratios:
        harness.print_table("Ratios", list(result.ratios.items()), ("ratio", "value"))


def _row(name: str, figures: dict[str, Any]) -> tuple[Any, ...]:
    latency = figures.get("latency", {})
    errors = sum(v for k, v in figures["statuses"].items() if not k.startswith("2"))
    errors += sum(figures["transport_errors"].values())
    return (
        name,
        figures["requests_ok"],
        figures["requests_per_second"],
        latency.get("p50_ms"),
        latency.get("p95_ms"),
        latency.get("p99_ms"),
        errors,
    )
