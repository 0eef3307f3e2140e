"""Jobs of the channels package.

- ``channels.publish(publication_id)``: one delivery attempt (``delivery``); a publication
  still ``retrying`` afterwards is retried by the broker: after the remote's ``retry_after``
  when it throttled us, else with exponential backoff. The attempt budget is the
  publication's own (``GIAMSAT_CHANNELS_MAX_ATTEMPTS``); the broker's retries only carry it.
"""

from __future__ import annotations

import uuid

import dramatiq

from service.channels import delivery
from service.channels.models import PublicationStatus
from service.jobs.context import worker_context
from service.jobs.registry import RetryPolicy, job

PUBLISH_RETRY = RetryPolicy(max_retries=100, min_backoff_ms=1_000, max_backoff_ms=30 * 60 * 1000)


@job("channels.publish", queue="notifications", retry=PUBLISH_RETRY)
async def publish(publication_id: str) -> None:
    context = worker_context()
    outcome = await delivery.deliver(context.sessions, context.settings, uuid.UUID(publication_id))
    if outcome.status is not PublicationStatus.retrying:
        return
    if outcome.retry_after is not None:
        raise dramatiq.Retry(delay=int(outcome.retry_after * 1000))
    raise delivery.PublishDeferred(f"publication {publication_id} will be retried")
