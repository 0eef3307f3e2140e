"""The periodic referral sweep (job ``referrals.sweep``), set-based.

1. ``sweep_clocks`` flags clocks that became due soon or overdue (two UPDATE ... RETURNING).
2. For the newly flagged referrals only: one reminder row per referral (INSERT ... SELECT,
   deduplicated per deadline) and one ``replies.notify_agency`` outbox job per row; then the
   ``referral.due_soon`` / ``referral.overdue`` events (petitions and oversight escalate
   through them, e.g. to the city Front for a ward's overdue item).
3. Published referrals whose feedback window ended without a rating are closed in one
   UPDATE, with their history rows in one INSERT ... SELECT; then an audit event and a
   ``referral.closed`` event each.

The statements are in :mod:`service.replies.repository` (section "the sweep").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record
from service.deadlines.sweep import sweep_clocks
from service.jobs import outbox
from service.replies import events, repository
from service.replies.models import Referral, ReferralState
from service.replies.service import NOTIFY_JOB, emit, snapshot
from service.replies.workflow import Action, transition

# Why the sweep closes a referral (its close reason, its history row and events).
FEEDBACK_WINDOW_ENDED = "feedback_window_ended"


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
        for referral in await repository.referrals_by_ids(session, ids):
            await repository.reread(session, referral)
            await emit(
                session,
                name,
                referral,
                None,
                {"due_at": referral.due_at, "step": referral.deadline_step},
            )
    closed = await _close_silent(session, now)
    return ReferralSweep(
        due_soon=flagged.due_soon, overdue=flagged.overdue, reminders=reminders, closed=closed
    )


async def _queue_reminders(session: AsyncSession, kind: str, ids: list[uuid.UUID]) -> int:
    """One notification row per newly flagged referral (INSERT ... SELECT; the dedupe key
    makes a repeat a no-op), then one outbox job per row inserted."""
    notification_ids = await repository.insert_reminders(session, kind, ids)
    for notification_id in notification_ids:
        await outbox.enqueue(
            session,
            NOTIFY_JOB,
            {"notification_id": notification_id},
            dedupe_key=f"replies.notify:{notification_id}",
        )
    return len(notification_ids)


async def _close_silent(session: AsyncSession, now: datetime) -> list[uuid.UUID]:
    """Published referrals whose feedback window ended: closed in one UPDATE, with their
    history rows in one INSERT ... SELECT; then the audit event and referral.closed each."""
    step = transition(ReferralState.published, Action.close, None)
    ids = await repository.close_feedback_ended(
        session, now, to_state=step.target, reason=FEEDBACK_WINDOW_ENDED
    )
    if not ids:
        return []
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
    for referral in await repository.referrals_by_ids(session, ids):
        await repository.reread(session, referral)
        await record(
            session,
            actor=None,
            action="referral.close",
            entity_type="referral",
            entity_id=referral.id,
            before={"state": ReferralState.published},
            after={**snapshot(referral), "reason": FEEDBACK_WINDOW_ENDED},
        )
        await emit(session, events.CLOSED, referral, None, {"reason": FEEDBACK_WINDOW_ENDED})
    await session.flush()
    return ids
