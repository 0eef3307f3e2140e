"""Every query on the ``report`` and ``report_delivery`` tables, and the look-up of what a
request names by id or code (a plan, an agency).

The render job's state changes are conditional single-statement UPDATEs: a job claims a
report only if it is queued (or its render went stale), and records progress, failure or
success only while its own claim (``attempts``) still holds, so two deliveries of the same
message, or a retry racing a slow worker, never both write.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypedDict, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from reports.models import Report, ReportDelivery, ReportKind, ReportState
from service.http import cursor as cursors
from service.kernel.rows import per_id

# The list's one sort: newest request first, then id (the cursor carries both).
NEWEST = "reports:newest"
# A render that has not written progress for this long is presumed dead (worker killed).
STALE_AFTER = timedelta(minutes=15)
ERROR_LIMIT = 2000

Row = TypeVar("Row")

_table = Report.__table__  # type: ignore[attr-defined]


async def _by_id(
    session: AsyncSession, model: type[Row], row_id: uuid.UUID, *, for_update: bool, fresh: bool
) -> Row | None:
    """The row of ``model`` with ``row_id``, locked ``FOR UPDATE`` if asked. A locked row, or
    with ``fresh`` any row, is re-read: the session may hold an older copy."""
    table: Any = model
    query = select(model).where(col(table.id) == row_id)
    if for_update:
        query = query.with_for_update()
    if for_update or fresh:
        query = query.execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def get_report(
    session: AsyncSession, report_id: uuid.UUID, *, for_update: bool = False
) -> Report | None:
    # Always re-read: a worker's progress writes come from other sessions.
    return await _by_id(session, Report, report_id, for_update=for_update, fresh=True)


async def by_id_or_code(
    session: AsyncSession,
    model: type[Row],
    row_id: uuid.UUID | None,
    code: str | None,
    name: str,
) -> tuple[Row | None, str]:
    """The row of ``model`` a request names by its id or, without one, by its code; with the
    field that named it (``parameters.<name>_id`` or ``parameters.<name>_code``) for a 422."""
    table: Any = model
    if row_id is not None:
        query = select(model).where(col(table.id) == row_id)
        field = f"parameters.{name}_id"
    else:
        query = select(model).where(col(table.code) == code)
        field = f"parameters.{name}_code"
    return (await session.execute(query)).scalar_one_or_none(), field


async def by_verification_code(session: AsyncSession, code: str) -> Report | None:
    return (
        await session.execute(select(Report).where(col(Report.verification_code) == code))
    ).scalar_one_or_none()


async def latest_version(session: AsyncSession, series_id: uuid.UUID) -> int:
    return (await latest_versions(session, [series_id])).get(series_id, 0)


async def latest_versions(
    session: AsyncSession, series_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """The latest version of each series, in one query (a page of reports asks once)."""
    return await per_id(
        session, col(Report.series_id), sa.func.max(col(Report.version)), series_ids
    )


async def deliveries_of(session: AsyncSession, report_id: uuid.UUID) -> list[ReportDelivery]:
    rows = await session.execute(
        select(ReportDelivery)
        .where(col(ReportDelivery.report_id) == report_id)
        .order_by(col(ReportDelivery.position))
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


class ReportFilters(TypedDict):
    """What a list of reports is narrowed (None: not by this) and paged by."""

    kind: ReportKind | None
    state: ReportState | None
    series_id: uuid.UUID | None
    cursor: str | None
    limit: int


async def list_reports(
    session: AsyncSession,
    visible: Any,
    *,
    kind: ReportKind | None = None,
    state: ReportState | None = None,
    series_id: uuid.UUID | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[list[Report], str | None]:
    """Newest first, keyset-paginated on (requested_at, id)."""
    query = select(Report).where(visible)
    if kind is not None:
        query = query.where(col(Report.kind) == kind.value)
    if state is not None:
        query = query.where(col(Report.state) == state.value)
    if series_id is not None:
        query = query.where(col(Report.series_id) == series_id)
    if cursor is not None:
        moment, last_id = cursors.decode(NEWEST, cursor, (datetime, uuid.UUID))
        query = query.where(
            sa.tuple_(col(Report.requested_at), col(Report.id))
            < sa.tuple_(sa.literal(moment), sa.literal(last_id))
        )
    query = query.order_by(col(Report.requested_at).desc(), col(Report.id).desc()).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    return rows, (cursors.encode(NEWEST, last.requested_at, last.id) if last else None)


async def deliveries_for(
    session: AsyncSession, report_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ReportDelivery]]:
    if not report_ids:
        return {}
    rows = await session.execute(
        select(ReportDelivery)
        .where(col(ReportDelivery.report_id).in_(list(report_ids)))
        .order_by(col(ReportDelivery.report_id), col(ReportDelivery.position))
    )
    grouped: dict[uuid.UUID, list[ReportDelivery]] = {}
    for delivery in rows.scalars():
        grouped.setdefault(delivery.report_id, []).append(delivery)
    return grouped


# -- the render job's state changes -----------------------------------------------------------


async def claim(session: AsyncSession, report_id: uuid.UUID) -> int | None:
    """Take a queued (or stale) report for rendering; returns the claim's ``attempts``."""
    result = await session.execute(
        sa.update(_table)
        .where(_table.c.id == report_id)
        .where(
            sa.or_(
                _table.c.state == ReportState.queued.value,
                sa.and_(
                    _table.c.state == ReportState.rendering.value,
                    _table.c.updated_at < sa.func.now() - STALE_AFTER,
                ),
            )
        )
        .values(
            state=ReportState.rendering.value,
            stage="gathering",
            percent=0,
            error=None,
            attempts=_table.c.attempts + 1,
            started_at=sa.func.now(),
            updated_at=sa.func.now(),
        )
        .returning(_table.c.attempts)
    )
    value = result.scalar_one_or_none()
    return None if value is None else int(value)


def _ours(report_id: uuid.UUID, attempts: int) -> Any:
    return sa.and_(
        _table.c.id == report_id,
        _table.c.state == ReportState.rendering.value,
        _table.c.attempts == attempts,
    )


async def record_progress(
    session: AsyncSession, report_id: uuid.UUID, attempts: int, stage: str, percent: int
) -> bool:
    result = await session.execute(
        sa.update(_table)
        .where(_ours(report_id, attempts))
        .values(stage=stage, percent=max(0, min(100, percent)), updated_at=sa.func.now())
        .returning(_table.c.id)
    )
    return result.first() is not None


async def record_failure(
    session: AsyncSession, report_id: uuid.UUID, attempts: int, stage: str, error: str
) -> bool:
    return await _leave_claim(session, report_id, attempts, ReportState.failed, stage, error)


async def release_for_retry(
    session: AsyncSession, report_id: uuid.UUID, attempts: int, stage: str, error: str
) -> bool:
    """Put a render that failed on a transient error back in the queue (its job will run
    again); ``error`` says why it waits."""
    return await _leave_claim(session, report_id, attempts, ReportState.queued, stage, error)


async def _leave_claim(
    session: AsyncSession,
    report_id: uuid.UUID,
    attempts: int,
    state: ReportState,
    stage: str,
    error: str,
) -> bool:
    """End this job's claim in ``state`` with ``error``, if the claim still holds."""
    result = await session.execute(
        sa.update(_table)
        .where(_ours(report_id, attempts))
        .values(state=state.value, stage=stage, error=error[:ERROR_LIMIT], updated_at=sa.func.now())
        .returning(_table.c.id)
    )
    return result.first() is not None


async def lock_own_claim(
    session: AsyncSession, report_id: uuid.UUID, attempts: int
) -> Report | None:
    """The report row, locked, if this job's claim still holds."""
    query = (
        select(Report)
        .where(
            col(Report.id) == report_id,
            col(Report.state) == ReportState.rendering.value,
            col(Report.attempts) == attempts,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalar_one_or_none()
