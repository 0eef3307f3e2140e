"""The sealer job: chains committed audit events every few seconds."""

from __future__ import annotations

import structlog

from service.audit.chain import seal_pending
from service.jobs.context import in_transaction
from service.jobs.registry import job

logger = structlog.get_logger(__name__)

SEAL_EVERY_SECONDS = 5


# No retries: the next time slot seals whatever this run did not.
@job("audit.seal", max_retries=0)
async def seal() -> None:
    sealed = await in_transaction(seal_pending)
    if sealed:
        logger.info("audit_sealed", events=sealed)
