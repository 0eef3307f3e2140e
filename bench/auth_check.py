"""What the per-request session check costs on staff read routes (issue 10, item 2).

Before: the principal came from the JWT claims alone (revocation waited for the token to
expire). After: one query per request, two primary-key lookups (``auth_session`` joined to
``staff_user``), on the request's own database session, which the handler then reuses.
Both are measured in one process against one scratch database (migrated, one city-level
Front officer), through the whole app (httpx ASGI transport: no network, so the figures are
the server's own work and a local PostgreSQL round trip), alternating rounds so drift in a
shared machine hits both alike.

    uv run python -m bench.auth_check [--server postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from typing import Any

import click
import httpx
import psycopg
from asgi_lifespan import LifespanManager
from litestar.connection import ASGIConnection
from litestar.security.jwt import Token
from sqlalchemy import event

import service.app
from service.auth import middleware
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.auth.schemas import UserCreate
from service.db import create_engine, session_factory, session_scope
from service.settings import Settings

ROUTES = ("/api/v1/auth/me", "/api/v1/reports", "/api/v1/petitions/dashboard")
PASSWORD = "bench-password-bench"


async def claims_only(token: Token, _: ASGIConnection[Any, Any, Any, Any]) -> StaffPrincipal:
    """The handler before the fix: trusts the claims until the token expires."""
    extras = token.extras
    agency = extras.get("agency_id")
    return StaffPrincipal(
        user_id=uuid.UUID(token.sub),
        username=str(extras.get("username", "")),
        role=Role(extras["role"]),
        unit_code=extras.get("unit_code"),
        agency_id=uuid.UUID(agency) if agency else None,
    )


CHECK_MS: list[float] = []
STATEMENTS = [0]


def _timed(handler: Any) -> Any:
    async def timed(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Any:
        started = time.perf_counter()
        try:
            return await handler(token, connection)
        finally:
            CHECK_MS.append((time.perf_counter() - started) * 1000)

    return timed


async def _timings(settings: Settings, handler: Any, requests: int) -> dict[str, list[float]]:
    service.app.staff_from_token = _timed(handler)  # type: ignore[attr-defined]
    engine = create_engine(settings)

    def count(*_: Any) -> None:
        STATEMENTS[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    app = service.app.create_app(settings, engine=engine)
    out: dict[str, list[float]] = {route: [] for route in ROUTES}
    async with LifespanManager(app):  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            login = await client.post(
                "/api/v1/auth/login", json={"username": "bench.officer", "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            for route in ROUTES:
                for _ in range(requests // 10):  # warm-up
                    await client.get(route, headers=headers)
                STATEMENTS[0] = 0
                CHECK_MS.clear()
                for _ in range(requests):
                    started = time.perf_counter()
                    response = await client.get(route, headers=headers)
                    out[route].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
                out[f"{route} statements"] = [STATEMENTS[0] / requests]
                out[f"{route} check"] = list(CHECK_MS)
    out["lookup"] = await _lookup_alone(engine, requests * 3)
    await engine.dispose()
    return out


async def _lookup_alone(engine: Any, times: int) -> list[float]:
    """The check's query by itself, on one open transaction (no checkout, no HTTP)."""
    from sqlalchemy import select
    from sqlmodel import col

    from service.auth.models import AuthSession, StaffUser

    query = (
        select(col(StaffUser.username), col(StaffUser.role))
        .join(AuthSession, col(AuthSession.user_id) == col(StaffUser.id))
        .where(col(AuthSession.id) == uuid.uuid4(), col(AuthSession.revoked_at).is_(None))
    )
    timings = []
    async with session_factory(engine)() as session:
        for _ in range(times):
            started = time.perf_counter()
            (await session.execute(query)).one_or_none()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


async def _run(server: str, requests: int, rounds: int) -> None:
    from service.auth import service as auth_service
    from service.migrations.runner import upgrade

    name = f"giamsat_authbench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.rsplit("/", 1)[0] + "/" + name
    try:
        await asyncio.to_thread(upgrade, url)
        settings = Settings(
            database_url=url, broker="stub", log_level="WARNING", data_dir="/tmp/authbench"
        )
        engine = create_engine(settings)
        async with session_scope(session_factory(engine)) as session:
            await auth_service.create_user(
                session,
                UserCreate(
                    username="bench.officer",
                    full_name="Bench",
                    password=PASSWORD,
                    role=Role.front_officer,
                ),
            )
        await engine.dispose()
        results: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
        for _ in range(rounds):
            for label, handler in (
                ("before", claims_only),
                ("after", middleware.staff_from_token),
            ):
                for route, values in (await _timings(settings, handler, requests)).items():
                    results[label].setdefault(route, []).extend(values)
        click.echo(f"{'route':32} {'before p50':>11} {'after p50':>10} {'Δ p50':>8}  (ms)")
        for route in ROUTES:
            queries = [
                statistics.mean(results[label][f"{route} statements"])
                for label in ("before", "after")
            ]
            checks = [statistics.median(results[label][f"{route} check"]) for label in results]
            before = statistics.median(results["before"][route])
            after = statistics.median(results["after"][route])
            b95 = statistics.quantiles(results["before"][route], n=20)[18]
            a95 = statistics.quantiles(results["after"][route], n=20)[18]
            click.echo(
                f"{route:32} {before:11.2f} {after:10.2f} {after - before:+8.2f}"
                f"   p95 {b95:.2f} -> {a95:.2f}; in the check {checks[0]:.2f} -> {checks[1]:.2f};"
                f" SQL statements/request {queries[0]:.1f} -> {queries[1]:.1f}"
            )
        lookup = results["before"]["lookup"] + results["after"]["lookup"]
        click.echo(
            f"the check's query alone: p50 {statistics.median(lookup):.2f} ms, "
            f"p95 {statistics.quantiles(lookup, n=20)[18]:.2f} ms"
        )
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@click.command()
@click.option("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
@click.option("--requests", type=int, default=300, show_default=True, help="Per route, round.")
@click.option("--rounds", type=int, default=3, show_default=True)
def main(server: str, requests: int, rounds: int) -> None:
    """Median and p95 latency of staff read routes, claims-only vs. session-checked."""
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(_run(server, requests, rounds))


if __name__ == "__main__":
    main()
