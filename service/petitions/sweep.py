"""The routing-step sweep: marks petitions due soon and overdue (``sweep_clocks``, one
UPDATE ... RETURNING per change), escalates the overdue ward items to the city Front, and
queues the reminders and escalation notices through the outbox. Everything is set-based:
the Python side only handles the ids that changed state in this run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.audit.service import record as audit_record
from service.deadlines.sweep import sweep_clocks
from service.directory.models import AdminUnit, UnitLevel
from service.jobs.outbox import enqueue
from service.petitions.models import Petition, PetitionEvent

STAFF_NOTICE_JOB = "petitions.notify_staff"
CHUNK = 500


@dataclass
class SweepOutcome:
    due_soon: list[uuid.UUID] = field(default_factory=list)
    overdue: list[uuid.UUID] = field(default_factory=list)
    escalated: list[uuid.UUID] = field(default_factory=list)


def _id_array(ids: list[uuid.UUID]) -> sa.BindParameter[Any]:
    """One array parameter, however many ids (an IN list is limited by bind parameters)."""
    array_type: Any = postgresql.ARRAY(sa.Uuid())
    return sa.bindparam(None, ids, type_=array_type)


def _chunks(ids: list[uuid.UUID]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield [str(i) for i in ids[start : start + CHUNK]]


async def escalate_overdue(
    session: AsyncSession, ids: list[uuid.UUID], now: datetime
) -> list[uuid.UUID]:
    """Flag the overdue ward/commune petitions as escalated to the city Front (once each),
    with a history entry per petition written by one INSERT ... SELECT."""
    if not ids:
        return []
    ward_units = sa.select(col(AdminUnit.code)).where(
        col(AdminUnit.level) == UnitLevel.commune.value
    )
    flagged = await session.execute(
        sa.update(Petition)
        .where(
            col(Petition.id) == sa.any_(_id_array(ids)),
            col(Petition.escalated_at).is_(None),
            col(Petition.unit_code).in_(ward_units),
        )
        .values(escalated_at=now)
        .returning(col(Petition.id))
    )
    escalated = list(flagged.scalars())
    if not escalated:
        return []
    event_table = PetitionEvent.__table__  # type: ignore[attr-defined]
    source = sa.select(
        col(Petition.id),
        sa.literal(now, sa.DateTime(timezone=True)),
        sa.literal_column("'system'"),
        sa.literal_column("'escalate_overdue'"),
        col(Petition.status),
        col(Petition.status),
        sa.false(),
        sa.func.jsonb_build_object(
            sa.literal_column("'to'"),
            sa.literal_column("'city_front'"),
            sa.literal_column("'due_at'"),
            col(Petition.due_at),
            sa.literal_column("'step'"),
            col(Petition.deadline_step),
        ),
    ).where(col(Petition.id) == sa.any_(_id_array(escalated)))
    await session.execute(
        event_table.insert().from_select(
            [
                "petition_id",
                "at",
                "actor_kind",
                "action",
                "from_status",
                "to_status",
                "citizen_visible",
                "data",
            ],
            source,
        )
    )
    for petition_id in escalated:
        await audit_record(
            session,
            actor=None,
            action="petition.escalated_to_city_front",
            entity_type="petition",
            entity_id=petition_id,
            after={"escalated_at": now, "reason": "routing deadline passed"},
        )
    return escalated


async def sweep(session: AsyncSession, now: datetime) -> SweepOutcome:
    result = await sweep_clocks(session, Petition, now)
    outcome = SweepOutcome(due_soon=result.due_soon, overdue=result.overdue)
    outcome.escalated = await escalate_overdue(session, result.overdue, now)
    for chunk in _chunks(outcome.due_soon):
        await enqueue(session, STAFF_NOTICE_JOB, {"reason": "due_soon", "petition_ids": chunk})
    for chunk in _chunks(outcome.escalated):
        await enqueue(session, STAFF_NOTICE_JOB, {"reason": "overdue", "petition_ids": chunk})
    return outcome
