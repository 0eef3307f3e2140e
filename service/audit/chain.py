"""The audit hash chain, built after the fact by one sealer.

Why not chain at insert time: reading "the last hash" in every request either forks the
chain (two requests read the same last hash) or, with a lock, serialises every write in
the system. Instead ``record`` only inserts, and ``seal_pending`` (a job run every few
seconds, and at the start of ``giamsat audit verify``) chains the committed, unsealed
events:

* one sealer at a time (a transaction-scoped advisory lock; a second sealer returns 0);
* it appends events in id order *after* the last sealed one, numbering them ``seq`` 1, 2,
  3... with ``hash = sha256(prev_hash || canonical JSON of the event, seq included)``.

The chain order is the sealing order (``seq``), not the id order. A transaction that took
id 10 but commits after id 11 was sealed is not lost or forked: the sealer cannot see it
until it commits (MVCC), and then seals it next, with a higher ``seq``. So no safety
window is needed, and every committed event is eventually sealed exactly once (the
trigger forbids changing ``seq``/``hash`` once set).

``verify`` walks the chain by ``seq`` and reports the first link that does not hold: a
changed row breaks its own hash, a deleted row leaves a gap in ``seq``, a forged hash
breaks the next row's ``prev_hash``. (Removing the newest sealed events is not visible in
the chain itself; the trigger forbids DELETE, and ``checked`` can be compared with an
earlier run.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import AuditEvent
from service.db import by_id, update_by_id

GENESIS_HASH = "0" * 64
# pg_advisory lock key for the sealer ("auditsea" as a big-endian integer).
SEAL_LOCK_KEY = int.from_bytes(b"auditsea", "big")
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
_CONTENT = (
    _EVENTS.c.id,
    _EVENTS.c.occurred_at,
    _EVENTS.c.actor_type,
    _EVENTS.c.actor_id,
    _EVENTS.c.action,
    _EVENTS.c.entity_type,
    _EVENTS.c.entity_id,
    _EVENTS.c.before,
    _EVENTS.c.after,
    _EVENTS.c.request_id,
)


def canonical_json(event: Any, seq: int) -> bytes:
    """The bytes that are hashed: the event's content and its position, sorted keys."""
    document = {
        "seq": seq,
        "id": event.id,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(prev_hash: str, event: Any, seq: int) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(event, seq)).hexdigest()


async def seal_pending(session: AsyncSession, *, batch: int = 1000, limit: int = 100_000) -> int:
    """Chain up to ``limit`` unsealed events; returns how many were sealed.

    Returns 0 at once when another sealer holds the lock. Only executes statements: the
    caller commits (the ``audit.seal`` job uses a session scope).
    """
    await session.flush()
    locked = (
        await session.execute(sa.select(sa.func.pg_try_advisory_xact_lock(SEAL_LOCK_KEY)))
    ).scalar_one()
    if not locked:
        return 0
    last = (
        await session.execute(
            sa.select(_EVENTS.c.seq, _EVENTS.c.hash)
            .where(_EVENTS.c.seq.is_not(None))
            .order_by(_EVENTS.c.seq.desc())
            .limit(1)
        )
    ).first()
    seq, prev_hash = (int(last.seq), str(last.hash)) if last else (0, GENESIS_HASH)
    sealed = 0
    seal = update_by_id(_EVENTS, "seq", "prev_hash", "hash")
    while sealed < limit:
        events = (
            await session.execute(
                sa.select(*_CONTENT)
                .where(_EVENTS.c.seq.is_(None))
                .order_by(_EVENTS.c.id)
                .limit(min(batch, limit - sealed))
            )
        ).all()
        if not events:
            break
        links = []
        for event in events:
            seq += 1
            digest = event_hash(prev_hash, event, seq)
            links.append(by_id(event.id, seq=seq, prev_hash=prev_hash, hash=digest))
            prev_hash = digest
        await session.execute(seal, links)
        sealed += len(events)
    return sealed


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    # Committed events the sealer has not chained yet (not an error by itself).
    unsealed: int = 0
    problem: str | None = None


async def verify(session: AsyncSession, *, chunk: int = 2000) -> VerifyResult:
    """Recompute the chain in ``seq`` order; report the first broken link."""
    await session.flush()
    unsealed = (
        await session.execute(
            sa.select(sa.func.count()).select_from(_EVENTS).where(_EVENTS.c.seq.is_(None))
        )
    ).scalar_one()
    rows = await session.stream(
        sa.select(*_CONTENT, _EVENTS.c.seq, _EVENTS.c.prev_hash, _EVENTS.c.hash)
        .where(_EVENTS.c.seq.is_not(None))
        .order_by(_EVENTS.c.seq)
        .execution_options(yield_per=chunk)
    )
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    problem: str | None = None
    try:
        async for row in rows:
            if row.seq != expected_seq:
                problem = f"event seq {expected_seq} is missing"
            elif row.prev_hash != prev_hash:
                problem = f"event seq {row.seq} does not link to the previous event"
            elif row.hash != event_hash(prev_hash, row, row.seq):
                problem = f"event seq {row.seq} (id {row.id}) does not match its hash"
            if problem is not None:
                break
            prev_hash = row.hash
            expected_seq += 1
            checked += 1
    finally:
        await rows.close()
    if problem is not None:
        return VerifyResult(
            ok=False,
            checked=checked,
            first_broken_seq=expected_seq,
            unsealed=int(unsealed),
            problem=problem,
        )
    return VerifyResult(ok=True, checked=checked, unsealed=int(unsealed))
