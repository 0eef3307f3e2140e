"""Two requests with the same Idempotency-Key at the same time, each in its own real
transaction (the app on ``committed_engine``): exactly one petition."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from service.app import create_app
from service.db import session_factory, session_scope
from service.deadlines.policy import seed_default_policy
from service.petitions.models import IdempotencyKey, Petition
from service.settings import Settings
from tests.factories import create_api_client
from tests.petitions.conftest import Api, petition_body


@pytest.fixture
async def committed_api(committed_engine: AsyncEngine, seeded: Any) -> Api:
    async with session_scope(session_factory(committed_engine)) as session:
        await seed_default_policy(session)
        client, key = await create_api_client(session)
    return Api(client=client, key=key)


@pytest.fixture
async def real_client(
    settings: Settings, committed_engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine=committed_engine)
    async with LifespanManager(app):  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_concurrent_requests_with_one_key_create_one_petition(
    real_client: httpx.AsyncClient, committed_api: Api, committed_engine: AsyncEngine
) -> None:
    key = f"concurrent-{uuid.uuid4().hex}"
    headers = {**committed_api.headers, "Idempotency-Key": key}
    body = petition_body()
    first, second = await asyncio.gather(
        real_client.post("/api/v1/petitions", json=body, headers=headers),
        real_client.post("/api/v1/petitions", json=body, headers=headers),
    )
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert first.json() == second.json()
    replayed = [r.headers.get("idempotent-replayed") for r in (first, second)]
    assert sorted(replayed, key=str) == sorted([None, "true"], key=str)
    async with committed_engine.connect() as conn:
        petitions = (await conn.execute(select(func.count()).select_from(Petition))).scalar_one()
        keys = (
            await conn.execute(
                select(func.count()).select_from(IdempotencyKey).where(IdempotencyKey.key == key)  # type: ignore[arg-type]
            )
        ).scalar_one()
    assert petitions == 1
    assert keys == 1


async def test_concurrent_requests_with_different_keys_create_two(
    real_client: httpx.AsyncClient, committed_api: Api, committed_engine: AsyncEngine
) -> None:
    body = petition_body()
    responses = await asyncio.gather(
        *(
            real_client.post(
                "/api/v1/petitions",
                json=body,
                headers={**committed_api.headers, "Idempotency-Key": uuid.uuid4().hex},
            )
            for _ in range(2)
        )
    )
    assert [r.status_code for r in responses] == [201, 201]
    codes = {r.json()["tracking_code"] for r in responses}
    assert len(codes) == 2
    async with committed_engine.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(Petition))).scalar_one()
    assert count == 2
