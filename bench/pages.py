"""Benchmark: the console's pages at a million petitions, through HTTP.

``giamsat serve`` (one worker, a subprocess on 127.0.0.1 against the bench database) serves
the pages to one client on one keep-alive connection, logged in through the console's own
login form (its CSRF token, its session cookie) as a ward Front officer of the busiest ward,
a city Front officer and a People's Council reader. Each request's time is measured by the
client from the request sent to the last byte of the page read: the server's time plus one
loopback round trip (well under a millisecond), so it is an upper bound of the server time.

The pages are the ones an officer opens all day: the work queue (its default tab, with its
counts per tab), the queue searched, the petition page (a different open petition of the ward
each run, so no run is served warm by the one before) and the dashboard (its default twelve
months, the city's and the ward's), as served (its figures kept five minutes per scope and
period: ``service.web.dashboard.cache``) and computed on every view by a second server with
that cache off. Target: p95 < 150 ms each (the console issue).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import httpx
import sqlalchemy as sa

from bench import harness, principals
from bench.servers import api_server
from service.auth.models import Role
from service.db import session_factory
from service.petitions.models import OPEN_STATUSES

TARGET_P95_MS = 150.0
WARD_OFFICER = "bench-front-ward"
COUNCIL_READER = "bench-council"


@dataclass
class PagesOptions(harness.Repeated):
    """The runs and the budget are per page."""


@dataclass
class Page:
    name: str
    who: str  # which logged-in client asks
    paths: list[str]  # cycled through, one a run
    computed: bool = False  # served with the dashboard's figures cache off
    samples: list[float] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)
    bytes: int = 0


async def _prepare(url: str) -> tuple[str, list[uuid.UUID]]:
    """The busiest ward, its officer and open petitions, and a council reader."""
    async with harness.engine(url) as engine, session_factory(engine)() as session:
        unit = (
            await session.execute(
                sa.text("SELECT unit_code FROM petition GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
            )
        ).scalar_one()
        await principals.ensure_staff(session, WARD_OFFICER, Role.front_officer, unit_code=unit)
        await principals.ensure_staff(session, principals.CITY_OFFICER, Role.front_officer)
        await principals.ensure_staff(session, COUNCIL_READER, Role.council_reader)
        await session.commit()
        petitions = (
            await session.execute(
                sa.text(
                    "SELECT id FROM petition WHERE unit_code = :unit "
                    "AND status = ANY(:open) ORDER BY random() LIMIT 100"
                ),
                {"unit": unit, "open": [status.value for status in OPEN_STATUSES]},
            )
        ).scalars()
        return str(unit), list(petitions)


async def _logged_in(base_url: str, username: str) -> httpx.AsyncClient:
    """A client holding the console cookie, got through the login form like a browser."""
    client = httpx.AsyncClient(base_url=base_url, timeout=60.0)
    login = await client.get("/console/login")
    login.raise_for_status()
    token = client.cookies.get("csrftoken")
    answer = await client.post(
        "/console/login",
        data={"username": username, "password": principals.PASSWORD, "next": "/console"},
        headers={"x-csrftoken": token or ""},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"login of {username} answered {answer.status_code}")
    return client


async def _measure(client: httpx.AsyncClient, page: Page, options: PagesOptions) -> None:
    await client.get(page.paths[0])  # warm-up: templates compiled, statements prepared
    deadline = time.perf_counter() + options.budget_s
    for index in range(max(options.runs, options.min_runs)):
        path = page.paths[index % len(page.paths)]
        begin = time.perf_counter()
        answer = await client.get(path)
        body = answer.content  # read to the last byte
        page.samples.append(time.perf_counter() - begin)
        page.statuses.add(answer.status_code)
        page.bytes = len(body)
        if time.perf_counter() > deadline and index + 1 >= options.min_runs:
            break


def _pages(unit: str, petitions: list[uuid.UUID]) -> list[Page]:
    petition_paths = [f"/console/queue/{petition_id}" for petition_id in petitions]
    return [
        Page("work queue (ward officer, default tab)", "ward", ["/console/queue/"]),
        Page("work queue (city officer, default tab)", "city", ["/console/queue/"]),
        Page("work queue (ward, open, overdue)", "ward", ["/console/queue/?tab=overdue"]),
        Page("work queue searched 'ngap nuoc' (ward)", "ward", ["/console/queue/?q=ngap+nuoc"]),
        # The city-wide search of a phrase that one petition in eleven has: its tabs count
        # 90,000 matches.
        Page("work queue searched 'ngap nuoc' (city)", "city", ["/console/queue/?q=ngap+nuoc"]),
        Page("petition page (ward officer, 100 petitions)", "ward", petition_paths),
        Page("dashboard (council reader, city, 12 months)", "council", ["/console/dashboard/"]),
        Page("dashboard (ward officer, 12 months)", "ward", ["/console/dashboard/"]),
        Page(
            f"dashboard (council reader, ward {unit})",
            "council",
            [f"/console/dashboard/?unit_code={unit}"],
        ),
        # The same dashboards computed on every view (GIAMSAT_DASHBOARD_CACHE_SECONDS=0):
        # what the first view of a scope and period in five minutes costs.
        Page(
            "dashboard computed (council reader, city, 12 months)",
            "council",
            ["/console/dashboard/"],
            computed=True,
        ),
        Page(
            "dashboard computed (ward officer, 12 months)",
            "ward",
            ["/console/dashboard/"],
            computed=True,
        ),
    ]


async def _run(options: PagesOptions, base_url: str, pages: list[Page]) -> None:
    clients = {
        "ward": await _logged_in(base_url, WARD_OFFICER),
        "city": await _logged_in(base_url, principals.CITY_OFFICER),
        "council": await _logged_in(base_url, COUNCIL_READER),
    }
    try:
        for page in pages:
            print(f"  {page.name} ...", flush=True)
            await _measure(clients[page.who], page, options)
    finally:
        for client in clients.values():
            await client.aclose()


def run_pages(options: PagesOptions) -> harness.BenchResult:
    unit, petitions = asyncio.run(_prepare(options.url))
    if not petitions:
        raise RuntimeError("the bench database has no open petition: run `bench generate`")
    pages = _pages(unit, petitions)
    with api_server(options.url, workers=1) as server:
        asyncio.run(_run(options, server.base_url, [p for p in pages if not p.computed]))
    uncached = {"GIAMSAT_DASHBOARD_CACHE_SECONDS": "0"}
    with api_server(options.url, workers=1, env=uncached) as server:
        asyncio.run(_run(options, server.base_url, [p for p in pages if p.computed]))
    result = options.result(
        "pages",
        {
            "ward": unit,
            "via": "giamsat serve (1 worker) over loopback HTTP, one keep-alive client, "
            "logged in through the console's login form",
        },
    )
    figures = {}
    for page in pages:
        latency = harness.latency_ms(page.samples)
        figures[page.name] = {
            "statuses": sorted(page.statuses),
            "bytes": page.bytes,
            **latency,
        }
        if page.statuses != {200}:
            raise RuntimeError(f"{page.name}: answered {sorted(page.statuses)}, not 200")
        result.targets.append(
            harness.Target(f"{page.name}: p95 ms", float(latency["p95_ms"]), TARGET_P95_MS)
        )
    result.figures = {"pages": figures}
    return result


def print_pages(result: harness.BenchResult) -> None:
    harness.print_table(
        "Console pages (HTTP, one client, logged in)",
        [
            (name, p["bytes"], p["n"], p["p50_ms"], p["p95_ms"], p["max_ms"])
            for name, p in result.figures["pages"].items()
        ],
        ("page", "bytes", "runs", "p50 ms", "p95 ms", "max ms"),
    )
