"""The append-only audit log.

Rows are inserted by ``service.audit.service.record`` in the transaction of the change they
describe and never change afterwards: a trigger (migration 0030) rejects DELETE and any
UPDATE of the content columns. The sealer later fills ``seq``, ``prev_hash`` and ``hash``
exactly once, chaining the events in the order it seals them.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import bigint_id, jsonb_column, partial_index, timestamp_now


class ActorType(StrEnum):
    user = "user"
    client = "client"
    system = "system"


class AuditEvent(SQLModel, table=True):
    """One audited change: who (``actor_type``, ``actor_id``) did which action to which
    entity, with the entity before and after; once sealed, ``seq`` and the hashes chain it."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_entity", "entity_type", "entity_id", "id"),
        sa.Index("ix_audit_event_actor", "actor_type", "actor_id", "id"),
        # The sealer's working set: events not chained yet.
        partial_index("ix_audit_event_unsealed", "id", where="seq IS NULL"),
    )

    id: int | None = bigint_id(identity=False)
    occurred_at: datetime = timestamp_now(index=True)
    actor_type: ActorType = Field(sa_type=sa.String(16))
    actor_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=100, index=True)
    entity_type: str = Field(max_length=64)
    entity_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(
        default=None, sa_column=jsonb_column(nullable=True, default=None)
    )
    after: dict[str, Any] | None = Field(
        default=None, sa_column=jsonb_column(nullable=True, default=None)
    )
    request_id: str | None = Field(default=None, max_length=64)
    # Set once by the sealer: position in the chain, the previous event's hash, this hash.
    seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, unique=True))
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)
