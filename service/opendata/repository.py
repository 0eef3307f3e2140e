"""The open-data statements: the published answers and the monthly statistics, streamed from
a server-side cursor (``yield_per``), and the released files.

The answers are the feeds' rows (:func:`service.feeds.repository.public_answers_query`: the
redacted ``public_answer`` rows, never a complaint or a denunciation). The statistics are read
as the portal's and the dashboard's figures are (``petitions.repository.figures``): the
``petition_count`` summary plus the changes the fold has not moved yet, with the same
definition of "answered"; months before the release's month from the month rows, the release's
month from its day rows before the release day, so a file dated D counts what was filed before D.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.directory.models import AdminUnit, PetitionCategory
from service.feeds.repository import public_answers_query
from service.opendata.models import Dataset, FileFormat, OpenDataFile
from service.petitions.repository.figures import ANSWERED
from service.replies.models import PublicAnswer

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
YIELD_ROWS = 2000


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZONE)


async def stream_answers(session: AsyncSession, day: date) -> AsyncIterator[dict[str, Any]]:
    """The answers published before ``day`` (local), oldest first, with their place names."""
    query = (
        public_answers_query()
        .add_columns(
            col(AdminUnit.name).label("unit_name"),
            col(PetitionCategory.name_vi).label("category_name"),
        )
        .outerjoin(AdminUnit, col(AdminUnit.code) == col(PublicAnswer.unit_code))
        .outerjoin(PetitionCategory, col(PetitionCategory.code) == col(PublicAnswer.category_code))
        .where(col(PublicAnswer.published_at) < local_midnight(day))
        .order_by(col(PublicAnswer.published_at), col(PublicAnswer.id))
        .execution_options(yield_per=YIELD_ROWS)
    )
    result = await session.stream(query)
    async for row, unit_name, category_name in result:
        yield {
            "row": row,
            "unit_name": unit_name,
            "category_name": category_name,
        }


_STATISTICS = sa.text(
    """
SELECT to_char(c.month, 'YYYY-MM') AS month,
       c.unit_code, u.name AS unit_name,
       c.category_code, pc.name_vi AS category_name,
       sum(c.n)::bigint AS received,
       coalesce(sum(c.n) FILTER (WHERE c.status IN :answered), 0)::bigint AS answered,
       sum(c.routed)::bigint AS routed,
       sum(c.on_time)::bigint AS routed_on_time
  FROM (
        SELECT period AS month, unit_code, category_code, status, n, routed, on_time
          FROM petition_count
         WHERE grain = 'month' AND period < :month_start
        UNION ALL
        SELECT date_trunc('month', period)::date, unit_code, category_code, status, n,
               routed, on_time
          FROM petition_count
         WHERE grain = 'day' AND period >= :month_start AND period < :day
        UNION ALL
        SELECT date_trunc('month', day)::date, unit_code, category_code, status, n,
               routed, on_time
          FROM petition_count_change
         WHERE day < :day
       ) c
  LEFT JOIN admin_unit u ON u.code = c.unit_code
  LEFT JOIN petition_category pc ON pc.code = c.category_code
 GROUP BY c.month, c.unit_code, u.name, c.category_code, pc.name_vi
HAVING sum(c.n) <> 0
 ORDER BY c.month, c.unit_code NULLS FIRST, c.category_code NULLS FIRST
"""
).bindparams(sa.bindparam("answered", expanding=True))


async def stream_statistics(session: AsyncSession, day: date) -> AsyncIterator[dict[str, Any]]:
    """Petitions filed before ``day`` (local) per month × unit × category."""
    result = await session.stream(
        _STATISTICS.execution_options(yield_per=YIELD_ROWS),
        {"answered": list(ANSWERED), "month_start": day.replace(day=1), "day": day},
    )
    async for row in result.mappings():
        yield dict(row)


# -- released files ---------------------------------------------------------------------------


async def lock_day(session: AsyncSession, day: date) -> None:
    """One build of ``day`` at a time, to the end of the transaction: two overlapping runs
    would upload to the same keys, and the row of one would describe the bytes of the other."""
    await session.execute(
        sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"open-data:{day}"}
    )


async def released(
    session: AsyncSession, dataset: Dataset, file_format: FileFormat, day: date
) -> OpenDataFile | None:
    query = select(OpenDataFile).where(
        col(OpenDataFile.dataset) == dataset.value,
        col(OpenDataFile.format) == file_format.value,
        col(OpenDataFile.day) == day,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def latest(
    session: AsyncSession, dataset: Dataset, file_format: FileFormat
) -> OpenDataFile | None:
    query = (
        select(OpenDataFile)
        .where(
            col(OpenDataFile.dataset) == dataset.value,
            col(OpenDataFile.format) == file_format.value,
        )
        .order_by(col(OpenDataFile.day).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def release_days(session: AsyncSession, limit: int) -> Sequence[date]:
    """The newest days with a released file, newest first."""
    query = (
        sa.select(col(OpenDataFile.day))
        .group_by(col(OpenDataFile.day))
        .order_by(col(OpenDataFile.day).desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def files_of_days(session: AsyncSession, days: Sequence[date]) -> list[OpenDataFile]:
    query = (
        select(OpenDataFile)
        .where(col(OpenDataFile.day).in_(days))
        .order_by(col(OpenDataFile.day).desc(), col(OpenDataFile.dataset), col(OpenDataFile.format))
    )
    return list((await session.execute(query)).scalars())


async def record(session: AsyncSession, row: OpenDataFile) -> bool:
    """Record a released file; False if that (dataset, format, day) was recorded meanwhile
    (a second run of the day's job: the first one's row stands)."""
    # Every column the row carries but its creation moment: that is the database's clock.
    values = row.model_dump(exclude={"created_at"})
    statement = (
        insert(OpenDataFile)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_open_data_file_day")
    )
    result = await session.execute(statement)
    return bool(getattr(result, "rowcount", 0))
