"""The periodic referral sweep (job ``referrals.sweep``), set-based.

1. ``sweep_clocks`` flags clocks that became due soon or overdue (two UPDATE ... RETURNING).
2. For the newly flagged referrals only: one reminder row per referral (INSERT ... SELECT,
   deduplicated per deadline) and one ``replies.notify_agency`` outbox job per row; then the
   ``referral.due_soon`` / ``referral.overdue`` events (petitions and oversight escalate
   through them, e.g. to the city Front for a ward's overdue item).
3. Published referrals whose feedback window ended without a rating are closed in one
   UPDATE, with their history rows in one INSERT ... SELECT; then an audit event and a
   ``referral.closed`` event each.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record
from service.deadlines.sweep import sweep_clocks
from service.directory.models import Agency
from service.jobs import outbox
from service.replies import events, repository
from service.replies.models import (
    NotificationStatus,
    Referral,
    ReferralHistory,
    ReferralNotification,
    ReferralState,
)
from service.replies.service import NOTIFY_JOB, emit, snapshot
from service.replies.workflow import Action, transition


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
            await session.refresh(referral)
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
    referral = Referral.__table__  # type: ignore[attr-defined]
    agency = Agency.__table__  # type: ignore[attr-defined]
    notification = ReferralNotification.__table__  # type: ignore[attr-defined]
    source = (
        sa.select(
            referral.c.id,
            sa.literal(kind),
            sa.literal("email"),
            agency.c.email,
            sa.literal(NotificationStatus.pending.value),
            sa.func.concat(
                kind,
                ":",
                sa.cast(referral.c.id, sa.String),
                ":",
                referral.c.deadline_step,
                ":",
                sa.cast(referral.c.due_at, sa.String),
            ),
            sa.func.now(),
        )
        .select_from(referral.join(agency, agency.c.id == referral.c.agency_id))
        .where(referral.c.id.in_(ids))
    )
    inserted = await session.execute(
        pg_insert(notification)
        .from_select(
            ["referral_id", "kind", "channel", "recipient", "status", "dedupe_key", "created_at"],
            source,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(notification.c.id)
    )
    notification_ids = list(inserted.scalars())
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
    table = Referral.__table__  # type: ignore[attr-defined]
    result = await session.execute(
        sa.update(table)
        .where(
            table.c.state == ReferralState.published.value,
            table.c.feedback_due_at <= now,
        )
        .values(
            state=step.target.value,
            closed_at=now,
            close_reason="feedback_window_ended",
            version=table.c.version + 1,
            updated_at=now,
        )
        .returning(table.c.id)
    )
    ids = list(result.scalars())
    if not ids:
        return []
    history = ReferralHistory.__table__  # type: ignore[attr-defined]
    await session.execute(
        sa.insert(history).from_select(
            [
                "referral_id",
                "at",
                "actor_type",
                "action",
                "from_state",
                "to_state",
                "reason",
                "visible_to_citizen",
                "data",
            ],
            sa.select(
                table.c.id,
                sa.literal(now, sa.DateTime(timezone=True)),
                sa.literal("system"),
                sa.literal(step.action.value),
                sa.literal(ReferralState.published.value),
                sa.literal(step.target.value),
                sa.literal("feedback_window_ended"),
                sa.literal(step.citizen_visible),
                sa.cast(sa.literal('{"reason": "feedback_window_ended"}'), postgresql.JSONB),
            ).where(table.c.id.in_(ids)),
        )
    )
    for referral in await repository.referrals_by_ids(session, ids):
        await session.refresh(referral)
        await record(
            session,
            actor=None,
            action="referral.close",
            entity_type="referral",
            entity_id=referral.id,
            before={"state": ReferralState.published},
            after={**snapshot(referral), "reason": "feedback_window_ended"},
        )
        await emit(session, events.CLOSED, referral, None, {"reason": "feedback_window_ended"})
    await session.flush()
    return ids
