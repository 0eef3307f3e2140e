"""Working-day arithmetic over the calendar data (``calendar_day`` + ``office_hours``).

The calendar is data, not code: public holidays, substitute days and swapped working days are
rows that an administrator can change. ``WorkingCalendar`` is a pure value built from those
rows (``await load_calendar(session)``); everything below is plain arithmetic on it.

Conventions (Civil Code 2015 Art. 147-148, as the petition laws count time):
- Instants in and out are timezone-aware UTC; day boundaries are the office time zone's
  (Asia/Ho_Chi_Minh by default).
- ``add_working_days(start, n)``: the day of receipt is not counted; the count starts with the
  first working day after it, and the deadline is the END of office hours of the n-th working
  day (received Friday 18:00 with n=1: due Monday 17:00).
- ``add_calendar_days(start, n)``: the last day is the n-th day after receipt; it ends at the
  end of that day (23:59:59 local); when that day is not a working day the deadline moves to
  the end of the next working day (Art. 148(5)).
- ``add_working_hours(start, h)``: only time inside office periods counts; a start outside
  them counts from the next period's start. Running out exactly at 12:00 gives 12:00.
- ``working_days_between(a, b)`` counts working days d with date(a) < d <= date(b), so that
  ``working_days_between(a, add_working_days(a, n)) == n``; ``working_seconds_between``
  measures office time (a paused clock, "working hours to answer"). The SQL function
  ``working_days_between(timestamptz, timestamptz)`` (migration 0010) computes the same.

Changing the calendar must move running deadlines: the service functions that write calendar
rows or office hours call ``notify_calendar_change(session)`` after flushing, which awaits every
calendar hook of the session's wiring inside the same transaction (the deadlines package
contributes its recompute in its ``wire``).
"""

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.directory.models import CalendarDay, DayKind, OfficeHours
from service.kernel.wiring import wiring_of

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_WEEKDAYS: frozenset[int] = frozenset({1, 2, 3, 4, 5})
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(8, 0), time(12, 0)),
    (time(13, 0), time(17, 0)),
)
END_OF_DAY = time(23, 59, 59)
# Walking further than this without finding working time means the calendar has none.
_MAX_DAYS_SEARCHED = 366 * 10

CalendarChangeHook = Callable[[AsyncSession], Awaitable[None]]


async def notify_calendar_change(session: AsyncSession) -> None:
    """Await (in order) every calendar hook of the session's wiring
    (``builder.on_calendar_change(hook)``), in the caller's transaction."""
    for hook in wiring_of(session).calendar_hooks:
        await hook(session)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("calendar arithmetic needs timezone-aware datetimes")
    return instant


@dataclass(frozen=True)
class OfficeSchedule:
    """Weekdays worked (ISO: 1 = Monday) and the office periods of a working day."""

    weekdays: frozenset[int] = DEFAULT_WEEKDAYS
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("office hours need at least one period")
        previous_end: time | None = None
        for start, end in self.periods:
            if start >= end:
                raise ValueError(f"office period {start}-{end} ends before it starts")
            if previous_end is not None and start < previous_end:
                raise ValueError("office periods must be in order and must not overlap")
            previous_end = end
        if not self.weekdays <= set(range(1, 8)):
            raise ValueError("weekdays are ISO numbers 1 (Monday) to 7 (Sunday)")
        ZoneInfo(self.timezone)  # raises for an unknown zone

    @classmethod
    def from_row(cls, row: OfficeHours) -> "OfficeSchedule":
        return cls(
            weekdays=frozenset(int(day) for day in row.weekdays),
            periods=tuple(
                (time.fromisoformat(p["start"]), time.fromisoformat(p["end"])) for p in row.periods
            ),
            timezone=row.timezone,
        )

    @property
    def hours_per_day(self) -> float:
        today = date(2000, 1, 3)
        seconds = sum(
            (datetime.combine(today, end) - datetime.combine(today, start)).total_seconds()
            for start, end in self.periods
        )
        return seconds / 3600

    def periods_json(self) -> list[dict[str, str]]:
        return [
            {"start": start.isoformat("minutes"), "end": end.isoformat("minutes")}
            for start, end in self.periods
        ]


@dataclass(frozen=True)
class WorkingCalendar:
    """The working-day calendar: a weekly pattern plus the days that differ from it."""

    days: Mapping[date, DayKind] = field(default_factory=dict)
    office: OfficeSchedule = field(default_factory=OfficeSchedule)

    @classmethod
    def build(
        cls, days: Iterable[tuple[date, DayKind | str]], office: OfficeSchedule | None = None
    ) -> "WorkingCalendar":
        return cls({day: DayKind(kind) for day, kind in days}, office or OfficeSchedule())

    def with_day(self, day: date, kind: DayKind | None) -> "WorkingCalendar":
        """A copy with one day set (or removed, with ``None``)."""
        days = dict(self.days)
        if kind is None:
            days.pop(day, None)
        else:
            days[day] = kind
        return WorkingCalendar(days, self.office)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.office.timezone)

    # -- days ---------------------------------------------------------------------------

    def local_date(self, instant: datetime) -> date:
        return _aware(instant).astimezone(self.tz).date()

    def is_working_day(self, day: date) -> bool:
        kind = self.days.get(day)
        if kind is DayKind.working_day:
            return True
        if kind is not None:
            return False
        return day.isoweekday() in self.office.weekdays

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        for candidate in self._walk(day, 1):
            if self.is_working_day(candidate):
                return candidate
        raise ValueError("the calendar has no working days")

    def working_day_on_or_after(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def office_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """The office periods of ``day`` as UTC instants (none on a day off)."""
        if not self.is_working_day(day):
            return []
        tz = self.tz
        return [
            (
                datetime.combine(day, start, tzinfo=tz).astimezone(UTC),
                datetime.combine(day, end, tzinfo=tz).astimezone(UTC),
            )
            for start, end in self.office.periods
        ]

    def end_of_office_day(self, day: date) -> datetime:
        """When office hours end on ``day`` (UTC), whether or not it is a working day."""
        return datetime.combine(day, self.office.periods[-1][1], tzinfo=self.tz).astimezone(UTC)

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, END_OF_DAY, tzinfo=self.tz).astimezone(UTC)

    def is_office_time(self, instant: datetime) -> bool:
        instant = _aware(instant)
        return any(
            start <= instant < end for start, end in self.office_periods(self.local_date(instant))
        )

    # -- deadlines ----------------------------------------------------------------------

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End of office hours of the ``days``-th working day after the day of ``start``.

        ``days = 0`` gives the end of office hours of the day of ``start`` (or of the next
        working day when that is a day off); a negative ``days`` counts back.
        """
        day = self.local_date(start)
        if days == 0:
            return self.end_of_office_day(self.working_day_on_or_after(day))
        step = 1 if days > 0 else -1
        counted = 0
        for candidate in self._walk(day, step):
            if self.is_working_day(candidate):
                counted += 1
                if counted == abs(days):
                    return self.end_of_office_day(candidate)
        raise ValueError("the calendar has no working days")

    def add_calendar_days(self, start: datetime, days: int) -> datetime:
        """End of the ``days``-th day after the day of ``start``; moved to the end of the
        next working day when that day is not one."""
        last = self.local_date(start) + timedelta(days=days)
        return self.end_of_day(self.working_day_on_or_after(last))

    def add_working_hours(self, start: datetime, hours: float | timedelta) -> datetime:
        """The instant when ``hours`` of office time have passed since ``start``."""
        remaining = hours if isinstance(hours, timedelta) else timedelta(hours=hours)
        if remaining < timedelta(0):
            raise ValueError("working hours to add must not be negative")
        start = _aware(start).astimezone(UTC)
        day = self.local_date(start)
        for _ in range(_MAX_DAYS_SEARCHED):
            for period_start, period_end in self.office_periods(day):
                if period_end <= start:
                    continue
                begin = max(period_start, start)
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("the calendar has no working time")

    # -- measuring ----------------------------------------------------------------------

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time inside [start, end); negative when end is before start."""
        start, end = _aware(start).astimezone(UTC), _aware(end).astimezone(UTC)
        if end < start:
            return -self.working_time_between(end, start)
        total = timedelta(0)
        day, last = self.local_date(start), self.local_date(end)
        while day <= last:
            for period_start, period_end in self.office_periods(day):
                overlap = min(period_end, end) - max(period_start, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        return self.working_time_between(start, end).total_seconds()

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days d with date(start) < d <= date(end) (local dates); negative when
        end is before start."""
        if _aware(end) < _aware(start):
            return -self.working_days_between(end, start)
        low, high = self.local_date(start), self.local_date(end)
        return sum(1 for day in self._span(low, high) if self.is_working_day(day))

    def working_hours_per_day(self) -> float:
        """Office hours of one working day (8.0 by default), to turn days into hours."""
        return self.office.hours_per_day

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _walk(day: date, step: int) -> Iterator[date]:
        for offset in range(1, _MAX_DAYS_SEARCHED):
            yield day + timedelta(days=offset * step)

    @staticmethod
    def _span(low: date, high: date) -> Iterator[date]:
        day = low + timedelta(days=1)
        while day <= high:
            yield day
            day += timedelta(days=1)


DEFAULT_OFFICE_HOURS = OfficeSchedule()


async def load_office_schedule(session: AsyncSession) -> OfficeSchedule:
    row = await session.get(OfficeHours, 1)
    return OfficeSchedule.from_row(row) if row is not None else DEFAULT_OFFICE_HOURS


async def load_calendar(session: AsyncSession) -> WorkingCalendar:
    """The whole calendar (a few dozen rows per year) and the office hours."""
    rows = (await session.execute(select(col(CalendarDay.day), col(CalendarDay.kind)))).all()
    office = await load_office_schedule(session)
    return WorkingCalendar.build(((row.day, row.kind) for row in rows), office)


def sql_working_days_between(
    a: sa.ColumnElement[datetime] | datetime, b: sa.ColumnElement[datetime] | datetime
) -> sa.ColumnElement[int]:
    """The SQL function of migration 0010, for set-based reports (e.g. the median working
    days to answer): ``select(func.percentile_cont(0.5).within_group(
    sql_working_days_between(Referral.created_at, Referral.answered_at)))``."""
    return sa.func.working_days_between(a, b, type_=sa.Integer)
