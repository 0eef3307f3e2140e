"""Moving every running deadline after the working-day calendar changes.

Tables with clocks are listed by their domain's ``wire`` (``builder.clock_table(Petition)``);
``recompute_running_clocks`` walks each table of the session's wiring by keyset in batches,
reading only the clock columns, and writes the new due dates back with one executemany
UPDATE per batch. It runs in a background job, never in the request that changed the
calendar.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import by_id, update_by_id
from service.deadlines.clock import Calendar, recompute_clock
from service.deadlines.models import DeadlineStatus
from service.kernel.wiring import wiring_of

_LIVE = [
    DeadlineStatus.running.value,
    DeadlineStatus.due_soon.value,
    DeadlineStatus.overdue.value,
    DeadlineStatus.paused.value,
]


@dataclass
class _Clock:
    """The clock columns of one row, in the shape ``recompute_clock`` works on."""

    id: Any
    deadline_rule: dict[str, Any] | None
    clock_started_at: datetime | None
    clock_paused_at: datetime | None
    clock_stopped_at: datetime | None
    clock_pauses: list[list[str]] = field(default_factory=list)
    extensions: list[list[Any]] = field(default_factory=list)
    due_at: datetime | None = None
    warn_at: datetime | None = None
    deadline_status: DeadlineStatus = DeadlineStatus.running
    deadline_step: Any = None


async def recompute_running_clocks(
    session: AsyncSession, calendar: Calendar, now: datetime, *, batch_size: int = 2000
) -> int:
    changed = 0
    for model in wiring_of(session).clock_tables:
        table: sa.Table = model.__table__
        columns = [table.c[name] for name in _Clock.__dataclass_fields__ if name != "deadline_step"]
        update = update_by_id(table, "due_at", "warn_at", "deadline_status")
        last_id = None
        while True:
            query = (
                sa.select(*columns)
                .where(table.c.deadline_status.in_(_LIVE), table.c.clock_started_at.is_not(None))
                .order_by(table.c.id)
                .limit(batch_size)
            )
            if last_id is not None:
                query = query.where(table.c.id > last_id)
            rows = (await session.execute(query)).mappings().all()
            if not rows:
                break
            params = []
            for row in rows:
                clock = _Clock(**row)
                before = (clock.due_at, clock.warn_at, clock.deadline_status)
                recompute_clock(clock, calendar, now)  # type: ignore[arg-type]
                if (clock.due_at, clock.warn_at, clock.deadline_status) != before:
                    params.append(
                        by_id(
                            clock.id,
                            due_at=clock.due_at,
                            warn_at=clock.warn_at,
                            deadline_status=DeadlineStatus(clock.deadline_status).value,
                        )
                    )
            if params:
                await session.execute(update, params)
                changed += len(params)
            last_id = rows[-1]["id"]
    return changed
