"""Sustained intake load: what a citizen-facing app sends, from many concurrent clients.

``intake_bodies`` builds realistic ``POST /api/v1/petitions`` bodies (mostly anonymous or
identified feedback, complaints with a full identity, a few denunciations, coordinates for
half of them). ``run_http`` keeps ``clients`` requests in flight over one ``httpx``
connection pool for a fixed time or count (both bounded), drops the warm-up, and records
every latency. ``LockSampler`` looks at ``pg_stat_activity`` a few times a second to show
where the database's sessions wait.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench import harness
from bench import vocabulary as vocab
from bench.petition_rows import CATEGORY_WEIGHTS, unit_point

HARD_TIMEOUT_MARGIN_S = 60.0


def intake_bodies(
    units: list[tuple[str, str]], categories: list[str], count: int, seed: int = 7
) -> list[dict[str, Any]]:
    """``count`` different petition bodies over the given (code, name) units."""
    rng = random.Random(seed)
    weights = [CATEGORY_WEIGHTS.get(c, 0.02) for c in categories]
    bodies = []
    for _ in range(count):
        code, name = rng.choice(units)
        category = rng.choices(categories, weights=weights)[0]
        title, description = vocab.petition_text(rng, category, name)
        roll = rng.random()
        kind = (
            "feedback"
            if roll < 0.6
            else "recommendation"
            if roll < 0.8
            else "complaint"
            if roll < 0.95
            else "denunciation"
        )
        body: dict[str, Any] = {
            "kind": kind,
            "category": category,
            "title": title,
            "description": description,
            "unit_code": code,
            "channel": rng.choice(["app", "zalo", "web"]),
            "consent_to_process": True,
            "consent_to_publish": rng.random() < 0.6,
        }
        if rng.random() < 0.5:
            lat, lon = unit_point(code)
            body["latitude"] = round(lat + rng.uniform(-0.005, 0.005), 6)
            body["longitude"] = round(lon + rng.uniform(-0.005, 0.005), 6)
        if kind in ("complaint", "denunciation") or rng.random() < 0.6:
            body["petitioner"] = {
                "full_name": vocab.person_name(rng),
                "phone": f"09{rng.randrange(10**8):08d}",
                "national_id": f"001{rng.randrange(10**9):09d}",
                "address": f"Số {rng.randint(1, 200)} {rng.choice(vocab.STREETS)}, Hà Nội",
            }
        bodies.append(body)
    return bodies


@dataclass
class LoadRun:
    clients: int
    duration_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    sample_error: str | None = None

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def per_second(self) -> float:
        return round(self.ok / self.duration_s, 1) if self.duration_s else 0.0


@dataclass
class Load:
    """The shape of an HTTP load: ``clients`` requests in flight for ``duration_s`` after a
    ``warmup_s`` that is not measured, or until ``max_requests`` (the intake benchmark's
    options extend it)."""

    clients: int = 64
    duration_s: float = 30.0
    warmup_s: float = 3.0
    max_requests: int | None = None


async def run_http(
    base_url: str, api_key: str, bodies: list[dict[str, Any]], load: Load
) -> LoadRun:
    """POST petitions from ``load.clients`` concurrent clients; measured after the warm-up."""
    clients, duration_s, warmup_s = load.clients, load.duration_s, load.warmup_s
    max_requests = load.max_requests
    encoded = [json.dumps(body, ensure_ascii=False).encode() for body in bodies]
    cycle = itertools.cycle(encoded)
    run = LoadRun(clients=clients)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    sent = 0
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=httpx.Timeout(60.0)
    ) as client:
        started = time.perf_counter()
        measure_from = started + warmup_s
        deadline = measure_from + duration_s

        async def one_client() -> None:
            nonlocal sent
            while time.perf_counter() < deadline:
                if max_requests is not None and sent >= max_requests:
                    return
                sent += 1
                headers = {
                    "X-API-Key": api_key,
                    "Idempotency-Key": uuid.uuid4().hex,
                    "Content-Type": "application/json",
                }
                begin = time.perf_counter()
                try:
                    response = await client.post(
                        "/api/v1/petitions", content=next(cycle), headers=headers
                    )
                except httpx.HTTPError as exc:
                    if begin >= measure_from:
                        run.errors[type(exc).__name__] += 1
                    continue
                elapsed = time.perf_counter() - begin
                if begin < measure_from:
                    continue
                run.statuses[response.status_code] += 1
                if response.status_code < 300:
                    run.latencies_s.append(elapsed)
                elif run.sample_error is None:
                    run.sample_error = f"{response.status_code} {response.text[:500]}"

        tasks = [asyncio.create_task(one_client()) for _ in range(clients)]
        await asyncio.wait_for(
            asyncio.gather(*tasks), timeout=warmup_s + duration_s + HARD_TIMEOUT_MARGIN_S
        )
        run.duration_s = round(time.perf_counter() - max(measure_from, started), 3)
    return run


class LockSampler:
    """Counts, a few times a second, what the active sessions of one database wait for."""

    def __init__(self, url: str, database: str, interval_s: float = 0.25) -> None:
        self.url = url
        self.database = database
        self.interval_s = interval_s
        self.samples = 0
        self.waits: Counter[str] = Counter()
        self.active = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LockSampler:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=10)

    async def _run(self) -> None:
        async with harness.connection(self.url) as conn:
            while not self._stop.is_set():
                rows = await conn.fetch(
                    """
                    SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') AS what,
                           count(*) AS n
                      FROM pg_stat_activity
                     WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()
                     GROUP BY 1
                    """,
                    self.database,
                )
                self.samples += 1
                for row in rows:
                    self.waits[row["what"]] += row["n"]
                    self.active += row["n"]
                try:
                    await asyncio.wait_for(self._stop.wait(), timeout=self.interval_s)
                except TimeoutError:
                    continue

    def summary(self) -> dict[str, Any]:
        """Mean active sessions, and the share of them in each wait state."""
        if not self.samples:
            return {}
        shares = {
            what: round(n / self.active, 3) for what, n in self.waits.most_common(6) if self.active
        }
        return {
            "samples": self.samples,
            "mean_active_sessions": round(self.active / self.samples, 2),
            "wait_shares": shares,
        }
