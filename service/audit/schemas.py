from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from service.audit.models import ActorType


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor_type: ActorType
    actor_id: str | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    # None until the sealer has chained the event.
    seq: int | None
    hash: str | None


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    # Pass as ?cursor= for the next (older) page; None on the last page.
    next_cursor: int | None


class VerifyReport(BaseModel):
    ok: bool
    checked: int
    first_broken_seq: int | None
    unsealed: int
    problem: str | None
