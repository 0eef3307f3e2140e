"""Liveness and readiness.

``/health`` answers as long as the process serves requests. ``/ready`` runs every probe
registered in ``app.state.probes`` (database, object store, broker) and answers 503 naming
the ones that failed.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, get
from litestar.response import Response

Probe = Callable[[], Awaitable[None]]
PROBE_TIMEOUT_SECONDS = 3.0
READY_RETRY_AFTER_SECONDS = 10


@get("/health", exclude_from_auth=True, tags=["health"], sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


async def _run(probe: Probe) -> str:
    try:
        await asyncio.wait_for(probe(), PROBE_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"unavailable: {type(exc).__name__}"
    return "ok"


@get("/ready", exclude_from_auth=True, tags=["health"])
async def ready(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    probes: dict[str, Probe] = request.app.state.probes
    names = list(probes)
    results = await asyncio.gather(*(_run(probes[name]) for name in names))
    checks = dict(zip(names, results, strict=True))
    ok = all(result == "ok" for result in results)
    return Response(
        {"status": "ok" if ok else "unavailable", "checks": checks},
        status_code=200 if ok else 503,
        headers=None if ok else {"Retry-After": str(READY_RETRY_AFTER_SECONDS)},
    )
