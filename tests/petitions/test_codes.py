"""Tracking numbers from a sequence per (prefix, year): distinct under concurrency, created
once on first use, continued from the old counter table by migration 0250; and the intake's
duplicate suggestions, stored by a job after the intake commits."""

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlmodel import col

from service.db import async_url
from service.jobs.models import OutboxMessage
from service.petitions import intake
from service.petitions.models import DuplicateSuggestion, SuggestionSource
from tests.petitions.conftest import Api, petition_body

CODE = re.compile(r"^HN-20\d\d-\d{6}$")
FLOOD = petition_body(
    title="Ngập nước đường Hàng Bông",
    description="Đường Hàng Bông ngập nước sâu mỗi khi mưa, xe máy chết máy.",
)
FLOOD_UNACCENTED = petition_body(
    title="Ngap nuoc duong Hang Bong",
    description="Duong Hang Bong ngap nuoc sau moi khi mua, xe may chet may.",
)


async def run_duplicate_jobs(session: AsyncSession) -> int:
    """Run the pending ``petitions.suggest_duplicates`` outbox jobs of this (rolled-back)
    transaction, as the worker would after the commit; returns how many ran."""
    rows = (
        await session.execute(
            select(OutboxMessage).where(
                col(OutboxMessage.job_name) == intake.SUGGEST_DUPLICATES_JOB
            )
        )
    ).scalars()
    ran = 0
    for row in rows:
        await intake.suggest_duplicates(session, uuid.UUID(row.payload["petition_id"]))
        ran += 1
    return ran


class TestConcurrentIntake:
    async def test_concurrent_intakes_get_distinct_codes(
        self, real_client: httpx.AsyncClient, committed_api: Api
    ) -> None:
        count = 12
        responses = await asyncio.gather(
            *(
                real_client.post(
                    "/api/v1/petitions",
                    json=petition_body(title=f"Đèn đường hỏng số {i}"),
                    headers={**committed_api.headers, "Idempotency-Key": uuid.uuid4().hex},
                )
                for i in range(count)
            )
        )
        assert [r.status_code for r in responses] == [201] * count, [r.text for r in responses]
        codes = [r.json()["tracking_code"] for r in responses]
        assert len(set(codes)) == count
        assert all(CODE.match(code) for code in codes), codes

    async def test_first_use_of_a_new_year_creates_one_sequence_for_all(
        self, committed_engine: AsyncEngine
    ) -> None:
        """Many first intakes of a (prefix, year) at once: none fails, none repeats."""
        prefix, year = f"T{uuid.uuid4().hex[:6].upper()}", 2031

        async def take() -> int:
            async with committed_engine.begin() as conn:
                number = (
                    await conn.execute(
                        text("SELECT tracking_number(:p, :y)"), {"p": prefix, "y": year}
                    )
                ).scalar_one()
                await asyncio.sleep(0.05)  # keep the transaction open while others arrive
                return int(number)

        numbers = await asyncio.gather(*(take() for _ in range(8)))
        assert sorted(numbers) == list(range(1, 9))

    async def test_a_rolled_back_intake_leaves_a_gap_not_a_repeat(
        self, committed_engine: AsyncEngine
    ) -> None:
        prefix, year = f"G{uuid.uuid4().hex[:6].upper()}", 2032
        statement = text("SELECT tracking_number(:p, :y)")
        async with committed_engine.begin() as conn:
            first = (await conn.execute(statement, {"p": prefix, "y": year})).scalar_one()
        async with committed_engine.connect() as conn:
            await conn.begin()
            (await conn.execute(statement, {"p": prefix, "y": year})).scalar_one()
            await conn.rollback()
        async with committed_engine.begin() as conn:
            third = (await conn.execute(statement, {"p": prefix, "y": year})).scalar_one()
        assert (first, third) == (1, 3)

    async def test_a_prefix_that_is_not_a_plain_code_is_refused(
        self, committed_engine: AsyncEngine
    ) -> None:
        async with committed_engine.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError):
                await conn.execute(text("SELECT tracking_number('x; drop', 2026)"))


class TestMigration:
    def test_existing_counters_continue_as_sequences(self, database_url: str) -> None:
        """A database with counters (0240) continues each (prefix, year) after its last
        number (0250), and going back restores the counters."""
        from alembic import command

        from service.migrations.runner import alembic_config
        from tests.factories import ServerDatabase

        server = ServerDatabase(database_url.rsplit("/", 1)[0] + "/postgres")
        name = database_url.rsplit("/", 1)[1] + "_codes"
        url = server.create(name)
        try:
            config = alembic_config(url)
            command.upgrade(config, "0240")
            asyncio.run(
                _sql(
                    url,
                    "INSERT INTO tracking_sequence (prefix, year, last_value) "
                    "VALUES ('HN', 2026, 41), ('P02', 2025, 7), ('P03', 2024, 5)",
                )
            )
            command.upgrade(config, "0250")
            numbers = asyncio.run(
                _sql(
                    url,
                    "SELECT tracking_number('HN', 2026), tracking_number('P02', 2025), "
                    "tracking_number('HN', 2027), to_regclass('tracking_sequence') IS NULL",
                )
            )
            assert numbers == (42, 8, 1, True)
            command.downgrade(config, "0240")
            counters = asyncio.run(
                _sql(
                    url,
                    "SELECT string_agg(prefix || year || ':' || last_value, ',' "
                    "ORDER BY prefix, year) FROM tracking_sequence",
                )
            )
            # P03 2024 was never used after the upgrade: its counter is what it was.
            assert counters == ("HN2026:42,HN2027:1,P022025:8,P032024:5",)
        finally:
            server.drop(name)


async def _sql(url: str, statement: str) -> tuple[Any, ...]:
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement))
            row = result.first() if result.returns_rows else None
    finally:
        await engine.dispose()
    return tuple(row) if row is not None else ()


class TestDuplicatesAfterCommit:
    async def test_suggestions_appear_after_the_job_runs(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        first = await _filed(client, api, FLOOD)
        second = await _filed(client, api, FLOOD_UNACCENTED)
        stored = select(DuplicateSuggestion).where(
            col(DuplicateSuggestion.petition_id) == uuid.UUID(second["id"])
        )
        # The citizen's request did not search: nothing is stored yet.
        assert (await session.execute(stored)).scalars().all() == []
        assert await run_duplicate_jobs(session) == 2
        found = (await session.execute(stored)).scalars().all()
        assert [s.candidate_id for s in found] == [uuid.UUID(first["id"])]
        assert found[0].source == SuggestionSource.intake
        # The job may run twice (a message can arrive twice): the same suggestions.
        await run_duplicate_jobs(session)
        again = (await session.execute(stored)).scalars().all()
        assert [s.candidate_id for s in again] == [uuid.UUID(first["id"])]


async def _filed(client: httpx.AsyncClient, api: Api, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/petitions",
        json=body,
        headers={**api.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data
