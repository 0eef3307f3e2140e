"""Writing and reading audit events.

``record`` is called by every service that changes a domain object, in the same
transaction. It only adds a row: no "last hash" is read, so concurrent requests neither
fork the chain nor wait for each other. The chain is built afterwards by the sealer
(``service.audit.chain``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.audit.masking import mask_personal_data
from service.audit.models import ActorType, AuditEvent
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.db import narrowed
from service.observability import current_request_id

Actor = StaffPrincipal | ClientPrincipal | None
Snapshot = Mapping[str, Any] | BaseModel | None


def actor_fields(actor: Actor) -> tuple[ActorType, str | None]:
    if isinstance(actor, StaffPrincipal):
        return ActorType.user, str(actor.user_id)
    if isinstance(actor, ClientPrincipal):
        return ActorType.client, str(actor.client_id)
    return ActorType.system, None


def _snapshot(value: Snapshot) -> dict[str, Any] | None:
    if value is None:
        return None
    data = to_jsonable_python(value)
    if not isinstance(data, dict):
        raise TypeError("audit snapshots must be objects (dicts or pydantic models)")
    masked: dict[str, Any] = mask_personal_data(data)
    return masked


async def record(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | uuid.UUID | int,
    before: Snapshot = None,
    after: Snapshot = None,
) -> AuditEvent:
    """Add an audit event to the caller's transaction (flushed with the caller's changes).

    ``actor`` is the request's principal, or None for the system (jobs, CLI). ``before`` and
    ``after`` are JSON-able snapshots (UUIDs, datetimes, enums, pydantic models are
    converted); personal data in them is masked. ``action`` reads like ``petition.routed``.
    """
    actor_type, actor_id = actor_fields(actor)
    event = AuditEvent(
        actor_type=actor_type,
        actor_id=actor_id,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=_snapshot(before),
        after=_snapshot(after),
        request_id=current_request_id(),
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class AuditEntry:
    """One event of ``record_many``: what ``record`` takes, for the system or one actor."""

    action: str
    entity_type: str
    entity_id: str | uuid.UUID | int
    before: Snapshot = None
    after: Snapshot = None
    actor: Actor = None


async def record_many(session: AsyncSession, entries: list[AuditEntry]) -> None:
    """``record`` for many events in one executemany INSERT (the sweeps write thousands):
    the same rows, snapshots converted and masked the same way."""
    if not entries:
        return
    request_id = current_request_id()
    rows = [audit_values(entry, request_id) for entry in entries]
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    await session.execute(table.insert(), rows)


def audit_values(entry: AuditEntry, request_id: str | None) -> dict[str, Any]:
    """The column values of ``entry``'s row (snapshots converted and masked as ``record``
    does), for a caller that inserts it in a statement of its own (``record_many``, intake's
    one INSERT)."""
    actor_type, actor_id = actor_fields(entry.actor)
    return {
        "actor_type": actor_type.value,
        "actor_id": actor_id,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": str(entry.entity_id),
        "before": _snapshot(entry.before),
        "after": _snapshot(entry.after),
        "request_id": request_id,
    }


@dataclass(frozen=True)
class AuditFilter:
    entity_type: str | None = None
    entity_id: str | None = None
    actor_type: ActorType | None = None
    actor_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_events(
    session: AsyncSession, filters: AuditFilter, *, cursor: int | None = None, limit: int = 50
) -> tuple[list[AuditEvent], int | None]:
    """Newest first; ``cursor`` is the last id of the previous page. Returns the next cursor."""
    query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit + 1)
    if cursor is not None:
        query = query.where(col(AuditEvent.id) < cursor)
    actor_type = filters.actor_type.value if filters.actor_type is not None else None
    query = narrowed(
        query,
        (col(AuditEvent.entity_type), filters.entity_type),
        (col(AuditEvent.entity_id), filters.entity_id),
        (col(AuditEvent.actor_type), actor_type),
        (col(AuditEvent.actor_id), filters.actor_id),
        (col(AuditEvent.action), filters.action),
    )
    if filters.since is not None:
        query = query.where(col(AuditEvent.occurred_at) >= filters.since)
    if filters.until is not None:
        query = query.where(col(AuditEvent.occurred_at) < filters.until)
    events = list((await session.execute(query)).scalars().all())
    next_cursor = events[limit - 1].id if len(events) > limit else None
    return events[:limit], next_cursor
