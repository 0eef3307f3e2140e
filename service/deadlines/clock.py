"""Starting, pausing, extending and recomputing a deadline clock.

All functions mutate an object carrying the ``DeadlineClock`` columns and use a
``WorkingCalendar`` for the arithmetic. The due date is derived, never edited by hand:
``due = base(start, rule)``, then every extension, then every closed pause pushes it back by
the time that elapsed while it was paused ("resuming adds the time back").

Rounding, so that a due date a citizen reads never carries stray seconds:
- Day units end at a day's end, as the law counts them ("end of the n-th working day":
  the end of office hours; a calendar day: 23:59:59 local).
- A working-hours due date is a whole minute, rounded up (never shorter than the law's
  period): received 10:00:37 with 4 working hours gives 14:01.
- A pause moves a working-time deadline (working days or hours) by the office time that
  elapsed while paused, counted in whole minutes (rounded down): two seconds move nothing,
  a weekend moves nothing, three office hours move it three office hours. A calendar-day
  deadline moves by the whole days (24 h, rounded down) that elapsed while paused, then
  lands on the end of a working day as any calendar-day deadline does. A pause that begins
  after the deadline has passed moves nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from service.deadlines.models import DeadlineClock, DeadlineStatus, DeadlineStep, DeadlineUnit


class Calendar(Protocol):
    """What the clock needs from ``service.directory.calendar.WorkingCalendar``."""

    def add_working_days(self, start: datetime, days: int) -> datetime: ...

    def add_working_hours(self, start: datetime, hours: float) -> datetime: ...

    def add_calendar_days(self, start: datetime, days: int) -> datetime: ...

    def working_seconds_between(self, start: datetime, end: datetime) -> float: ...

    def working_hours_per_day(self) -> float: ...


@dataclass(frozen=True)
class DeadlineRule:
    step: DeadlineStep
    amount: int
    unit: DeadlineUnit
    warn_amount: int
    warn_unit: DeadlineUnit
    max_extensions: int = 0
    extension_amount: int = 0
    extension_unit: DeadlineUnit = DeadlineUnit.calendar_days
    feedback_window_days: int = 15
    reopen_limit: int = 2

    def as_json(self) -> dict[str, Any]:
        return {
            "step": self.step.value,
            "amount": self.amount,
            "unit": self.unit.value,
            "warn_amount": self.warn_amount,
            "warn_unit": self.warn_unit.value,
            "max_extensions": self.max_extensions,
            "extension_amount": self.extension_amount,
            "extension_unit": self.extension_unit.value,
            "feedback_window_days": self.feedback_window_days,
            "reopen_limit": self.reopen_limit,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "DeadlineRule":
        return cls(
            step=DeadlineStep(data["step"]),
            amount=int(data["amount"]),
            unit=DeadlineUnit(data["unit"]),
            warn_amount=int(data["warn_amount"]),
            warn_unit=DeadlineUnit(data["warn_unit"]),
            max_extensions=int(data.get("max_extensions", 0)),
            extension_amount=int(data.get("extension_amount", 0)),
            extension_unit=DeadlineUnit(data.get("extension_unit", "calendar_days")),
            feedback_window_days=int(data.get("feedback_window_days", 15)),
            reopen_limit=int(data.get("reopen_limit", 2)),
        )


_MINUTE = timedelta(minutes=1)
_DAY = timedelta(days=1)


def ceil_to_minute(instant: datetime) -> datetime:
    """``instant`` rounded up to a whole minute (unchanged when it already is one)."""
    floored = instant.replace(second=0, microsecond=0)
    return floored if floored == instant else floored + _MINUTE


def add_duration(calendar: Calendar, start: datetime, amount: int, unit: DeadlineUnit) -> datetime:
    """``start`` plus ``amount`` ``unit``: a day's end for day units, a whole minute (rounded
    up) for working hours."""
    if unit is DeadlineUnit.working_days:
        return calendar.add_working_days(start, amount)
    if unit is DeadlineUnit.working_hours:
        return ceil_to_minute(calendar.add_working_hours(start, amount))
    return calendar.add_calendar_days(start, amount)


def _counts_working_time(unit: DeadlineUnit) -> bool:
    return unit is not DeadlineUnit.calendar_days


def paused_working_minutes(calendar: Calendar, paused: datetime, resumed: datetime) -> int:
    """Whole minutes of office time inside [paused, resumed) (rounded down)."""
    return max(0, int(calendar.working_seconds_between(paused, resumed) // 60))


def _shift_past_pause(
    calendar: Calendar, due: datetime, paused: datetime, resumed: datetime, unit: DeadlineUnit
) -> datetime:
    """The due date moved by the time elapsed while paused (the rule in the module doc)."""
    if paused >= due or resumed <= paused:
        return due
    if _counts_working_time(unit):
        minutes = paused_working_minutes(calendar, paused, resumed)
        if minutes == 0:
            # Not ``add_working_hours(due, 0)``: from a due date at the end of office hours
            # that would answer the start of the next working day.
            return due
        return calendar.add_working_hours(due, minutes / 60)
    days = (resumed - paused) // _DAY
    return calendar.add_calendar_days(due, days) if days > 0 else due


def _warn_before(
    calendar: Calendar, due: datetime, rule: DeadlineRule, start: datetime
) -> datetime:
    """The moment "due soon" begins: ``warn_amount`` before ``due`` in ``warn_unit``."""
    # Walk forward from the start to the point whose working distance to due equals the
    # window: the calendar only counts forward, and that keeps one implementation per unit.
    if rule.warn_unit is DeadlineUnit.calendar_days:
        return max(start, due - timedelta(days=rule.warn_amount))
    window_hours = float(rule.warn_amount)
    if rule.warn_unit is DeadlineUnit.working_days:
        window_hours *= calendar.working_hours_per_day()
    total = calendar.working_seconds_between(start, due) / 3600
    if total <= window_hours:
        return start
    return calendar.add_working_hours(start, total - window_hours)


def compute_due(item: DeadlineClock, calendar: Calendar) -> tuple[datetime, datetime] | None:
    """(due_at, warn_at) for the item's clock as things stand, or None if it never started."""
    if item.clock_started_at is None or item.deadline_rule is None:
        return None
    rule = DeadlineRule.from_json(item.deadline_rule)
    start = item.clock_started_at
    due = add_duration(calendar, start, rule.amount, rule.unit)
    for amount, unit in item.extensions:
        due = add_duration(calendar, due, int(amount), DeadlineUnit(unit))
    for paused_iso, resumed_iso in item.clock_pauses:
        due = _shift_past_pause(
            calendar,
            due,
            datetime.fromisoformat(paused_iso),
            datetime.fromisoformat(resumed_iso),
            rule.unit,
        )
    return due, _warn_before(calendar, due, rule, start)


def _status_at(item: DeadlineClock, now: datetime) -> DeadlineStatus:
    if item.clock_stopped_at is not None:
        return DeadlineStatus.stopped
    if item.clock_paused_at is not None:
        return DeadlineStatus.paused
    if item.due_at is not None and item.due_at <= now:
        return DeadlineStatus.overdue
    if item.warn_at is not None and item.warn_at <= now:
        return DeadlineStatus.due_soon
    return DeadlineStatus.running


def recompute_clock(item: DeadlineClock, calendar: Calendar, now: datetime) -> None:
    computed = compute_due(item, calendar)
    if computed is None:
        return
    item.due_at, item.warn_at = computed
    item.deadline_status = _status_at(item, now)


def start_clock(item: DeadlineClock, calendar: Calendar, rule: DeadlineRule, at: datetime) -> None:
    """Starts (or restarts, for a new step) the clock from ``at``."""
    item.deadline_step = rule.step
    item.deadline_rule = rule.as_json()
    item.clock_started_at = at
    item.clock_paused_at = None
    item.clock_pauses = []
    item.extensions = []
    item.clock_stopped_at = None
    recompute_clock(item, calendar, at)


def pause_clock(item: DeadlineClock, at: datetime) -> None:
    if item.clock_started_at is None or item.clock_paused_at is not None:
        return
    item.clock_paused_at = at
    item.deadline_status = DeadlineStatus.paused


def resume_clock(item: DeadlineClock, calendar: Calendar, at: datetime) -> None:
    if item.clock_paused_at is None:
        return
    # A new list, so the ORM sees the JSONB column change.
    item.clock_pauses = [*item.clock_pauses, [item.clock_paused_at.isoformat(), at.isoformat()]]
    item.clock_paused_at = None
    recompute_clock(item, calendar, at)


def stop_clock(item: DeadlineClock, at: datetime) -> None:
    item.clock_stopped_at = at
    item.deadline_status = DeadlineStatus.stopped


def extend_clock(
    item: DeadlineClock, calendar: Calendar, amount: int, unit: DeadlineUnit, now: datetime
) -> None:
    item.extensions = [*item.extensions, [amount, unit.value]]
    recompute_clock(item, calendar, now)


def extensions_left(item: DeadlineClock) -> int:
    if item.deadline_rule is None:
        return 0
    return DeadlineRule.from_json(item.deadline_rule).max_extensions - len(item.extensions)
