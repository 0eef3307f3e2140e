"""The periodic referral sweep (job ``referrals.sweep``), set-based: a fixed number of
statements however many referrals it changes, and no ORM object loaded.

1. ``sweep_clocks`` flags clocks that became due soon or overdue (two UPDATE ... RETURNING).
2. For the newly flagged referrals only: one reminder row per referral (INSERT ... SELECT,
   deduplicated per deadline) and one ``replies.notify_agencies`` outbox job per chunk of
   ``REMINDER_CHUNK`` rows (the job sends each of its reminders once); then the
   ``referral.due_soon`` / ``referral.overdue`` events, published as a batch
   (``events.dispatch_many``: petitions and oversight escalate through them, e.g. to the
   city Front for a ward's overdue item), their fields read by one SELECT.
3. Published referrals whose feedback window ended without a rating are closed in one
   UPDATE ... RETURNING, with their history rows in one INSERT ... SELECT and their audit
   events in one INSERT; then ``referral.closed`` as a batch (petitions close the petitions
   in one statement).

The statements are in :mod:`service.replies.repository` (section "the sweep").
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import AuditEntry, record_many
from service.deadlines.sweep import sweep_clocks
from service.jobs import outbox
from service.replies import events, repository
from service.replies.models import Referral, ReferralState
from service.replies.service.steps import snapshot
from service.replies.workflow import Action, transition

# Why the sweep closes a referral (its close reason, its history row and events).
FEEDBACK_WINDOW_ENDED = "feedback_window_ended"
# The job that sends a chunk of the sweep's reminders, and how many a job takes.
NOTIFY_MANY_JOB = "replies.notify_agencies"
REMINDER_CHUNK = 500


@dataclass(frozen=True)
class ReferralSweep:
    due_soon: list[uuid.UUID]
    overdue: list[uuid.UUID]
    reminders: int
    closed: list[uuid.UUID]


async def sweep_referrals(session: AsyncSession, now: datetime) -> ReferralSweep:
    """Flag clocks due soon/overdue (set-based), remind the agencies of the newly flagged
    referrals through the outbox, emit ``referral.due_soon``/``referral.overdue``, and close
    published referrals whose feedback window ended without a rating."""
    flagged = await sweep_clocks(session, Referral, now)
    reminders = 0
    for kind, ids in (("due_soon", flagged.due_soon), ("overdue", flagged.overdue)):
        if not ids:
            continue
        reminders += await _queue_reminders(session, kind, ids)
        name = events.DUE_SOON if kind == "due_soon" else events.OVERDUE
        rows = await repository.swept_referrals(session, ids)
        await events.dispatch_many(
            session,
            [_event(name, row, {"due_at": row.due_at, "step": row.deadline_step}) for row in rows],
        )
    closed = await _close_silent(session, now)
    return ReferralSweep(
        due_soon=flagged.due_soon, overdue=flagged.overdue, reminders=reminders, closed=closed
    )


def _event(name: str, row: sa.Row[Any], data: dict[str, Any]) -> events.ReferralEvent:
    return events.ReferralEvent.of(name, row, None, data)


async def _queue_reminders(session: AsyncSession, kind: str, ids: list[uuid.UUID]) -> int:
    """One notification row per newly flagged referral (INSERT ... SELECT; the dedupe key
    makes a repeat a no-op), then one outbox job per chunk of the rows inserted."""
    notification_ids = sorted(await repository.insert_reminders(session, kind, ids))
    chunks: list[tuple[dict[str, Any], str | None]] = []
    for start in range(0, len(notification_ids), REMINDER_CHUNK):
        chunk = notification_ids[start : start + REMINDER_CHUNK]
        chunks.append(({"notification_ids": chunk}, f"replies.notify:{chunk[0]}-{chunk[-1]}"))
    await outbox.enqueue_many(session, NOTIFY_MANY_JOB, chunks)
    return len(notification_ids)


async def _close_silent(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Published referrals whose feedback window ended: closed in one UPDATE, with their
    history rows in one INSERT ... SELECT and their audit events in one INSERT; then
    ``referral.closed`` as one batch."""
    step = transition(ReferralState.published, Action.close, None)
    rows: Sequence[sa.Row[Any]] = await repository.close_feedback_ended(
        session, now, to_state=step.target, reason=FEEDBACK_WINDOW_ENDED
    )
    if not rows:
        return []
    ids = [row.id for row in rows]
    await repository.add_system_history(
        session,
        ids,
        now,
        action=step.action.value,
        from_state=ReferralState.published,
        to_state=step.target,
        reason=FEEDBACK_WINDOW_ENDED,
        visible_to_citizen=step.citizen_visible,
    )
    await record_many(
        session,
        [
            AuditEntry(
                action="referral.close",
                entity_type="referral",
                entity_id=row.id,
                before={"state": ReferralState.published},
                after={**snapshot(row, row.extensions), "reason": FEEDBACK_WINDOW_ENDED},
            )
            for row in rows
        ],
    )
    await events.dispatch_many(
        session, [_event(events.CLOSED, row, {"reason": FEEDBACK_WINDOW_ENDED}) for row in rows]
    )
    await session.flush()
    return ids
