"""Rate-limit counters shared by every API process and replica, and the client address.

Every limit in the service counts in fixed windows through ``Counters``: in Redis
(``GIAMSAT_REDIS_URL``; one atomic script per hit, so two processes never lose a count) or,
without Redis, in the process's memory (one process in development; with several each would
count alone). Keys carry the deployment's namespace (``GIAMSAT_QUEUE_NAMESPACE``).

What a limit keys on must be something an attacker cannot choose: an authenticated API
client, or the client address as ``client_address`` gives it: the connection's peer, or the
address a trusted proxy (``GIAMSAT_TRUSTED_PROXIES``) put in ``X-Forwarded-For``. That is
resolved in one place, ``trusted_proxy_middleware`` (uvicorn's own parser, outermost in the
app); ``giamsat serve`` leaves uvicorn's proxy handling off so that nothing else believes
the header.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from litestar import Request
from litestar.di import Provide
from litestar.middleware import DefineMiddleware

from service.errors import RateLimited
from service.i18n import Message

if TYPE_CHECKING:
    from litestar.config.app import AppConfig
    from litestar.connection import ASGIConnection
    from redis.asyncio import Redis

    from service.settings import Settings

APP_STATE_KEY = "rate_limit_counters"


@dataclass(frozen=True)
class Limit:
    """At most ``allowed`` events per ``window_seconds``."""

    allowed: int
    window_seconds: int


@dataclass(frozen=True)
class Usage:
    count: int
    retry_after_seconds: int

    def exceeds(self, limit: Limit) -> bool:
        return self.count > limit.allowed

    def reached(self, limit: Limit) -> bool:
        return self.count >= limit.allowed


class Counters(Protocol):
    async def hit(self, key: str, window_seconds: int) -> Usage:
        """Count one event; the window starts with the first event of the key."""

    async def peek(self, key: str) -> Usage: ...

    async def reset(self, key: str) -> None: ...

    async def close(self) -> None: ...


# INCR and the window's EXPIRE in one step; a key that somehow lost its TTL gets it back.
_HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RedisCounters:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._hit = redis.register_script(_HIT_SCRIPT)

    async def hit(self, key: str, window_seconds: int) -> Usage:
        count, ttl = await self._hit(keys=[self.prefix + key], args=[window_seconds])
        return Usage(int(count), max(int(ttl), 1))

    async def peek(self, key: str) -> Usage:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(self.prefix + key)
            pipe.ttl(self.prefix + key)
            raw, ttl = await pipe.execute()
        return Usage(int(raw or 0), max(int(ttl), 1))

    async def reset(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)

    async def close(self) -> None:
        await self.redis.aclose()


class MemoryCounters:
    """One process's counters (development and single-process use)."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, float]] = {}

    def _current(self, key: str) -> tuple[int, float] | None:
        entry = self._windows.get(key)
        if entry is not None and entry[1] <= time.monotonic():
            del self._windows[key]
            return None
        return entry

    async def hit(self, key: str, window_seconds: int) -> Usage:
        entry = self._current(key)
        count, ends = entry if entry else (0, time.monotonic() + window_seconds)
        self._windows[key] = (count + 1, ends)
        return Usage(count + 1, max(int(ends - time.monotonic() + 0.999), 1))

    async def peek(self, key: str) -> Usage:
        entry = self._current(key)
        if entry is None:
            return Usage(0, 1)
        return Usage(entry[0], max(int(entry[1] - time.monotonic() + 0.999), 1))

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)

    async def close(self) -> None:
        self._windows.clear()


def redis_client(settings: Settings) -> Redis | None:
    if not settings.redis_url:
        return None
    from redis.asyncio import Redis

    return Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)


def build_counters(settings: Settings, redis: Redis | None) -> Counters:
    if redis is None:
        return MemoryCounters()
    return RedisCounters(redis, prefix=f"{settings.queue_namespace}:ratelimit:")


def counters_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Counters:
    counters: Counters = connection.app.state[APP_STATE_KEY]
    return counters


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address, as resolved through the trusted proxies only."""
    return connection.client.host if connection.client else "unknown"


def too_many(detail: Message, usage: Usage) -> RateLimited:
    return RateLimited(detail, retry_after_seconds=usage.retry_after_seconds)


async def count_failure(counters: Counters, key: str, limit: Limit, detail: Message) -> None:
    """Count one failed attempt under ``key``; past ``limit`` it raises RateLimited (429 with
    ``Retry-After``) saying ``detail``. Count failures only: what succeeds is never slowed."""
    usage = await counters.hit(key, limit.window_seconds)
    if usage.exceeds(limit):
        raise too_many(detail, usage)


@dataclass(frozen=True)
class AddressFailures:
    """The failed attempts of one client address at one public look-up, bound to the request
    (see :func:`address_failures`): ``await failures.count()`` where a look-up fails."""

    counters: Counters
    key: str
    limit: Limit
    detail: Message

    async def count(self) -> None:
        await count_failure(self.counters, self.key, self.limit, self.detail)


def address_failures(name: str, limit: Limit, detail: Message) -> Provide:
    """A route dependency: the failures of the caller's address at ``name``, limited to
    ``limit`` (key ``<name>:address:<address>``, shared by every replica). A handler declares
    it as ``dependencies={"failures": address_failures(...)}`` and takes
    ``failures: NamedDependency[AddressFailures]``; the service counts where it fails."""

    async def provide(request: Request[Any, Any, Any]) -> AddressFailures:
        return AddressFailures(
            counters_of(request), f"{name}:address:{client_address(request)}", limit, detail
        )

    return Provide(provide)


def trusted_proxy_middleware(settings: Settings) -> Any:
    """``on_app_init`` hook: X-Forwarded-For / X-Forwarded-Proto from trusted proxies only.

    uvicorn's middleware takes, from the right, the first address that is not a trusted
    proxy, so a client cannot choose its address by sending the header itself.
    """

    def on_app_init(app_config: AppConfig) -> AppConfig:
        if settings.trusted_proxies:
            from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

            app_config.middleware.insert(
                0,
                DefineMiddleware(
                    cast("Any", ProxyHeadersMiddleware), trusted_hosts=settings.trusted_proxies
                ),
            )
        return app_config

    return on_app_init
