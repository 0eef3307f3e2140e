"""Set-based marking of clocks that became due soon or overdue."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.deadlines.models import DeadlineStatus


@dataclass
class SweepResult:
    due_soon: list[uuid.UUID] = field(default_factory=list)
    overdue: list[uuid.UUID] = field(default_factory=list)


async def sweep_clocks(session: AsyncSession, model: Any, now: datetime) -> SweepResult:
    """Two UPDATE ... RETURNING statements over the partial indexes of ``clock_indexes``.

    Returns only the ids whose status changed now, so reminders go out once.
    """
    table: sa.Table = model.__table__
    status = table.c.deadline_status
    overdue = await session.execute(
        sa.update(table)
        .where(
            status.in_([DeadlineStatus.running.value, DeadlineStatus.due_soon.value]),
            table.c.due_at <= now,
        )
        .values(deadline_status=DeadlineStatus.overdue.value)
        .returning(table.c.id)
    )
    due_soon = await session.execute(
        sa.update(table)
        .where(
            status == DeadlineStatus.running.value,
            table.c.warn_at <= now,
            table.c.due_at > now,
        )
        .values(deadline_status=DeadlineStatus.due_soon.value)
        .returning(table.c.id)
    )
    return SweepResult(due_soon=list(due_soon.scalars()), overdue=list(overdue.scalars()))
