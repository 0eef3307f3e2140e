"""The routing-step sweep: marks petitions overdue and escalates the overdue ward items to
the city Front in one UPDATE ... RETURNING (the petition row is wide and heavily indexed:
one new row version, not two), marks those due soon (``sweep_clocks``), and
queues the reminders and escalation notices through the outbox (one job per chunk of 500
petitions). Everything is set-based: a fixed number of statements per run, and the Python
side only handles the ids that changed state in this run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import AuditEntry, record_many
from service.deadlines.sweep import sweep_clocks
from service.jobs.outbox import enqueue
from service.petitions.models import Petition
from service.petitions.repository import sweep as repository

STAFF_NOTICE_JOB = "petitions.notify_staff"
CHUNK = 500


@dataclass
class SweepOutcome:
    due_soon: list[uuid.UUID] = field(default_factory=list)
    overdue: list[uuid.UUID] = field(default_factory=list)
    escalated: list[uuid.UUID] = field(default_factory=list)


def _chunks(ids: list[uuid.UUID]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield [str(i) for i in ids[start : start + CHUNK]]


async def _escalated(session: AsyncSession, escalated: list[uuid.UUID], now: datetime) -> None:
    """The history entries (one INSERT ... SELECT) and audit events (one INSERT) of the
    petitions escalated to the city Front."""
    if not escalated:
        return
    await repository.add_escalation_events(session, escalated, now)
    after = {"escalated_at": now, "reason": "routing deadline passed"}
    await record_many(
        session,
        [
            AuditEntry(
                action="petition.escalated_to_city_front",
                entity_type="petition",
                entity_id=petition_id,
                after=after,
            )
            for petition_id in escalated
        ],
    )


async def sweep(session: AsyncSession, now: datetime) -> SweepOutcome:
    """Overdue clocks flagged and the ward items among them escalated (one UPDATE), then the
    clocks due soon (``sweep_clocks``: its overdue statement finds nothing left), the
    escalations' history and audit, and the staff notices, one job per chunk."""
    overdue, escalated = await repository.flag_overdue(session, now)
    result = await sweep_clocks(session, Petition, now)
    outcome = SweepOutcome(
        due_soon=result.due_soon, overdue=overdue + result.overdue, escalated=escalated
    )
    await _escalated(session, escalated, now)
    for chunk in _chunks(outcome.due_soon):
        await enqueue(session, STAFF_NOTICE_JOB, {"reason": "due_soon", "petition_ids": chunk})
    for chunk in _chunks(outcome.escalated):
        await enqueue(session, STAFF_NOTICE_JOB, {"reason": "overdue", "petition_ids": chunk})
    return outcome
