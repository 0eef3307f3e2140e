"""The pool without pre-ping: a pooled connection the server closed is never handed out."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.db import create_engine
from service.scrub import database_unavailable
from service.settings import Settings


async def _terminate(database_url: str, pid: int) -> None:
    """Ends backend ``pid`` as a PostgreSQL restart would, and waits until it is gone."""
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        for _ in range(500):  # the backend exits at once; give it up to 10 s on a busy machine
            if not await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid
            ):
                break
            await asyncio.sleep(0.02)
    finally:
        await admin.close()


async def test_a_connection_the_server_closed_is_replaced_at_checkout(
    settings: Settings, database_url: str
) -> None:
    engine = create_engine(settings, pool_size=1)
    try:
        async with engine.connect() as conn:
            first = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await _terminate(database_url, first)
        await asyncio.sleep(0.1)  # the event loop reads the closed socket's end
        async with engine.connect() as conn:
            second = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert second != first
    finally:
        await engine.dispose()


async def test_a_connection_lost_during_use_fails_once_then_the_pool_recovers(
    settings: Settings, database_url: str
) -> None:
    """What the checkout cannot see: the statement fails as a disconnect (the app answers
    503, ``service.scrub.database_unavailable``) and the next checkout connects afresh."""
    engine = create_engine(settings, pool_size=1)
    try:
        async with engine.connect() as conn:
            first = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await _terminate(database_url, first)
            with pytest.raises(DBAPIError) as failure:
                await conn.execute(text("SELECT 1"))
        assert database_unavailable(failure.value)
        async with engine.connect() as conn:
            second = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert second != first
    finally:
        await engine.dispose()
