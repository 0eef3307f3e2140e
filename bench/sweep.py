"""Benchmark 3: the overdue sweeps over a million petitions (about 200,000 open).

Runs what the worker's periodic jobs run, in-process, with the domain events wired as in the
worker (``service.wiring.build_wiring``): ``service.petitions.sweep.sweep`` (routing
clocks of petitions: due soon, overdue, escalation to the city Front, staff notices through
the outbox) and ``service.replies.sweep.sweep_referrals`` (referral clocks, agency reminders,
``referral.overdue`` events to petitions and oversight, silent feedback windows closed).

Three moments, each in its own transaction that is rolled back so runs repeat:
- ``now``: the steady state of the every-minute job (the data was left as a sweep at
  generation time would leave it, so little changes);
- the end of the next working day: deadlines counted in days end when the office closes
  (17:00), so the sweep one minute after closing flags that whole day's deadlines (and its
  "due soon" warnings) at once, every working day; a sweep one minute before closing runs
  first, unmeasured, as the every-minute job would have;
- ``now + 7 days``: the sweep after the scheduler was stopped for a week; every clock that
  fell due in between changes state in one run.
Each sweep is bounded by a timeout; a sweep that does not finish is reported as such.
The SQL statements each sweep sends are counted too: set-based sweeps send a handful
whatever they change (the per-row sweeps sent tens of thousands).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bench import harness
from service.directory.calendar import load_calendar
from service.petitions.sweep import sweep as sweep_petitions
from service.replies.sweep import sweep_referrals
from service.settings import Settings
from service.wiring import build_wiring

TARGET_SECONDS = 5.0
STEADY = "now"
DAILY = "end of the next working day"
WEEK = "now + 7 days"


@dataclass
class SweepOptions(harness.OnDatabase):
    timeout_s: float = 600.0


async def _sizes(session: AsyncSession) -> dict[str, int]:
    row = (
        await session.execute(
            sa.text(
                "SELECT count(*) AS petitions, count(*) FILTER (WHERE status NOT IN "
                "('rejected', 'closed', 'withdrawn', 'merged')) AS open_petitions, "
                "count(*) FILTER (WHERE deadline_status IN ('running', 'due_soon', 'overdue')) "
                "AS live_petition_clocks FROM petition"
            )
        )
    ).one()
    referrals = (
        await session.execute(
            sa.text(
                "SELECT count(*) AS referrals, count(*) FILTER (WHERE deadline_status IN "
                "('running', 'due_soon', 'overdue')) AS live FROM referral"
            )
        )
    ).one()
    return {
        "petitions": row.petitions,
        "open_petitions": row.open_petitions,
        "live_petition_clocks": row.live_petition_clocks,
        "referrals": referrals.referrals,
        "live_referral_clocks": referrals.live,
    }


T = TypeVar("T")


@dataclass
class StatementCounter:
    """Counts the statements sent on an engine (an executemany counts once)."""

    count: int = 0

    def __call__(self, *args: Any) -> None:
        self.count += 1


STATEMENTS = StatementCounter()


async def _timed(
    sweep: Coroutine[Any, Any, T], session: AsyncSession, timeout_s: float
) -> tuple[T, float, int]:
    """One sweep and the flush of what it changed, the seconds they took and the number of
    statements they sent."""
    sent = STATEMENTS.count
    begin = time.perf_counter()
    outcome = await asyncio.wait_for(sweep, timeout_s)
    await session.flush()
    return outcome, round(time.perf_counter() - begin, 3), STATEMENTS.count - sent


async def _one(
    sessions: Any, at: datetime, timeout_s: float, *, before: datetime | None = None
) -> dict[str, Any]:
    """Both sweeps at ``at``, measured; with ``before``, an unmeasured sweep at that moment
    first (in the same rolled-back transaction), as the every-minute job would have run."""
    figures: dict[str, Any] = {"at": at.isoformat()}
    async with sessions() as session:
        try:
            if before is not None:
                figures["prepared_by_sweep_at"] = before.isoformat()
                await asyncio.wait_for(sweep_petitions(session, before), timeout_s)
                await asyncio.wait_for(sweep_referrals(session, before), timeout_s)
                await session.flush()
            outcome, figures["petitions_seconds"], figures["petitions_statements"] = await _timed(
                sweep_petitions(session, at), session, timeout_s
            )
            figures["petitions_due_soon"] = len(outcome.due_soon)
            figures["petitions_overdue"] = len(outcome.overdue)
            figures["petitions_escalated"] = len(outcome.escalated)
            result, figures["referrals_seconds"], figures["referrals_statements"] = await _timed(
                sweep_referrals(session, at), session, timeout_s
            )
            figures["referrals_due_soon"] = len(result.due_soon)
            figures["referrals_overdue"] = len(result.overdue)
            figures["referrals_reminders"] = result.reminders
            figures["referrals_closed"] = len(result.closed)
            figures["total_seconds"] = round(
                figures["petitions_seconds"] + figures["referrals_seconds"], 3
            )
        except TimeoutError:
            figures["timed_out_after_seconds"] = timeout_s
        finally:
            await session.rollback()
    return figures


async def _run(options: SweepOptions) -> tuple[dict[str, Any], dict[str, Any]]:
    # As in the worker: domain events wired and every job declared, built before the
    # measurement.
    wiring = build_wiring(Settings(database_url=options.url))
    async with harness.engine(options.url) as engine:
        sa.event.listen(engine.sync_engine, "before_cursor_execute", STATEMENTS)
        sessions = wiring.sessions(engine)
        now = datetime.now(UTC)
        results: dict[str, Any] = {}
        async with sessions() as session:
            sizes = await _sizes(session)
            calendar = await load_calendar(session)
        # Deadlines in days end when the office closes (17:00): the sweep just after it
        # flags that whole day's deadlines at once, every working day.
        today = calendar.local_date(now)
        day = calendar.working_day_on_or_after(today)
        if calendar.end_of_office_day(day) <= now:
            day = calendar.next_working_day(day)
        closing = calendar.end_of_office_day(day)
        minute = timedelta(minutes=1)
        results[STEADY] = await _one(sessions, now, options.timeout_s)
        results[DAILY] = await _one(
            sessions, closing + minute, options.timeout_s, before=closing - minute
        )
        results[WEEK] = await _one(sessions, now + timedelta(days=7), options.timeout_s)
    return results, sizes


def run_sweep(options: SweepOptions) -> harness.BenchResult:
    runs, sizes = asyncio.run(_run(options))
    result = options.result(
        "sweep",
        {"timeout_s": options.timeout_s, **sizes},
        figures={"sweeps": runs},
    )
    for name, figures in runs.items():
        result.targets.append(
            harness.Target(
                f"sweep at {name}: seconds", figures.get("total_seconds"), TARGET_SECONDS
            )
        )
    return result


def print_sweep(result: harness.BenchResult) -> None:
    harness.print_table(
        "Overdue sweeps (petitions + referrals), rolled back",
        [
            (
                name,
                f.get("petitions_overdue"),
                f.get("petitions_due_soon"),
                f.get("petitions_escalated"),
                f.get("petitions_seconds"),
                f.get("referrals_overdue"),
                f.get("referrals_due_soon"),
                f.get("referrals_closed"),
                f.get("referrals_seconds"),
                f.get("petitions_statements", 0) + f.get("referrals_statements", 0),
                f.get("total_seconds", f"timeout {f.get('timed_out_after_seconds')} s"),
            )
            for name, f in result.figures["sweeps"].items()
        ],
        (
            "moment",
            "pet. overdue",
            "pet. due soon",
            "escalated",
            "pet. s",
            "ref. overdue",
            "ref. due soon",
            "ref. closed",
            "ref. s",
            "statements",
            "total s",
        ),
    )
