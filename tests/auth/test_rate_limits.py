"""Login brute force and API-key limits: keyed on what an attacker cannot choose, shared by
replicas (real Redis), answered 429 with Retry-After, and no lockout of the rightful user."""

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from service.auth.models import StaffUser
from service.settings import Settings
from tests.factories import PASSWORD, create_api_client
from tests.redis_support import redis_settings, replicas

# The documented limit: failed logins per (client address, account) in 15 minutes.
PAIR_FAILURES = 10
ATTACKER, OFFICER = "198.51.100.7", "203.0.113.20"


def assert_limited(response: httpx.Response, most_seconds: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(response.headers["Retry-After"]) <= most_seconds


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )


async def test_password_guessing_is_stopped_across_replicas_without_locking_the_officer_out(
    settings: Settings, engine: AsyncEngine, connection: AsyncConnection, admin: StaffUser
) -> None:
    shared = redis_settings(settings)
    addresses = [ATTACKER, ATTACKER, OFFICER]
    async with replicas(shared, engine, connection, 3, client_address=addresses) as clients:
        first, second, officer = clients
        for attempt in range(PAIR_FAILURES):
            replica = first if attempt % 2 else second
            assert (await _login(replica, admin.username, "guess")).status_code == 401
        # From the attacker's address, even the right password is no longer tried.
        assert_limited(await _login(first, admin.username, PASSWORD), 900)
        assert_limited(await _login(second, admin.username.upper(), "guess"), 900)
        # The officer, from their own address, logs in as usual.
        response = await _login(officer, admin.username, PASSWORD)
        assert response.status_code == 200, response.text


async def test_a_successful_login_clears_the_count(
    settings: Settings, engine: AsyncEngine, connection: AsyncConnection, admin: StaffUser
) -> None:
    async with replicas(redis_settings(settings), engine, connection, 1) as [client]:
        for _ in range(PAIR_FAILURES - 1):
            assert (await _login(client, admin.username, "typo")).status_code == 401
        assert (await _login(client, admin.username, PASSWORD)).status_code == 200
        for _ in range(PAIR_FAILURES - 1):
            assert (await _login(client, admin.username, "typo")).status_code == 401
        assert (await _login(client, admin.username, PASSWORD)).status_code == 200


async def test_an_api_key_allowance_is_shared_by_replicas_and_says_when_to_retry(
    settings: Settings, engine: AsyncEngine, connection: AsyncConnection, session: AsyncSession
) -> None:
    _, key = await create_api_client(session, rate_limit=3)
    async with replicas(redis_settings(settings), engine, connection, 2) as [first, second]:
        headers = {"X-API-Key": key}
        statuses = [
            (await first.get("/api/v1/auth/me", headers=headers)).status_code,
            (await second.get("/api/v1/auth/me", headers=headers)).status_code,
            (await first.get("/api/v1/auth/me", headers=headers)).status_code,
        ]
        assert statuses == [403, 403, 403]
        assert_limited(await second.get("/api/v1/auth/me", headers=headers), 60)
