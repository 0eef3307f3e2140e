"""Deadline clocks over the real calendar arithmetic: start, pause/resume, extensions,
calendar changes and the set-based sweep."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.deadlines.clock import (
    DeadlineRule,
    extend_clock,
    extensions_left,
    pause_clock,
    recompute_clock,
    resume_clock,
    start_clock,
    stop_clock,
)
from service.deadlines.models import (
    DeadlineClock,
    DeadlineStatus,
    DeadlineStep,
    DeadlineUnit,
    ItemKind,
    Urgency,
)
from service.deadlines.policy import rule_for, seed_default_policy
from service.directory.calendar import WorkingCalendar
from service.directory.models import DayKind

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HCM).astimezone(UTC)


def rule(amount: int, unit: DeadlineUnit, **extra: object) -> DeadlineRule:
    return DeadlineRule(
        step=DeadlineStep.answer,
        amount=amount,
        unit=unit,
        warn_amount=2,
        warn_unit=DeadlineUnit.working_hours,
        **extra,  # type: ignore[arg-type]
    )


# 2026: Monday 27 April, Thursday 30 April and Friday 1 May are holidays (Reunification Day and
# Labour Day); Saturday 25 April is not a working day here.
CALENDAR = WorkingCalendar.build(
    [(date(2026, 4, 30), DayKind.holiday), (date(2026, 5, 1), DayKind.holiday)]
)


def test_working_days_skip_weekend_and_holidays() -> None:
    item = DeadlineClock()
    start_clock(item, CALENDAR, rule(3, DeadlineUnit.working_days), local(2026, 4, 28, 10))
    # Wed 29, (Thu 30 and Fri 1 off, weekend), Mon 4, Tue 5 -> end of office hours Tue 5 May.
    assert item.due_at == local(2026, 5, 5, 17)
    assert item.deadline_status is DeadlineStatus.running


def test_pause_adds_the_remaining_time_back() -> None:
    item = DeadlineClock()
    start_clock(item, CALENDAR, rule(16, DeadlineUnit.working_hours), local(2026, 5, 4, 8))
    assert item.due_at == local(2026, 5, 5, 17)
    pause_clock(item, local(2026, 5, 4, 12))  # 4 working hours used, 12 left
    assert item.deadline_status is DeadlineStatus.paused
    resume_clock(item, CALENDAR, local(2026, 5, 11, 8))  # a week later
    assert item.due_at == local(2026, 5, 12, 12)
    assert item.deadline_status is DeadlineStatus.running


def test_extension_is_limited_by_the_rule() -> None:
    item = DeadlineClock()
    start = local(2026, 5, 4, 9)
    start_clock(item, CALENDAR, rule(30, DeadlineUnit.calendar_days, max_extensions=1), start)
    before = item.due_at
    assert extensions_left(item) == 1
    extend_clock(item, CALENDAR, 30, DeadlineUnit.calendar_days, start)
    assert item.due_at is not None
    assert before is not None
    assert item.due_at - before >= timedelta(days=30)
    assert extensions_left(item) == 0


def test_calendar_change_moves_the_deadline() -> None:
    item = DeadlineClock()
    start = local(2026, 5, 4, 9)
    start_clock(item, CALENDAR, rule(2, DeadlineUnit.working_days), start)
    assert item.due_at == local(2026, 5, 6, 17)
    recompute_clock(item, CALENDAR.with_day(date(2026, 5, 5), DayKind.day_off), start)
    assert item.due_at == local(2026, 5, 7, 17)


def test_status_follows_time() -> None:
    item = DeadlineClock()
    start = local(2026, 5, 4, 8)
    start_clock(item, CALENDAR, rule(8, DeadlineUnit.working_hours), start)
    recompute_clock(item, CALENDAR, local(2026, 5, 4, 16))
    assert item.deadline_status is DeadlineStatus.due_soon
    recompute_clock(item, CALENDAR, local(2026, 5, 4, 17, 30))
    assert item.deadline_status is DeadlineStatus.overdue
    stop_clock(item, local(2026, 5, 4, 18))
    assert item.deadline_status is DeadlineStatus.stopped


async def test_policy_defaults_follow_the_law(session: AsyncSession) -> None:
    await seed_default_policy(session)
    assert await seed_default_policy(session) == 0  # idempotent
    complaint = await rule_for(session, ItemKind.complaint, Urgency.complex, DeadlineStep.answer)
    assert (complaint.amount, complaint.unit) == (45, DeadlineUnit.calendar_days)
    denunciation = await rule_for(
        session, ItemKind.denunciation, Urgency.complex, DeadlineStep.answer
    )
    assert (denunciation.max_extensions, denunciation.extension_amount) == (2, 30)
    urgent = await rule_for(session, ItemKind.feedback, Urgency.urgent, DeadlineStep.acceptance)
    assert (urgent.amount, urgent.unit) == (4, DeadlineUnit.working_hours)
    # No urgent-specific row for supervision recommendations: falls back to normal.
    fallback = await rule_for(
        session, ItemKind.supervision_recommendation, Urgency.urgent, DeadlineStep.answer
    )
    assert fallback.amount == 30


@pytest.mark.parametrize("unit", list(DeadlineUnit))
def test_rule_round_trips_through_json(unit: DeadlineUnit) -> None:
    original = rule(5, unit, max_extensions=2, extension_amount=10)
    assert DeadlineRule.from_json(original.as_json()) == original
