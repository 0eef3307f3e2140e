"""Liveness and readiness.

``/health`` answers as long as the process serves requests. ``/ready`` runs every probe
registered in ``app.state.probes`` (database, object store, broker) and answers 503 naming
the ones that failed.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Literal, NotRequired, TypedDict

from litestar import Request, get
from litestar.openapi import ResponseSpec
from litestar.response import Response

Probe = Callable[[], Awaitable[None]]
# Seconds the read replica is behind the primary (None: not a standby, nothing to measure).
LagProbe = Callable[[], Awaitable[float | None]]
PROBE_TIMEOUT_SECONDS = 3.0
READY_RETRY_AFTER_SECONDS = 10


class Health(TypedDict):
    status: Literal["ok"]


class Checks(TypedDict):
    """Each probe: ``ok`` or ``unavailable: <error type>``."""

    database: str
    object_store: str
    broker: NotRequired[str]
    database_replica: NotRequired[str]


class Readiness(TypedDict):
    status: Literal["ok", "unavailable"]
    checks: Checks
    # With GIAMSAT_DATABASE_REPLICA_URL: how far the lists, search, dashboards and reports may
    # be behind the primary (``service.readonly``); null when unmeasurable or unreachable.
    replica_lag_seconds: NotRequired[float | None]


@get(
    "/health",
    exclude_from_auth=True,
    tags=["health"],
    sync_to_thread=False,
    opt={"dependencies": False},  # answers while the process lives, whatever is down
)
def health() -> Health:
    return {"status": "ok"}


async def _run(probe: Probe) -> str:
    try:
        await asyncio.wait_for(probe(), PROBE_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"
    return "ok"


@get(
    "/ready",
    exclude_from_auth=True,
    tags=["health"],
    responses={
        503: ResponseSpec(
            data_container=Readiness, description="A probe failed: `checks` names it."
        )
    },
)
async def ready(request: Request[Any, Any, Any]) -> Response[Readiness]:
    probes: dict[str, Probe] = request.app.state.probes
    names = list(probes)
    results = await asyncio.gather(*(_run(probes[name]) for name in names))
    checks: Any = dict(zip(names, results, strict=True))
    ok = all(result == "ok" for result in results)
    body = Readiness(status="ok" if ok else "unavailable", checks=checks)
    lag: LagProbe | None = getattr(request.app.state, "replica_lag", None)
    if lag is not None:
        # A lagging replica does not make the process unready: its readers see older data.
        try:
            body["replica_lag_seconds"] = await asyncio.wait_for(lag(), PROBE_TIMEOUT_SECONDS)
        except Exception:
            body["replica_lag_seconds"] = None
    return Response(
        body,
        status_code=200 if ok else 503,
        headers=None if ok else {"Retry-After": str(READY_RETRY_AFTER_SECONDS)},
    )
