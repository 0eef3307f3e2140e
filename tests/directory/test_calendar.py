"""Working-day arithmetic: weekends, holidays, Tết, substitute and swapped days, office hours,
calendar changes, and the SQL function against the Python implementation."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from service.directory import service
from service.directory.calendar import (
    OfficeSchedule,
    WorkingCalendar,
    load_calendar,
)
from service.directory.models import DayKind
from service.directory.reference_data import CALENDAR
from service.directory.schemas import (
    CalendarDayCreate,
    CalendarDayWrite,
    OfficeHoursWrite,
    OfficePeriod,
)
from service.directory.seed import SeedReport

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# The seeded calendar, built without a database.
VN = WorkingCalendar.build((d.day, d.kind) for year in CALENDAR.values() for d in year)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Hanoi wall-clock time as the UTC instant the calendar takes and returns."""
    return datetime(year, month, day, hour, minute, tzinfo=HCM).astimezone(UTC)


class TestWorkingDays:
    def test_counting_starts_the_day_after_receipt_and_ends_with_office_hours(self) -> None:
        # Received Tuesday 3 March 2026 at 10:00: day 1 is Wednesday.
        assert VN.add_working_days(local(2026, 3, 3, 10), 1) == local(2026, 3, 4, 17)
        assert VN.add_working_days(local(2026, 3, 3, 10), 3) == local(2026, 3, 6, 17)

    def test_a_weekend_is_skipped(self) -> None:
        friday_evening = local(2026, 3, 6, 18)
        assert VN.add_working_days(friday_evening, 1) == local(2026, 3, 9, 17)
        assert VN.add_working_days(local(2026, 3, 7, 9), 1) == local(2026, 3, 9, 17)  # Saturday
        assert VN.add_working_days(friday_evening, 5) == local(2026, 3, 13, 17)

    def test_day_boundaries_are_hanoi_time_not_utc(self) -> None:
        # 17:30 UTC on Friday is already Saturday 00:30 in Hanoi: Saturday's receipt.
        saturday = datetime(2026, 3, 6, 17, 30, tzinfo=UTC)
        assert VN.local_date(saturday) == date(2026, 3, 7)
        assert VN.add_working_days(saturday, 1) == local(2026, 3, 9, 17)
        assert VN.add_working_days(local(2026, 3, 6, 23, 59), 1) == local(2026, 3, 9, 17)

    def test_public_holidays_are_skipped(self) -> None:
        # Wed 29 April 2026; Thu 30/4 and Fri 1/5 are holidays, then the weekend.
        assert VN.add_working_days(local(2026, 4, 29, 9), 1) == local(2026, 5, 4, 17)

    def test_tet_is_skipped(self) -> None:
        # Tết Bính Ngọ: offices closed Sat 14 - Sun 22 February 2026.
        assert VN.add_working_days(local(2026, 2, 13, 9), 1) == local(2026, 2, 23, 17)
        assert VN.add_working_days(local(2026, 2, 13, 9), 5) == local(2026, 2, 27, 17)
        # Tết Ất Tỵ 2025: 25 January - 2 February.
        assert VN.add_working_days(local(2025, 1, 24, 9), 1) == local(2025, 2, 3, 17)

    def test_a_substitute_day_is_skipped(self) -> None:
        # Hùng Kings' day 2026 is a Sunday; Monday 27 April is the day off in lieu.
        assert not VN.is_working_day(date(2026, 4, 27))
        assert VN.add_working_days(local(2026, 4, 24, 9), 1) == local(2026, 4, 28, 17)

    def test_a_swapped_saturday_is_a_working_day(self) -> None:
        # Fri 2 January 2026 off, Saturday 10 January worked instead.
        assert not VN.is_working_day(date(2026, 1, 2))
        assert VN.is_working_day(date(2026, 1, 10))
        assert VN.add_working_days(local(2026, 1, 9, 9), 1) == local(2026, 1, 10, 17)
        assert VN.add_working_days(local(2025, 12, 31, 9), 1) == local(2026, 1, 5, 17)
        # National Day 2026: Saturday 22 August worked for Monday 31 August.
        assert VN.add_working_days(local(2026, 8, 21, 9), 1) == local(2026, 8, 22, 17)
        assert VN.add_working_days(local(2026, 8, 28, 9), 1) == local(2026, 9, 3, 17)

    def test_zero_and_negative_counts(self) -> None:
        assert VN.add_working_days(local(2026, 3, 3, 10), 0) == local(2026, 3, 3, 17)
        assert VN.add_working_days(local(2026, 3, 7, 10), 0) == local(2026, 3, 9, 17)
        assert VN.add_working_days(local(2026, 3, 9, 10), -1) == local(2026, 3, 6, 17)

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            VN.add_working_days(datetime(2026, 3, 3, 10), 1)


class TestCalendarDays:
    def test_the_deadline_is_the_end_of_the_last_day(self) -> None:
        # Received Monday 2 March 2026: the 10th day is Thursday 12 March.
        assert VN.add_calendar_days(local(2026, 3, 2, 15), 10) == local(2026, 3, 12, 23, 59) + (
            timedelta(seconds=59)
        )

    def test_a_last_day_off_moves_to_the_next_working_day(self) -> None:
        # 30 days after 1 April 2026 is Friday 1 May (holiday), then the weekend: Monday 4 May.
        due = VN.add_calendar_days(local(2026, 4, 1, 9), 30)
        assert due.astimezone(HCM).date() == date(2026, 5, 4)
        # Saturday -> Monday.
        assert VN.add_calendar_days(local(2026, 3, 4, 9), 3).astimezone(HCM).date() == date(
            2026, 3, 9
        )


class TestWorkingHours:
    MONDAY = (2026, 3, 9)

    def test_lunch_does_not_count(self) -> None:
        assert VN.add_working_hours(local(*self.MONDAY, 10), 4) == local(*self.MONDAY, 15)

    def test_overnight_does_not_count(self) -> None:
        assert VN.add_working_hours(local(*self.MONDAY, 16), 4) == local(2026, 3, 10, 11)

    def test_a_start_outside_office_hours_waits_for_the_next_period(self) -> None:
        assert VN.add_working_hours(local(*self.MONDAY, 7), 1) == local(*self.MONDAY, 9)
        assert VN.add_working_hours(local(*self.MONDAY, 12, 30), 1) == local(*self.MONDAY, 14)
        assert VN.add_working_hours(local(*self.MONDAY, 19), 1) == local(2026, 3, 10, 9)
        assert VN.add_working_hours(local(2026, 3, 7, 10), 2) == local(*self.MONDAY, 10)

    def test_running_out_at_the_end_of_a_period_stops_there(self) -> None:
        assert VN.add_working_hours(local(*self.MONDAY, 8), 4) == local(*self.MONDAY, 12)

    def test_urgent_four_hours_over_a_weekend_and_tet(self) -> None:
        assert VN.add_working_hours(local(2026, 3, 6, 16), 4) == local(*self.MONDAY, 11)
        assert VN.add_working_hours(local(2026, 2, 13, 16), 4) == local(2026, 2, 23, 11)

    def test_fractions_and_timedeltas(self) -> None:
        assert VN.add_working_hours(local(*self.MONDAY, 11, 30), 0.75) == local(
            *self.MONDAY, 13, 15
        )
        assert VN.add_working_hours(local(*self.MONDAY, 8), timedelta(minutes=90)) == local(
            *self.MONDAY, 9, 30
        )

    def test_eight_hours_make_a_working_day(self) -> None:
        assert VN.working_hours_per_day() == 8.0


class TestMeasuring:
    def test_working_seconds_count_only_office_time(self) -> None:
        monday = (2026, 3, 9)
        assert VN.working_seconds_between(local(*monday, 10), local(*monday, 15)) == 4 * 3600
        friday_16, monday_9 = local(2026, 3, 6, 16), local(*monday, 9)
        assert VN.working_seconds_between(friday_16, monday_9) == 2 * 3600
        assert VN.working_seconds_between(monday_9, friday_16) == -2 * 3600
        # Nothing counts during Tết.
        assert VN.working_seconds_between(local(2026, 2, 14), local(2026, 2, 23)) == 0

    def test_working_days_between_inverts_add_working_days(self) -> None:
        start = local(2024, 12, 20, 9, 30)
        for offset in range(0, 800, 3):
            received = start + timedelta(days=offset, hours=offset % 11)
            for n in (1, 2, 5, 10, 15, 30):
                due = VN.add_working_days(received, n)
                assert VN.working_days_between(received, due) == n, (received, n)
                assert VN.working_days_between(due, received) == -n

    def test_working_days_between_on_known_spans(self) -> None:
        # Monday to Wednesday of a normal week: Tuesday and Wednesday.
        assert VN.working_days_between(local(2026, 3, 9, 9), local(2026, 3, 11, 8)) == 2
        # The whole of Tết 2026 week: nothing from Friday 13 to Sunday 22 February.
        assert VN.working_days_between(local(2026, 2, 13, 9), local(2026, 2, 22, 9)) == 0
        # The same day: no working day elapsed.
        assert VN.working_days_between(local(2026, 3, 9, 8), local(2026, 3, 9, 17)) == 0


class TestCalendarChanges:
    def test_a_new_day_off_moves_the_deadline(self) -> None:
        received = local(2026, 3, 9, 10)
        assert VN.add_working_days(received, 2) == local(2026, 3, 11, 17)
        changed = VN.with_day(date(2026, 3, 10), DayKind.day_off)
        assert changed.add_working_days(received, 2) == local(2026, 3, 12, 17)
        assert changed.with_day(date(2026, 3, 10), None).add_working_days(received, 2) == local(
            2026, 3, 11, 17
        )

    def test_a_six_day_week(self) -> None:
        six_days = WorkingCalendar(VN.days, OfficeSchedule(weekdays=frozenset(range(1, 7))))
        assert six_days.add_working_days(local(2026, 3, 6, 9), 1) == local(2026, 3, 7, 17)

    def test_bad_office_hours_are_refused(self) -> None:
        from datetime import time

        with pytest.raises(ValueError, match="overlap"):
            OfficeSchedule(periods=((time(8), time(12)), (time(11), time(17))))


class TestStoredCalendar:
    async def test_loaded_calendar_is_the_seeded_one(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        calendar = await load_calendar(session)
        assert dict(calendar.days) == dict(VN.days)
        assert calendar.office == OfficeSchedule()

    async def test_adding_a_day_off_changes_deadlines_and_notifies(
        self, seeded: SeedReport, session: AsyncSession, calendar_changes: list[AsyncSession]
    ) -> None:
        calls = calendar_changes  # the wiring's extra calendar hook records here
        received = local(2026, 3, 9, 10)
        before = (await load_calendar(session)).add_working_days(received, 2)
        await service.add_day(
            session,
            CalendarDayCreate(day=date(2026, 3, 10), kind=DayKind.day_off, name="Nghỉ đột xuất"),
        )
        after = (await load_calendar(session)).add_working_days(received, 2)
        assert (before, after) == (local(2026, 3, 11, 17), local(2026, 3, 12, 17))
        assert calls == [session]


async def _sql_and_python(session: AsyncSession, pairs: list[tuple[datetime, datetime]]) -> None:
    calendar = await load_calendar(session)
    rows = await session.execute(
        text(
            "SELECT working_days_between(a, b) FROM unnest(CAST(:a AS timestamptz[]), "
            "CAST(:b AS timestamptz[])) WITH ORDINALITY AS t(a, b, i) ORDER BY i"
        ),
        {"a": [a for a, _ in pairs], "b": [b for _, b in pairs]},
    )
    from_sql = list(rows.scalars())
    from_python = [calendar.working_days_between(a, b) for a, b in pairs]
    assert from_sql == from_python


def _pairs() -> list[tuple[datetime, datetime]]:
    pairs = []
    start = local(2024, 12, 1, 0, 15)
    for offset in range(0, 1150, 7):
        a = start + timedelta(days=offset, hours=(offset * 5) % 24)
        for span_hours in (0, 5, 23, 49, 24 * 9 + 3, 24 * 40, 24 * 400):
            pairs.append((a, a + timedelta(hours=span_hours)))
            pairs.append((a + timedelta(hours=span_hours), a))
    return pairs


class TestSqlFunction:
    async def test_sql_counts_working_days_like_python(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        await _sql_and_python(session, _pairs())

    async def test_sql_follows_the_office_week_and_calendar_edits(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        await service.set_office_hours(
            session,
            OfficeHoursWrite(
                weekdays=[1, 2, 3, 4, 5, 6],
                periods=[OfficePeriod.model_validate({"start": "07:30", "end": "16:30"})],
            ),
        )
        await service.put_day(
            session,
            date(2026, 3, 10),
            CalendarDayWrite(kind=DayKind.day_off, name="Nghỉ đột xuất"),
        )
        await service.delete_day(session, date(2026, 1, 10))
        await _sql_and_python(session, _pairs())
