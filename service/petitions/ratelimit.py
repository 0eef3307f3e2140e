"""Rate limits on the citizen tracking routes, against guessing secrets or codes.

Failed look-ups (unknown code or wrong secret: both a 404) are counted per client IP and
per tracking code in fixed windows, in the app's store ``petition_tracking`` (Litestar
creates a memory store on first use; a deployment with several API processes registers a
shared one, e.g. Redis, under that name). Past a limit every request of that IP, or for
that code, is refused with 429 until the window ends, whether the secret is right or not:
a correct guess in a flood of wrong ones gains nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from litestar.stores.base import Store

from service.errors import RateLimited
from service.i18n import msg

STORE_NAME = "petition_tracking"


@dataclass(frozen=True)
class TrackingLimits:
    window_seconds: int = 600
    failures_per_ip: int = 20
    failures_per_code: int = 10


DEFAULT_LIMITS = TrackingLimits()


def _keys(ip: str, code: str, limits: TrackingLimits) -> tuple[str, str, int]:
    window = int(time.time() // limits.window_seconds)
    return f"ip:{ip}:{window}", f"code:{code}:{window}", window


async def _count(store: Store, key: str) -> int:
    raw = await store.get(key)
    return int(raw or 0)


async def check(store: Store, ip: str, code: str, limits: TrackingLimits = DEFAULT_LIMITS) -> None:
    ip_key, code_key, window = _keys(ip, code, limits)
    retry_after = str(int((window + 1) * limits.window_seconds - time.time()) + 1)
    if await _count(store, ip_key) >= limits.failures_per_ip:
        raise RateLimited(
            msg("tracking_rate_limited_ip"),
            retry_after_seconds=int(retry_after),
        )
    if await _count(store, code_key) >= limits.failures_per_code:
        raise RateLimited(
            msg("tracking_rate_limited_code"),
            retry_after_seconds=int(retry_after),
        )


async def record_failure(
    store: Store, ip: str, code: str, limits: TrackingLimits = DEFAULT_LIMITS
) -> None:
    ip_key, code_key, _ = _keys(ip, code, limits)
    for key in (ip_key, code_key):
        count = await _count(store, key) + 1
        await store.set(key, str(count).encode(), expires_in=limits.window_seconds + 1)
