"""Sealing chains committed events; verify finds tampering; concurrent writers never fork."""

import asyncio
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.audit.chain import GENESIS_HASH, event_hash, seal_pending, verify
from service.audit.service import record
from service.cli import main
from service.db import session_factory, session_scope
from service.settings import Settings


async def write(session: AsyncSession, count: int, *, entity: str = "petition") -> None:
    for number in range(count):
        await record(
            session,
            actor=None,
            action=f"{entity}.updated",
            entity_type=entity,
            entity_id=str(number),
            before={"status": "received"},
            after={"status": "routed", "note": f"lần {number}"},
        )


async def chain(session: AsyncSession) -> list[Any]:
    return list(
        (
            await session.execute(
                text("SELECT id, seq, prev_hash, hash FROM audit_event ORDER BY seq NULLS LAST, id")
            )
        ).all()
    )


class TestSeal:
    async def test_events_are_chained_in_order(self, session: AsyncSession) -> None:
        await write(session, 3)
        assert await seal_pending(session) == 3
        rows = await chain(session)
        assert [r.seq for r in rows] == [1, 2, 3]
        assert rows[0].prev_hash == GENESIS_HASH
        assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]

        assert await seal_pending(session) == 0  # nothing new
        await write(session, 2)
        assert await seal_pending(session) == 2
        assert [r.seq for r in await chain(session)] == [1, 2, 3, 4, 5]
        assert await verify(session) == verify_ok(5)

    async def test_hash_covers_content_and_position(self, session: AsyncSession) -> None:
        await write(session, 1)
        await seal_pending(session)
        row = (await session.execute(text("SELECT * FROM audit_event WHERE seq = 1"))).one()
        assert row.hash == event_hash(GENESIS_HASH, row, 1)
        assert row.hash != event_hash(GENESIS_HASH, row, 2)

    async def test_late_commit_of_a_lower_id_is_sealed_after(
        self, committed_engine: AsyncEngine
    ) -> None:
        """Ids are taken at insert, seq at sealing: a slow transaction is chained later."""
        sessions = session_factory(committed_engine)
        async with sessions() as slow:
            await write(slow, 1, entity="slow")
            await slow.flush()  # takes the lower id, not committed yet
            async with session_scope(sessions) as fast:
                await write(fast, 1, entity="fast")
            async with session_scope(sessions) as sealer:
                assert await seal_pending(sealer) == 1  # only the committed one
            await slow.commit()
        async with session_scope(sessions) as sealer:
            assert await seal_pending(sealer) == 1
        async with sessions() as session:
            rows = (
                await session.execute(
                    text("SELECT id, seq, entity_type FROM audit_event ORDER BY seq")
                )
            ).all()
            assert [r.entity_type for r in rows] == ["fast", "slow"]
            assert rows[1].id < rows[0].id
            assert await verify(session) == verify_ok(2)


def verify_ok(count: int) -> Any:
    from service.audit.chain import VerifyResult

    return VerifyResult(ok=True, checked=count, first_broken_seq=None, unsealed=0)


class TestAppendOnly:
    async def test_content_cannot_change(self, session: AsyncSession) -> None:
        await write(session, 1)
        await session.flush()
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(text("UPDATE audit_event SET after = '{}'::jsonb"))

    async def test_events_cannot_be_deleted(self, session: AsyncSession) -> None:
        await write(session, 1)
        await session.flush()
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(text("DELETE FROM audit_event"))

    async def test_a_seal_cannot_be_rewritten(self, session: AsyncSession) -> None:
        await write(session, 1)
        await seal_pending(session)
        with pytest.raises(DBAPIError, match="already sealed"):
            async with session.begin_nested():
                await session.execute(text("UPDATE audit_event SET hash = repeat('f', 64)"))


async def tamper(session: AsyncSession, statement: str) -> None:
    """What someone with direct database access could do, bypassing the trigger."""
    await session.execute(text("SET LOCAL session_replication_role = replica"))
    await session.execute(text(statement))
    await session.execute(text("SET LOCAL session_replication_role = origin"))


class TestVerify:
    async def test_changed_content_breaks_that_link(self, session: AsyncSession) -> None:
        await write(session, 4)
        await seal_pending(session)
        await tamper(
            session, """UPDATE audit_event SET after = '{"status": "rejected"}' WHERE seq = 2"""
        )
        result = await verify(session)
        assert (result.ok, result.first_broken_seq, result.checked) == (False, 2, 1)

    async def test_a_deleted_event_leaves_a_gap(self, session: AsyncSession) -> None:
        await write(session, 4)
        await seal_pending(session)
        await tamper(session, "DELETE FROM audit_event WHERE seq = 3")
        result = await verify(session)
        assert (result.ok, result.first_broken_seq) == (False, 3)

    async def test_a_rehashed_forgery_breaks_the_next_link(self, session: AsyncSession) -> None:
        await write(session, 3)
        await seal_pending(session)
        await tamper(session, "UPDATE audit_event SET actor_id = 'someone' WHERE seq = 2")
        forged = (await session.execute(text("SELECT * FROM audit_event WHERE seq = 2"))).one()
        await tamper(
            session,
            f"UPDATE audit_event SET hash = '{event_hash(forged.prev_hash, forged, 2)}'"
            " WHERE seq = 2",
        )
        result = await verify(session)
        assert (result.ok, result.first_broken_seq) == (False, 3)

    async def test_unsealed_events_are_counted_not_failed(self, session: AsyncSession) -> None:
        await write(session, 2)
        await seal_pending(session)
        await write(session, 1)
        result = await verify(session)
        assert (result.ok, result.checked, result.unsealed) == (True, 2, 1)


async def test_concurrent_writers_and_sealers_make_one_chain(
    committed_engine: AsyncEngine,
) -> None:
    sessions: async_sessionmaker[AsyncSession] = session_factory(committed_engine)
    writers_done = asyncio.Event()

    async def writer(number: int) -> None:
        for _ in range(5):
            async with session_scope(sessions) as session:
                await write(session, 2, entity=f"writer{number}")

    async def sealer() -> int:
        sealed = 0
        while not writers_done.is_set():
            async with session_scope(sessions) as session:
                sealed += await seal_pending(session, batch=7)
            await asyncio.sleep(0)
        return sealed

    sealers = [asyncio.create_task(sealer()) for _ in range(2)]
    await asyncio.gather(*(writer(n) for n in range(3)))
    writers_done.set()
    sealed = sum(await asyncio.gather(*sealers))
    async with session_scope(sessions) as session:
        sealed += await seal_pending(session)

    assert sealed == 30
    async with sessions() as session:
        rows = await chain(session)
        assert [r.seq for r in rows] == list(range(1, 31))
        assert await verify(session) == verify_ok(30)


async def test_cli_verify_reports_the_first_broken_link(
    committed_engine: AsyncEngine, settings: Settings
) -> None:
    sessions = session_factory(committed_engine)
    async with session_scope(sessions) as session:
        await write(session, 3)  # not sealed yet: `audit verify` seals first
    env = {"GIAMSAT_DATABASE_URL": settings.require_database_url()}
    runner = CliRunner()

    intact = await asyncio.to_thread(runner.invoke, main, ["audit", "verify"], env=env)
    assert intact.exit_code == 0, intact.output
    assert "3 events checked" in intact.output

    async with session_scope(sessions) as session:
        await tamper(session, "UPDATE audit_event SET entity_id = '99' WHERE seq = 2")
    broken = await asyncio.to_thread(runner.invoke, main, ["audit", "verify"], env=env)
    assert broken.exit_code == 1
    assert "BROKEN at seq 2" in broken.output
