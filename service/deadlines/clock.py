"""Starting, pausing, extending and recomputing a deadline clock.

All functions mutate an object carrying the ``DeadlineClock`` columns and use a
``WorkingCalendar`` for the arithmetic. The due date is derived, never edited by hand:
``due = base(start, rule)``, then every extension, then every closed pause pushes it back by
the time that was left when the pause began ("resuming adds the time back").
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


def add_duration(calendar: Calendar, start: datetime, amount: int, unit: DeadlineUnit) -> datetime:
    if unit is DeadlineUnit.working_days:
        return calendar.add_working_days(start, amount)
    if unit is DeadlineUnit.working_hours:
        return calendar.add_working_hours(start, amount)
    return calendar.add_calendar_days(start, amount)


def _counts_working_time(unit: DeadlineUnit) -> bool:
    return unit is not DeadlineUnit.calendar_days


def _shift_past_pause(
    calendar: Calendar, due: datetime, paused: datetime, resumed: datetime, unit: DeadlineUnit
) -> datetime:
    if paused >= due:
        return due
    if _counts_working_time(unit):
        left = calendar.working_seconds_between(paused, due)
        return calendar.add_working_hours(resumed, left / 3600)
    return due + (resumed - paused)


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
