"""Jobs of the voters domain: saving a confirmed minutes import, a batch a transaction (the
page polls the import's ``processed_rows``)."""

from __future__ import annotations

import uuid

import structlog

from service.jobs.context import worker_context
from service.jobs.registry import job
from service.voters.service import SAVE_IMPORT_JOB, save_import_batch

logger = structlog.get_logger(__name__)


@job(SAVE_IMPORT_JOB)
async def save_import(import_id: str) -> None:
    """Idempotent: each batch commits with the import's progress, and a row already saved is
    not inserted again, so a retried job continues where the last one stopped."""
    context = worker_context()
    finished = False
    while not finished:
        async with context.session_scope() as session:
            finished = await save_import_batch(session, uuid.UUID(import_id))
    logger.info("voters_import_saved", import_id=import_id)
