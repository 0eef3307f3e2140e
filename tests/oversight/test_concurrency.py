"""Several members writing the same session's log at once, each on their own connection
and committing their own transactions: nothing is lost, numbers are contiguous, each
writer's entries keep the order they were written in, and a reader following the cursor
while they write never misses an entry."""

import asyncio
import itertools
import uuid

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from service.db import session_factory, session_scope
from service.deadlines.policy import seed_default_policy
from service.oversight import repository
from service.oversight import service as plans
from service.oversight.models import EntryKind
from service.oversight.schemas import EntryCreate
from service.oversight.service import log as log_service
from tests.factories import BA_DINH, HANOI, HOAN_KIEM, ensure_unit
from tests.oversight.conftest import World, approved_plan, make_world, open_session

ENTRIES_PER_WRITER = 25


async def _committed_world(engine: AsyncEngine) -> tuple[World, uuid.UUID]:
    async with session_scope(session_factory(engine)) as session:
        await ensure_unit(session, HANOI, "Thành phố Hà Nội", province=True)
        await ensure_unit(session, HOAN_KIEM, "Phường Hoàn Kiếm")
        await ensure_unit(session, BA_DINH, "Phường Ba Đình")
        await seed_default_policy(session)
        world = await make_world(session)
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        return world, supervision_session.id


async def _writer(engine: AsyncEngine, world: World, session_id: uuid.UUID, who: str) -> None:
    """One member's tablet: one transaction per entry, as the API does per request."""
    sessions = session_factory(engine)
    for index in range(ENTRIES_PER_WRITER):
        async with session_scope(sessions) as session:
            await log_service.append_entry(
                session,
                session_id,
                EntryCreate(kind=EntryKind.statement, text=f"{who} {index}"),
                world.p(who),
            )
            # Hold the transaction across a scheduling point, so the other writer's
            # request really arrives while this one is still open.
            await asyncio.sleep(0)


async def _follower(engine: AsyncEngine, session_id: uuid.UUID, stop: asyncio.Event) -> list[int]:
    """A live view polling with the cursor while the members write."""
    seen: list[int] = []
    after = 0
    sessions = session_factory(engine)
    while True:
        finished = stop.is_set()
        async with sessions() as session:
            entries = await repository.log_entries(session, session_id, after=after)
        seen.extend(e.seq for e in entries)
        if entries:
            after = entries[-1].seq
        elif finished:
            return seen
        await asyncio.sleep(0.01)


async def test_two_writers_lose_nothing_and_keep_their_order(
    committed_engine: AsyncEngine,
) -> None:
    world, session_id = await _committed_world(committed_engine)
    stop = asyncio.Event()
    follower = asyncio.create_task(_follower(committed_engine, session_id, stop))
    await asyncio.gather(
        _writer(committed_engine, world, session_id, "secretary"),
        _writer(committed_engine, world, session_id, "member"),
    )
    stop.set()
    followed = await follower

    async with AsyncSession(committed_engine) as session:
        entries = [e async for e in repository.stream_log_entries(session, session_id)]
        supervision_session = await repository.get_session(session, session_id)
    total = 2 * ENTRIES_PER_WRITER
    assert [e.seq for e in entries] == list(range(1, total + 1))
    assert supervision_session is not None
    assert supervision_session.log_seq == total
    for who in ("secretary", "member"):
        texts = [e.text for e in entries if e.author_id == getattr(world, who).id]
        assert texts == [f"{who} {index}" for index in range(ENTRIES_PER_WRITER)]
    # Both writers really interleaved (neither simply ran after the other).
    authors = [e.author_id for e in entries]
    switches = sum(1 for a, b in itertools.pairwise(authors) if a != b)
    assert switches > 1
    # The follower saw every entry exactly once, in order: the cursor never skips.
    assert followed == list(range(1, total + 1))


async def test_closing_while_members_write_leaves_no_entry_after_the_close(
    committed_engine: AsyncEngine,
) -> None:
    world, session_id = await _committed_world(committed_engine)

    async def close_soon() -> None:
        await asyncio.sleep(0.05)
        async with session_scope(session_factory(committed_engine)) as session:
            await plans.close_session(session, session_id, world.p("secretary"))

    results = await asyncio.gather(
        _writer(committed_engine, world, session_id, "member"),
        close_soon(),
        return_exceptions=True,
    )
    async with AsyncSession(committed_engine) as session:
        supervision_session = await repository.get_session(session, session_id)
        entries = await repository.log_entries(session, session_id)
    assert supervision_session is not None
    assert supervision_session.closed_at is not None
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert all(e.created_at <= supervision_session.closed_at for e in entries)
    # The writer was stopped by the close (409), unless it had already finished.
    if len(entries) < ENTRIES_PER_WRITER:
        assert type(results[0]).__name__ == "StateConflict"
