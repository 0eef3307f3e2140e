"""Guessing verification codes (public route) is slowed per client address, shared by
replicas through the real Redis."""

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.settings import Settings
from tests.redis_support import redis_settings, replicas

# The documented limit: failed verifications per client address in 10 minutes.
VERIFY_FAILURES = 30


async def test_guessing_codes_is_limited_per_address_across_replicas(
    settings: Settings, engine: AsyncEngine, connection: AsyncConnection
) -> None:
    async with replicas(redis_settings(settings), engine, connection, 2) as [first, second]:
        for number in range(VERIFY_FAILURES):
            replica = first if number % 2 else second
            response = await replica.get(f"/api/v1/reports/verify/AAAA-{number:04d}")
            assert response.status_code == 404
        limited = await first.get("/api/v1/reports/verify/AAAA-9999")
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
