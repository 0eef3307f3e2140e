"""How a pause, an extension and a calendar change move a due date (issue 10, item 13).

The rule (``service.deadlines.clock``): a pause moves a working-time deadline by the office
time that elapsed while paused, in whole minutes; a calendar-day deadline by the whole days
that elapsed; a working-hours due date is a whole minute; day units end at a day's end.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from service.deadlines.clock import (
    DeadlineRule,
    extend_clock,
    pause_clock,
    recompute_clock,
    resume_clock,
    start_clock,
)
from service.deadlines.models import DeadlineClock, DeadlineStatus, DeadlineStep, DeadlineUnit
from service.directory.calendar import WorkingCalendar
from service.directory.models import DayKind

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HCM).astimezone(UTC)


# 2026: Thursday 30 April and Friday 1 May are holidays; weekends are off.
CALENDAR = WorkingCalendar.build(
    [(date(2026, 4, 30), DayKind.holiday), (date(2026, 5, 1), DayKind.holiday)]
)

WD, WH, CD = DeadlineUnit.working_days, DeadlineUnit.working_hours, DeadlineUnit.calendar_days


@dataclass(frozen=True)
class Case:
    name: str
    amount: int
    unit: DeadlineUnit
    start: datetime
    due_before: datetime
    pauses: list[tuple[datetime, datetime]]
    due_after: datetime
    extensions: list[tuple[int, DeadlineUnit]] = field(default_factory=list)


CASES = [
    Case(
        "two seconds paused move nothing (the reported Tue 17:00 -> Wed 08:00:02)",
        1,
        WD,
        local(2026, 5, 4, 10),
        local(2026, 5, 5, 17),
        [(local(2026, 5, 4, 10, 0, 0), local(2026, 5, 4, 10, 0, 2))],
        local(2026, 5, 5, 17),
    ),
    Case(
        "three office hours paused move it three office hours",
        1,
        WD,
        local(2026, 5, 4, 10),
        local(2026, 5, 5, 17),
        [(local(2026, 5, 4, 14), local(2026, 5, 4, 17))],
        local(2026, 5, 6, 11),
    ),
    Case(
        "a pause over a weekend and holidays with no office time moves nothing",
        5,
        WD,
        local(2026, 4, 28, 10),
        local(2026, 5, 7, 17),
        [(local(2026, 4, 29, 17, 30), local(2026, 5, 4, 7, 45))],
        local(2026, 5, 7, 17),
    ),
    Case(
        "a pause across the holidays counts only the office time on either side",
        5,
        WD,
        local(2026, 4, 28, 10),
        local(2026, 5, 7, 17),
        [(local(2026, 4, 29, 16), local(2026, 5, 4, 9))],
        local(2026, 5, 8, 10),
    ),
    Case(
        "resumed on a non-working day (Saturday)",
        5,
        WD,
        local(2026, 4, 28, 10),
        local(2026, 5, 7, 17),
        [(local(2026, 4, 29, 15), local(2026, 5, 2, 10))],
        local(2026, 5, 8, 10),
    ),
    Case(
        "office time paused is counted in whole minutes, rounded down",
        5,
        WD,
        local(2026, 4, 28, 10),
        local(2026, 5, 7, 17),
        [(local(2026, 5, 4, 10, 0, 30), local(2026, 5, 4, 10, 5, 10))],
        local(2026, 5, 8, 8, 4),
    ),
    Case(
        "two short pauses add up only by their whole minutes each",
        1,
        WD,
        local(2026, 5, 4, 10),
        local(2026, 5, 5, 17),
        [
            (local(2026, 5, 4, 10, 0, 0), local(2026, 5, 4, 10, 0, 40)),
            (local(2026, 5, 4, 11, 0, 0), local(2026, 5, 4, 11, 0, 40)),
        ],
        local(2026, 5, 5, 17),
    ),
    Case(
        "a pause that starts after the deadline passed moves nothing",
        1,
        WD,
        local(2026, 5, 4, 10),
        local(2026, 5, 5, 17),
        [(local(2026, 5, 6, 9), local(2026, 5, 6, 15))],
        local(2026, 5, 5, 17),
    ),
    Case(
        "a pause straddling the deadline adds all the office time paused",
        1,
        WD,
        local(2026, 5, 4, 10),
        local(2026, 5, 5, 17),
        [(local(2026, 5, 5, 16), local(2026, 5, 6, 10))],
        local(2026, 5, 6, 11),
    ),
    Case(
        "working hours: a start with seconds gives a whole minute, rounded up",
        4,
        WH,
        local(2026, 5, 4, 10, 0, 37),
        local(2026, 5, 4, 15, 1),
        [],
        local(2026, 5, 4, 15, 1),
    ),
    Case(
        "working hours: two seconds paused move nothing",
        4,
        WH,
        local(2026, 5, 4, 10, 0, 37),
        local(2026, 5, 4, 15, 1),
        [(local(2026, 5, 4, 11, 0, 0), local(2026, 5, 4, 11, 0, 2))],
        local(2026, 5, 4, 15, 1),
    ),
    Case(
        "working hours: half an hour paused over lunch counts only office time",
        4,
        WH,
        local(2026, 5, 4, 10),
        local(2026, 5, 4, 15),
        [(local(2026, 5, 4, 11, 45), local(2026, 5, 4, 13, 15))],
        local(2026, 5, 4, 15, 30),
    ),
    Case(
        "working hours: a pause to the end of the day pushes into the next morning",
        4,
        WH,
        local(2026, 5, 4, 14),
        local(2026, 5, 5, 9),
        [(local(2026, 5, 4, 16), local(2026, 5, 4, 17))],
        local(2026, 5, 5, 10),
    ),
    Case(
        "calendar days: two seconds paused move nothing",
        10,
        CD,
        local(2026, 5, 4, 9),
        local(2026, 5, 14, 23, 59, 59),
        [(local(2026, 5, 4, 10, 0, 0), local(2026, 5, 4, 10, 0, 2))],
        local(2026, 5, 14, 23, 59, 59),
    ),
    Case(
        "calendar days: 36 hours paused move one whole day",
        10,
        CD,
        local(2026, 5, 4, 9),
        local(2026, 5, 14, 23, 59, 59),
        [(local(2026, 5, 5, 8), local(2026, 5, 6, 20))],
        local(2026, 5, 15, 23, 59, 59),
    ),
    Case(
        "calendar days: moved onto a Saturday, the deadline is the end of Monday",
        10,
        CD,
        local(2026, 5, 4, 9),
        local(2026, 5, 14, 23, 59, 59),
        [(local(2026, 5, 5, 8), local(2026, 5, 7, 9))],
        local(2026, 5, 18, 23, 59, 59),
    ),
    Case(
        "extension then two seconds paused: the extended date stays",
        1,
        WD,
        local(2026, 5, 4, 10),
        local(2026, 5, 7, 17),
        [(local(2026, 5, 4, 10, 0, 0), local(2026, 5, 4, 10, 0, 2))],
        local(2026, 5, 7, 17),
        extensions=[(2, WD)],
    ),
    Case(
        "extension then three office hours paused",
        1,
        WD,
        local(2026, 5, 4, 10),
        local(2026, 5, 7, 17),
        [(local(2026, 5, 4, 14), local(2026, 5, 4, 17))],
        local(2026, 5, 8, 11),
        extensions=[(2, WD)],
    ),
    Case(
        "calendar-day extension on a working-day clock, then a pause",
        1,
        WD,
        local(2026, 5, 4, 10),
        local(2026, 5, 8, 23, 59, 59),
        [(local(2026, 5, 4, 14), local(2026, 5, 4, 17))],
        local(2026, 5, 11, 11),
        extensions=[(3, CD)],
    ),
]


def run(case: Case, calendar: WorkingCalendar = CALENDAR) -> DeadlineClock:
    item = DeadlineClock()
    rule = DeadlineRule(
        step=DeadlineStep.routing,
        amount=case.amount,
        unit=case.unit,
        warn_amount=1,
        warn_unit=WH,
        max_extensions=len(case.extensions),
    )
    start_clock(item, calendar, rule, case.start)
    for amount, unit in case.extensions:
        extend_clock(item, calendar, amount, unit, case.start)
    assert item.due_at == case.due_before
    for paused, resumed in case.pauses:
        pause_clock(item, paused)
        assert item.deadline_status is DeadlineStatus.paused
        resume_clock(item, calendar, resumed)
    return item


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_pause_moves_the_due_date_by_the_time_paused(case: Case) -> None:
    item = run(case)
    assert item.due_at == case.due_after
    assert item.due_at is not None
    local_due = item.due_at.astimezone(HCM)
    # No stray seconds: a whole minute, or the end of a calendar day.
    assert local_due.microsecond == 0
    assert local_due.second == 0 or (local_due.hour, local_due.minute, local_due.second) == (
        23,
        59,
        59,
    )
    # Recomputing from the stored columns (what the calendar-change job does) is stable.
    due = item.due_at
    recompute_clock(item, CALENDAR, case.start)
    assert item.due_at == due


def test_recompute_after_a_calendar_change_counts_pauses_on_the_new_calendar() -> None:
    case = Case(
        "paused from Monday 10:00 to Wednesday 10:00 (16 office hours)",
        1,
        WD,
        local(2026, 5, 4, 10),
        local(2026, 5, 5, 17),
        [(local(2026, 5, 4, 10), local(2026, 5, 6, 10))],
        local(2026, 5, 7, 17),
    )
    item = run(case)
    assert item.due_at == case.due_after
    # Tuesday 5 May becomes a day off: the first working day after receipt is Wednesday
    # (due Wed 17:00), and only 8 office hours were paused (Monday 10-17 less lunch,
    # Wednesday 8-10).
    changed = CALENDAR.with_day(date(2026, 5, 5), DayKind.day_off)
    recompute_clock(item, changed, case.start)
    assert item.due_at == local(2026, 5, 7, 17)
    # Wednesday off as well: due Thursday 17:00, 6 office hours paused (Monday only).
    changed = changed.with_day(date(2026, 5, 6), DayKind.day_off)
    recompute_clock(item, changed, case.start)
    assert item.due_at == local(2026, 5, 8, 15)
