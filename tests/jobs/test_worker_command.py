"""`giamsat worker` in one process: scheduler → outbox → relay → broker → worker threads."""

import asyncio
import os
import signal
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from service.audit.service import record
from service.db import session_factory, session_scope
from service.settings import Settings
from tests.jobs.conftest import eventually


async def test_worker_seals_the_audit_log_and_stops_on_sigterm(
    committed_engine: AsyncEngine, settings: Settings
) -> None:
    sessions = session_factory(committed_engine)
    async with session_scope(sessions) as session:
        await record(session, actor=None, action="test.happened", entity_type="test", entity_id=1)

    env = {
        **os.environ,
        "GIAMSAT_DATABASE_URL": settings.require_database_url(),
        # The in-memory broker works within one process: relay and workers share it.
        "GIAMSAT_BROKER": "stub",
        "GIAMSAT_LOG_LEVEL": "WARNING",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "worker", "--threads", "2", env=env
    )
    try:

        async def sealed() -> bool:
            async with sessions() as session:
                return bool(
                    (
                        await session.execute(
                            text("SELECT count(*) FROM audit_event WHERE seq IS NOT NULL")
                        )
                    ).scalar_one()
                )

        await eventually(sealed, within=60)
    finally:
        if worker.returncode is None:
            worker.send_signal(signal.SIGTERM)
        exit_code = await asyncio.wait_for(worker.wait(), 60)
    assert exit_code == 0
    async with sessions() as session:
        jobs = (
            await session.execute(text("SELECT job_name, state FROM outbox ORDER BY job_name"))
        ).all()
    assert ("audit.seal", "sent") in [tuple(row) for row in jobs]
