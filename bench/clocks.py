"""Deadline clock columns for generated rows, computed by ``service.deadlines.clock`` itself.

The real arithmetic costs 0.1-0.4 ms per clock (it walks the calendar day by day), too much
for two million clocks. Two things make it cheap without changing a result:

``FastCalendar`` answers the calendar's working-time questions from a table of the office
periods (``WorkingCalendar.office_periods`` of every day in the generated range) with
running totals, by bisection, in whole microseconds as ``timedelta`` counts them; day counts
are the real calendar's, memoised by local date. ``compute_due`` runs unchanged on top.

``ClockMath`` memoises whole clocks where that is exact:

- a due date in working or calendar days depends only on the local date of the start;
- its "due soon" instant in working days is the earliest instant with ``warn`` working time
  left before the due date, which does not depend on the start either, unless the start is
  already inside the window (then the real function returns the start: so does this one);
- in calendar days it is ``max(start, due - warn days)``.

Clocks counted in working hours are computed directly. ``tests/bench`` checks a sample of
generated rows against ``compute_due`` on the real calendar.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from service.deadlines.clock import DeadlineRule, compute_due
from service.deadlines.models import DeadlineClock, DeadlineStatus, DeadlineUnit
from service.directory.calendar import WorkingCalendar

# The columns of the DeadlineClock mixin in its order: the tail of every clocked row (a
# petition, a referral), whose values come from ClockMath.
CLOCK_COLUMNS = list(DeadlineClock.model_fields)


@dataclass
class ClockRow:
    """The ``DeadlineClock`` columns, as ``compute_due`` reads them."""

    deadline_step: str | None = None
    deadline_rule: dict[str, Any] | None = None
    clock_started_at: datetime | None = None
    clock_paused_at: datetime | None = None
    clock_pauses: list[list[str]] = field(default_factory=list)
    due_at: datetime | None = None
    warn_at: datetime | None = None
    deadline_status: str = DeadlineStatus.none.value
    clock_stopped_at: datetime | None = None
    extensions: list[list[Any]] = field(default_factory=list)


def status_at(
    now: datetime,
    *,
    due: datetime | None,
    warn: datetime | None,
    stopped: datetime | None = None,
    paused: datetime | None = None,
) -> str:
    """The clock's status at ``now`` (the rule of ``service.deadlines.clock``)."""
    if stopped is not None:
        return DeadlineStatus.stopped.value
    if paused is not None:
        return DeadlineStatus.paused.value
    if due is not None and due <= now:
        return DeadlineStatus.overdue.value
    if warn is not None and warn <= now:
        return DeadlineStatus.due_soon.value
    return DeadlineStatus.running.value


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _us(instant: datetime) -> int:
    return (instant - EPOCH) // MICROSECOND


def _instant(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


class FastCalendar:
    """The ``service.deadlines.clock.Calendar`` protocol over a table of office periods."""

    def __init__(self, calendar: WorkingCalendar, first_day: date, last_day: date) -> None:
        self.calendar = calendar
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []  # office time in all earlier periods
        total = 0
        day = first_day
        while day <= last_day:
            for begin, end in calendar.office_periods(day):
                self.starts.append(_us(begin))
                self.ends.append(_us(end))
                self.before.append(total)
                total += _us(end) - _us(begin)
            day += timedelta(days=1)
        self.first = _us(calendar.end_of_day(first_day - timedelta(days=1)))
        self.last = self.ends[-1] if self.ends else self.first
        self._days: dict[tuple[date, int, bool], datetime] = {}

    def local_date(self, instant: datetime) -> date:
        return self.calendar.local_date(instant)

    def _covered(self, us: int) -> bool:
        return self.first < us < self.last

    def _office_before(self, us: int) -> int:
        """Office time from the table's start up to ``us``."""
        index = bisect_right(self.starts, us) - 1
        if index < 0:
            return 0
        return self.before[index] + min(us, self.ends[index]) - self.starts[index]

    def add_working_days(self, start: datetime, days: int) -> datetime:
        return self._add_days(start, days, working=True)

    def add_calendar_days(self, start: datetime, days: int) -> datetime:
        return self._add_days(start, days, working=False)

    def _add_days(self, start: datetime, days: int, *, working: bool) -> datetime:
        """The calendar's answer, asked once per (local day, days, working or not)."""
        key = (self.calendar.local_date(start), days, working)
        cached = self._days.get(key)
        if cached is None:
            add = self.calendar.add_working_days if working else self.calendar.add_calendar_days
            cached = self._days[key] = add(start, days)
        return cached

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        remaining = timedelta(hours=hours) // MICROSECOND
        begin_us = _us(start)
        first = bisect_right(self.ends, begin_us)  # the first period ending after start
        if remaining < 0 or first >= len(self.starts) or not self._covered(begin_us):
            return self.calendar.add_working_hours(start, hours)
        target = self.before[first] + max(0, begin_us - self.starts[first]) + remaining
        # The first period whose end reaches the target (the earliest such instant).
        low, high = first, len(self.starts)
        while low < high:
            middle = (low + high) // 2
            if self.before[middle] + self.ends[middle] - self.starts[middle] >= target:
                high = middle
            else:
                low = middle + 1
        index = low
        if index >= len(self.starts):
            return self.calendar.add_working_hours(start, hours)
        return _instant(self.starts[index] + target - self.before[index])

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        a, b = _us(start), _us(end)
        if not (self._covered(a) and self._covered(b)):
            return self.calendar.working_seconds_between(start, end)
        return (self._office_before(b) - self._office_before(a)) / 1_000_000

    def working_hours_per_day(self) -> float:
        return self.calendar.working_hours_per_day()


class ClockMath:
    def __init__(self, calendar: WorkingCalendar, first_day: date, last_day: date) -> None:
        self.calendar = FastCalendar(calendar, first_day, last_day)
        self._memo: dict[tuple[date, DeadlineRule], tuple[datetime, datetime]] = {}
        self.direct = 0
        self.memoised = 0

    def _compute(
        self, start: datetime, rule: DeadlineRule, extensions: list[list[Any]] | None = None
    ) -> tuple[datetime, datetime]:
        row = ClockRow(
            deadline_step=rule.step.value,
            deadline_rule=rule.as_json(),
            clock_started_at=start,
            extensions=extensions or [],
        )
        computed = compute_due(cast(Any, row), self.calendar)
        assert computed is not None
        self.direct += 1
        return computed

    def times(
        self, start: datetime, rule: DeadlineRule, extensions: list[list[Any]] | None = None
    ) -> tuple[datetime, datetime]:
        """(due_at, warn_at) of a clock started at ``start`` under ``rule``."""
        if extensions or DeadlineUnit.working_hours in (rule.unit, rule.warn_unit):
            return self._compute(start, rule, extensions)
        key = (self.calendar.local_date(start), rule)
        cached = self._memo.get(key)
        if cached is None:
            due, warn = self._compute(start, rule)
            if rule.warn_unit is DeadlineUnit.calendar_days or warn > start:
                self._memo[key] = (due, warn)
            return due, warn
        self.memoised += 1
        due, earliest_warn = cached
        if rule.warn_unit is DeadlineUnit.calendar_days:
            return due, max(start, due - timedelta(days=rule.warn_amount))
        return due, earliest_warn if earliest_warn > start else start

    def feedback_due(self, published: datetime, days: int) -> datetime:
        return self.calendar.add_calendar_days(published, days)
