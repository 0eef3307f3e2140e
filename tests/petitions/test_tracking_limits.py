"""Rate limits on tracking: enumeration is slowed, the citizen is never locked out, the
address cannot be forged, and replicas share one count (real Redis)."""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.servers import free_port
from service.settings import Settings
from tests.petitions.conftest import Api, filed, track
from tests.redis_support import REDIS_URL, delete_namespace, redis_settings, replicas

# The documented limits: failed look-ups per client address and per tracking code (10 min).
ADDRESS_FAILURES = 20
CODE_FAILURES = 10


@pytest.fixture
async def two_replicas(
    settings: Settings, engine: AsyncEngine, connection: AsyncConnection
) -> AsyncIterator[list[httpx.AsyncClient]]:
    async with replicas(redis_settings(settings), engine, connection, 2) as clients:
        yield clients


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 600
    assert response.json()["retry_after_seconds"] == retry_after


class TestNoLockout:
    async def test_wrong_secrets_on_a_code_never_lock_out_the_right_secret(
        self, two_replicas: list[httpx.AsyncClient], api: Api
    ) -> None:
        client = two_replicas[0]
        body = await filed(client, api)
        code = body["tracking_code"]
        for _ in range(CODE_FAILURES):
            assert (await track(client, code, "guess")).status_code == 404
        assert_limited(await track(client, code, "guess"))
        # The citizen, holding the right secret, still follows the petition.
        right = await track(client, code, body["tracking_secret"])
        assert right.status_code == 200, right.text
        assert right.json()["tracking_code"] == code

    async def test_an_address_past_its_limit_is_refused_guesses_but_not_the_right_secret(
        self, two_replicas: list[httpx.AsyncClient], api: Api
    ) -> None:
        client = two_replicas[0]
        body = await filed(client, api)
        for number in range(ADDRESS_FAILURES):
            assert (await track(client, f"HN-2020-{number:06d}", "guess")).status_code == 404
        assert_limited(await track(client, "HN-2020-999999", "guess"))
        assert_limited(await track(client, body["tracking_code"], "guess"))
        right = await track(client, body["tracking_code"], body["tracking_secret"])
        assert right.status_code == 200, right.text


class TestReplicas:
    async def test_two_app_instances_count_failures_together(
        self, two_replicas: list[httpx.AsyncClient], api: Api
    ) -> None:
        first, second = two_replicas
        half = ADDRESS_FAILURES // 2
        for number in range(half):
            assert (await track(first, f"HN-2021-{number:06d}", "guess")).status_code == 404
        for number in range(half, ADDRESS_FAILURES):
            assert (await track(second, f"HN-2021-{number:06d}", "guess")).status_code == 404
        assert_limited(await track(first, "HN-2021-999999", "guess"))
        assert_limited(await track(second, "HN-2021-999999", "guess"))


class TestClientAddress:
    async def test_behind_a_trusted_proxy_the_forwarded_address_counts_not_what_it_claims(
        self, settings: Settings, engine: AsyncEngine, connection: AsyncConnection
    ) -> None:
        proxied = redis_settings(settings, trusted_proxies=["10.0.0.0/8"])
        async with replicas(proxied, engine, connection, 1, client_address="10.1.2.3") as [c]:
            for number in range(ADDRESS_FAILURES):
                # The proxy appends the real peer; what the client put before it is ignored.
                forged = {"X-Forwarded-For": f"192.0.2.{number}, 203.0.113.9"}
                response = await c.get(
                    f"/api/v1/track/HN-2022-{number:06d}",
                    headers={"X-Tracking-Secret": "guess", **forged},
                )
                assert response.status_code == 404
            limited = await c.get(
                "/api/v1/track/HN-2022-999999",
                headers={"X-Tracking-Secret": "guess", "X-Forwarded-For": "203.0.113.9"},
            )
            assert_limited(limited)
            other_citizen = await c.get(
                "/api/v1/track/HN-2022-999999",
                headers={"X-Tracking-Secret": "guess", "X-Forwarded-For": "203.0.113.10"},
            )
            assert other_citizen.status_code == 404

    async def test_an_untrusted_peer_cannot_choose_its_address(
        self, settings: Settings, engine: AsyncEngine, connection: AsyncConnection
    ) -> None:
        async with replicas(redis_settings(settings), engine, connection, 1) as [c]:
            statuses = [
                (
                    await c.get(
                        f"/api/v1/track/HN-2023-{number:06d}",
                        headers={
                            "X-Tracking-Secret": "guess",
                            "X-Forwarded-For": f"198.51.100.{number}",
                        },
                    )
                ).status_code
                for number in range(ADDRESS_FAILURES + 1)
            ]
        assert statuses[:-1] == [404] * ADDRESS_FAILURES
        assert statuses[-1] == 429


def test_giamsat_serve_does_not_believe_a_forwarded_for_from_its_peer(settings: Settings) -> None:
    """Through the real server: uvicorn used to trust X-Forwarded-For from 127.0.0.1, so a
    rotating header from a local client (or anything behind a naive proxy) was never limited."""
    namespace = redis_settings(settings).queue_namespace
    port = free_port()
    env = {
        **os.environ,
        "GIAMSAT_DATABASE_URL": settings.require_database_url(),
        "GIAMSAT_BROKER": "stub",
        "GIAMSAT_REDIS_URL": REDIS_URL,
        "GIAMSAT_QUEUE_NAMESPACE": namespace,
        "GIAMSAT_LOG_LEVEL": "WARNING",
        "GIAMSAT_STORAGE_LOCAL_ROOT": str(settings.data_dir / "objects"),
    }
    env.pop("GIAMSAT_TRUSTED_PROXIES", None)
    env.pop("FORWARDED_ALLOW_IPS", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "giamsat serve did not come up"
            time.sleep(0.3)
        statuses = [
            httpx.get(
                f"{base}/api/v1/track/HN-2024-{number:06d}",
                headers={"X-Tracking-Secret": "guess", "X-Forwarded-For": f"198.51.100.{number}"},
                timeout=10,
            ).status_code
            for number in range(ADDRESS_FAILURES + 1)
        ]
        assert statuses[-1] == 429, statuses
    finally:
        server.terminate()
        server.wait(30)
        asyncio.run(delete_namespace(namespace))
