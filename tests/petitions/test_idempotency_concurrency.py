"""Two requests with the same Idempotency-Key at the same time, each in its own real
transaction (the app on ``committed_engine``): exactly one petition."""

import asyncio
import uuid

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from service.petitions.models import IdempotencyKey, Petition
from tests.petitions.conftest import Api, petition_body


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
