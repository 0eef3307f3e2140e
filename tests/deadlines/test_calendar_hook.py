"""A calendar change schedules one recompute of running deadlines, through the outbox."""

from datetime import date

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.directory import service as directory
from service.directory.models import DayKind
from service.directory.schemas import CalendarDayCreate
from service.jobs.models import OutboxMessage
from service.settings import Settings


async def test_calendar_change_enqueues_one_recompute(
    session: AsyncSession, settings: Settings
) -> None:
    # Only the rows this test writes (another test may have committed a recompute job).
    before = (
        await session.execute(select(func.coalesce(func.max(OutboxMessage.id), 0)))
    ).scalar_one()
    for day in (date(2031, 1, 2), date(2031, 1, 3)):
        await directory.add_day(
            session, CalendarDayCreate(day=day, kind=DayKind.day_off, name="Nghỉ bù")
        )
    jobs = (
        (
            await session.execute(
                select(OutboxMessage).where(
                    col(OutboxMessage.job_name) == "deadlines.recompute",
                    col(OutboxMessage.id) > before,
                )
            )
        )
        .scalars()
        .all()
    )
    assert len(jobs) == 1
