"""How a domain record is saved with its audit event, in one place for every kind
(oversight's plans, sessions, findings and recommendations; criticism's drafts, opinions
and points; voters' records; reception's schedules and bookings).

A creation adds the row, flushes (the row gets its id) and writes ``after``; a change bumps
the row's version (and ``updated_at`` where the table has one), flushes and writes
``before`` and ``after``. ``after`` is always the kind's snapshot plus what the one action
adds (a reason, a note, the referral it followed). Services flush and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import Actor, record
from service.db import utcnow


def pick(row: object, *names: str) -> dict[str, Any]:
    """The named attributes of ``row``: what a snapshot shows of it."""
    return {name: getattr(row, name) for name in names}


def only_changes(row: object) -> dict[str, Any]:
    """The snapshot of a kind whose events carry what the action changed and nothing of the
    whole row (voters' records, reception's bookings)."""
    return {}


class Versioned(Protocol):
    id: uuid.UUID
    version: int


class Stamped(Versioned, Protocol):
    updated_at: datetime


Row = TypeVar("Row", bound=Versioned)


@dataclass(frozen=True)
class Audited(Generic[Row]):
    """One kind of record: its audit entity type and the snapshot its events carry."""

    entity_type: str
    snapshot: Callable[[Row], dict[str, Any]]
    stamps_updated_at: bool = False

    async def created(
        self, session: AsyncSession, actor: Actor, row: Row, action: str, **after: Any
    ) -> Row:
        session.add(row)
        await session.flush()
        return await self.audit(session, actor, row, action, None, **after)

    def touch(self, row: Row, at: datetime | None = None) -> None:
        """Mark ``row`` changed: its version (the ETag) moves on, and its ``updated_at``."""
        row.version += 1
        if self.stamps_updated_at:
            cast(Stamped, row).updated_at = at or utcnow()

    async def changed(
        self,
        session: AsyncSession,
        actor: Actor,
        row: Row,
        action: str,
        before: dict[str, Any] | None = None,
        *,
        at: datetime | None = None,
        **after: Any,
    ) -> Row:
        """Save a change to ``row`` (``before`` is its snapshot taken before the change; none
        for a change that only adds, such as an attachment)."""
        self.touch(row, at)
        await session.flush()
        return await self.audit(session, actor, row, action, before, **after)

    async def audit(
        self,
        session: AsyncSession,
        actor: Actor,
        row: Row,
        action: str,
        before: dict[str, Any] | None,
        **after: Any,
    ) -> Row:
        """Only the audit event of a row already saved (when something must come between)."""
        await record(
            session,
            actor=actor,
            action=action,
            entity_type=self.entity_type,
            entity_id=row.id,
            before=before,
            after={**self.snapshot(row), **after},
        )
        return row
