"""Jobs used by the tests, on a queue of this test run's own.

They record their work in ``jobs_test.effect`` (a schema of its own, so the migration drift
test does not see it; keys are unique per test, so rows need no cleanup): ``deliveries``
counts every run, ``effects`` counts the state change, which an idempotent job applies once
however often it runs.
"""

import os
import uuid

from sqlalchemy import text

from service.jobs.context import run_async, worker_context
from service.jobs.registry import job

# Unique per run, so concurrent test runs on the same RabbitMQ never share a queue.
QUEUE = f"test_jobs_{os.getpid()}_{uuid.uuid4().hex[:8]}"

EFFECT_SCHEMA = "CREATE SCHEMA IF NOT EXISTS jobs_test"
EFFECT_TABLE = """
CREATE TABLE IF NOT EXISTS jobs_test.effect (
    key text PRIMARY KEY,
    state text NOT NULL DEFAULT 'new',
    deliveries int NOT NULL DEFAULT 0,
    effects int NOT NULL DEFAULT 0
)
"""


async def _count_delivery(key: str) -> None:
    async with worker_context().session_scope() as session:
        await session.execute(
            text("UPDATE jobs_test.effect SET deliveries = deliveries + 1 WHERE key = :key"),
            {"key": key},
        )


@job("tests.mark_done", queue=QUEUE)
async def mark_done(key: str) -> None:
    """Idempotent: the state change happens once, however many times the message comes."""
    async with worker_context().session_scope() as session:
        await session.execute(
            text("UPDATE jobs_test.effect SET deliveries = deliveries + 1 WHERE key = :key"),
            {"key": key},
        )
        await session.execute(
            text(
                "UPDATE jobs_test.effect SET effects = effects + 1, state = 'done'"
                " WHERE key = :key AND state = 'new'"
            ),
            {"key": key},
        )


@job("tests.always_fails", queue=QUEUE, max_retries=1, min_backoff=10, max_backoff=50)
def always_fails(key: str) -> None:
    """A plain sync job (calling async code through run_async) that never succeeds."""
    run_async(_count_delivery(key))
    raise RuntimeError(f"cannot process {key}")
