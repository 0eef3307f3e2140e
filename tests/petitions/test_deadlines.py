"""The Front's routing deadline on petitions, over the real 2026 calendar (seeded): a
weekend, a holiday, Tết, a swapped working day, working hours, a pause, a calendar
change, and the sweep that marks due-soon/overdue items and escalates to the city Front.

The calendar and the deadlines package do the arithmetic; these tests check that petitions
start, pause, resume and recompute their clock with the right rule at the right moments.
"""

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.deadlines.models import DeadlineStatus
from service.deadlines.recompute import recompute_running_clocks
from service.directory import service as directory
from service.directory.calendar import load_calendar
from service.directory.models import DayKind
from service.directory.schemas import CalendarDayCreate
from service.jobs.models import OutboxMessage
from service.kernel.wiring import Wiring
from service.petitions import citizen, triage
from service.petitions.intake import file_petition
from service.petitions.models import Clarification, Petition, PetitionEvent
from service.petitions.schemas import PetitionCreate
from service.petitions.sweep import sweep
from service.settings import Settings
from tests.petitions.conftest import Api, Staff, petition_body, principal

HANOI_TIME = ZoneInfo("Asia/Ho_Chi_Minh")


def local(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=HANOI_TIME).astimezone(UTC)


async def filed_at(
    session: AsyncSession, settings: Settings, api: Api, at: datetime, **overrides: Any
) -> Petition:
    data = PetitionCreate.model_validate(petition_body(**overrides))
    petition, _ = await file_petition(session, settings, api.principal, data, now=at)
    return petition


class TestRoutingDeadline:
    async def test_five_working_days_skip_the_weekend(
        self, session: AsyncSession, settings: Settings, api: Api
    ) -> None:
        # Friday 27 November 2026: Mon 30, Tue 1, Wed 2, Thu 3, Fri 4 December.
        petition = await filed_at(session, settings, api, local(2026, 11, 27, 10))
        assert petition.due_at == local(2026, 12, 4, 17)
        assert petition.deadline_status == DeadlineStatus.running

    async def test_holidays_do_not_count(
        self, session: AsyncSession, settings: Settings, api: Api
    ) -> None:
        # Tue 28 April 2026: Wed 29, (Thu 30/4 and Fri 1/5 holidays, weekend), Mon 4 ... Thu 7.
        petition = await filed_at(session, settings, api, local(2026, 4, 28, 10))
        assert petition.due_at == local(2026, 5, 7, 17)

    async def test_tet_does_not_count(
        self, session: AsyncSession, settings: Settings, api: Api
    ) -> None:
        # Fri 13 February 2026; Tết Bính Ngọ is Mon 16 - Fri 20: due Fri 27 February.
        petition = await filed_at(session, settings, api, local(2026, 2, 13, 10))
        assert petition.due_at == local(2026, 2, 27, 17)

    async def test_a_swapped_saturday_counts(
        self, session: AsyncSession, settings: Settings, api: Api
    ) -> None:
        # Tue 6 January 2026: Wed 7, Thu 8, Fri 9, Sat 10 (worked for Fri 2/1), Mon 12.
        petition = await filed_at(session, settings, api, local(2026, 1, 6, 10))
        assert petition.due_at == local(2026, 1, 12, 17)

    async def test_urgent_items_count_working_hours(
        self, session: AsyncSession, settings: Settings, api: Api
    ) -> None:
        # 4 working hours from Friday 15:00: two on Friday, two on Monday morning.
        petition = await filed_at(session, settings, api, local(2026, 11, 27, 15), urgency="urgent")
        assert petition.due_at == local(2026, 11, 30, 10)

    async def test_waiting_for_the_citizen_pauses_the_clock(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await filed_at(session, settings, api, local(2026, 11, 30, 9))
        assert petition.due_at == local(2026, 12, 7, 17)
        clarification = await triage.request_info(
            session,
            petition,
            principal(staff.ward_front),
            "Số nhà cụ thể?",
            now=local(2026, 12, 1, 9),
        )
        assert petition.deadline_status == DeadlineStatus.paused
        # The citizen answers a week later: the 39 working hours left run from then on.
        await citizen.answer_clarification(
            session, petition, clarification.id, "Số 12", now=local(2026, 12, 8, 9)
        )
        assert petition.deadline_status == DeadlineStatus.running
        assert petition.due_at == local(2026, 12, 14, 17)

    async def test_a_calendar_change_moves_running_deadlines(
        self, session: AsyncSession, settings: Settings, api: Api, wiring: Wiring
    ) -> None:
        petition = await filed_at(session, settings, api, local(2026, 4, 28, 10))
        assert petition.due_at == local(2026, 5, 7, 17)
        assert Petition in wiring.clock_tables
        # The government makes Monday 4 May a day off (swapped for a Saturday later on).
        await directory.add_day(
            session,
            CalendarDayCreate(day=date(2026, 5, 4), kind=DayKind.day_off, name="Nghỉ hoán đổi"),
        )
        # What the recompute job does after a calendar change.
        changed = await recompute_running_clocks(
            session, await load_calendar(session), local(2026, 4, 29, 9)
        )
        assert changed >= 1
        await session.refresh(petition)
        assert petition.due_at == local(2026, 5, 8, 17)


class TestSweep:
    async def test_due_soon_overdue_escalation_and_outbox(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        late = await filed_at(session, settings, api, local(2026, 11, 23, 9))
        soon = await filed_at(session, settings, api, local(2026, 11, 30, 9))
        waiting = await filed_at(session, settings, api, local(2026, 11, 23, 9))
        await triage.request_info(
            session,
            waiting,
            principal(staff.ward_front),
            "Ảnh hiện trường?",
            now=local(2026, 11, 24, 9),
        )
        now = local(2026, 12, 7, 10)
        outcome = await sweep(session, now)
        assert late.id in outcome.overdue
        assert soon.id in outcome.due_soon
        assert waiting.id not in outcome.overdue + outcome.due_soon
        assert late.id in outcome.escalated
        for petition in (late, soon, waiting):
            await session.refresh(petition)
        assert late.deadline_status == DeadlineStatus.overdue
        assert late.escalated_at == now
        assert soon.deadline_status == DeadlineStatus.due_soon
        assert waiting.deadline_status == DeadlineStatus.paused
        event = (
            await session.execute(
                select(PetitionEvent).where(
                    col(PetitionEvent.petition_id) == late.id,
                    col(PetitionEvent.action) == "escalate_overdue",
                )
            )
        ).scalar_one()
        assert event.data["to"] == "city_front"
        assert event.citizen_visible is False
        jobs = (
            await session.execute(
                select(OutboxMessage).where(col(OutboxMessage.job_name) == "petitions.notify_staff")
            )
        ).scalars()
        by_reason = {job.payload["reason"]: job.payload["petition_ids"] for job in jobs}
        assert str(late.id) in by_reason["overdue"]
        assert str(soon.id) in by_reason["due_soon"]
        # A second run changes nothing and sends nothing again.
        again = await sweep(session, now)
        assert late.id not in again.overdue + again.escalated
        assert soon.id not in again.due_soon

    async def test_the_sweep_is_scheduled(self, wiring: Wiring) -> None:
        names = {schedule.job_name: schedule for schedule in wiring.schedules}
        assert names["petitions.sweep"].every_seconds == 60
        assert "petitions.purge_idempotency_keys" in names

    async def test_answered_question_leaves_no_open_clarification(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await filed_at(session, settings, api, local(2026, 11, 30, 9))
        question = await triage.request_info(
            session, petition, principal(staff.ward_front), "Thời gian?"
        )
        await citizen.answer_clarification(session, petition, question.id, "Buổi tối")
        await session.refresh(question)
        assert isinstance(question, Clarification)
        assert question.status == "answered"
