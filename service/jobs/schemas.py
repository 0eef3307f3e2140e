from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class JobFailureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: str
    outbox_id: int | None
    job_name: str
    queue: str
    args: dict[str, Any]
    error: str
    traceback: str | None
    failed_at: datetime
    # Set when an admin re-ran it (a new failure, if it fails again, is a new row).
    retried_at: datetime | None


class JobFailurePage(BaseModel):
    items: list[JobFailureRead]
    next_cursor: int | None


class OutboxStats(BaseModel):
    # Rows per state: pending, sent, failed (always all three keys).
    counts: dict[str, int]
    # Age of the oldest pending row; a growing value means the relay or broker is stuck.
    oldest_pending_age_seconds: float | None
    # Pending rows whose last publish attempt failed (e.g. broker down).
    pending_with_errors: int
    # Failed jobs nobody has retried yet.
    unretried_failures: int
