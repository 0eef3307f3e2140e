"""Scorecards checked against a hand-computed fixture.

March 2026 has no public holiday (Tết is in February, Hùng Kings' day on 26 April), so
working days are Monday to Friday. Times are Hanoi local (UTC+7).

Agency A, received in March:
  r1  Mon 02/03 09:00  ack 02/03 10:00 (due 02/03 17:00: on time)  answered Fri 13/03
      (due 20/03: on time; 9 working days)  published, satisfied
  r2  Tue 03/03 09:00  ack 04/03 09:00 (due 03/03 17:00: late)  answered Mon 30/03 (due
      24/03: late; 19 working days)  1 extension, published, reopened once, not satisfied
  r3  Wed 04/03 09:00  declined (a bounce)
  r4  Thu 05/03 09:00  ack on time  answered Thu 12/03 (due 26/03: on time; 5 working
      days)  2 extensions, published, not rated
  r5  Fri 20/03 09:00  ack on time, answer due 25/03 17:00, still running: overdue now
  r0  received in February, answer due 01/03, overdue: counts as overdue now only
Agency B: b1 16/03 answered 18/03 (2 working days), b2 23/03 answered 30/03 (5), b3 at
31/03 23:30 (inside the period), b4 at 01/04 00:30 (outside).
Agency C: one referral in February, closed: no scorecard.
"""

import statistics
import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.deadlines.models import DeadlineStatus, ItemKind, Urgency
from service.directory.models import Agency, CalendarDay, DayKind
from service.replies.models import Referral, ReferralState
from service.replies.scorecards import agency_scorecards
from tests.factories import HOAN_KIEM, create_agency, login
from tests.replies.conftest import World

HANOI_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 3, 1, tzinfo=HANOI_TZ)
END = datetime(2026, 4, 1, tzinfo=HANOI_TZ)
NOW = datetime(2026, 4, 1, 9, 0, tzinfo=HANOI_TZ)
END_JULY = datetime(2026, 8, 1, tzinfo=HANOI_TZ)
NOW_AUGUST = datetime(2026, 8, 3, 9, 0, tzinfo=HANOI_TZ)


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI_TZ)


def referral(agency: Agency, created: datetime, **fields: Any) -> Referral:
    values: dict[str, Any] = {
        "item_type": "petition",
        "item_id": uuid.uuid4(),
        "item_kind": ItemKind.feedback,
        "urgency": Urgency.normal,
        "agency_id": agency.id,
        "unit_code": HOAN_KIEM,
        "title": "Phản ánh",
        "state": ReferralState.closed,
        "created_at": created,
        "updated_at": created,
        "due_at": created,
        "deadline_status": DeadlineStatus.stopped,
        **fields,
    }
    return Referral(**values)


@pytest.fixture
async def fixture_agencies(session: AsyncSession, world: World) -> tuple[Agency, Agency, Agency]:
    a = await create_agency(session, name="A - UBND phường thử")
    b = await create_agency(session, name="B - Sở thử")
    c = await create_agency(session, name="C - Công an thử")
    answered = {"state": ReferralState.published, "published_at": at(31, 8)}
    session.add_all(
        [
            referral(
                a,
                at(2),
                acceptance_due_at=at(2, 17),
                acknowledged_at=at(2, 10),
                answered_at=at(13, 10),
                answer_due_at=at(20, 17),
                satisfied=True,
                **answered,
            ),
            referral(
                a,
                at(3),
                acceptance_due_at=at(3, 17),
                acknowledged_at=at(4, 9),
                answered_at=at(30, 10),
                answer_due_at=at(24, 17),
                extensions=[[10, "working_days"]],
                reopen_count=1,
                satisfied=False,
                **answered,
            ),
            referral(
                a,
                at(4),
                state=ReferralState.declined,
                acceptance_due_at=at(4, 17),
                declined_at=at(4, 11),
            ),
            referral(
                a,
                at(5),
                acceptance_due_at=at(5, 17),
                acknowledged_at=at(5, 11),
                answered_at=at(12, 15),
                answer_due_at=at(26, 17),
                extensions=[[5, "calendar_days"], [5, "calendar_days"]],
                **answered,
            ),
            referral(
                a,
                at(20),
                state=ReferralState.acknowledged,
                acceptance_due_at=at(20, 17),
                acknowledged_at=at(20, 10),
                due_at=at(25, 17),
                deadline_status=DeadlineStatus.running,
            ),
            referral(
                a,
                at(20, month=2),
                state=ReferralState.acknowledged,
                acknowledged_at=at(20, 10, month=2),
                due_at=at(1, 23, 59),
                deadline_status=DeadlineStatus.overdue,
            ),
            referral(b, at(16), acknowledged_at=at(16, 10), answered_at=at(18, 11)),
            referral(b, at(23), acknowledged_at=at(23, 10), answered_at=at(30, 15)),
            referral(b, at(31, 23, 30), state=ReferralState.sent, due_at=at(1, 17, month=4)),
            referral(b, at(1, 0, 30, month=4), state=ReferralState.sent),
            referral(c, at(10, month=2), state=ReferralState.closed),
        ]
    )
    await session.flush()
    return a, b, c


async def test_scorecards_match_the_hand_computed_figures(
    session: AsyncSession, fixture_agencies: tuple[Agency, Agency, Agency]
) -> None:
    a, b, c = fixture_agencies
    cards = {
        card.agency_id: card
        for card in await agency_scorecards(session, start=START, end=END, now=NOW)
    }
    assert c.id not in cards

    card = cards[a.id]
    assert card.received == 5
    assert card.acknowledged == 4
    assert card.acknowledged_on_time == 3
    assert card.answered == 3
    assert card.answered_on_time == 2
    assert card.median_working_days_to_answer == 9
    assert card.overdue_now == 2
    assert card.extensions == 3
    assert card.bounces == 1
    assert card.published == 3
    assert card.reopened == 1
    assert card.rated == 2
    assert card.satisfied == 1
    assert card.acknowledged_on_time_rate == 0.75
    assert card.answered_on_time_rate == pytest.approx(0.6667)
    assert card.reopen_rate == pytest.approx(0.3333)
    assert card.satisfaction_rate == 0.5

    other = cards[b.id]
    assert other.received == 3
    assert other.answered == 2
    assert other.median_working_days_to_answer == 3.5
    assert other.overdue_now == 0
    assert other.satisfaction_rate is None

    only_b = await agency_scorecards(session, start=START, end=END, agency_id=b.id, now=NOW)
    assert [card.agency_id for card in only_b] == [b.id]


async def test_scorecards_as_json(
    session: AsyncSession,
    client: httpx.AsyncClient,
    world: World,
    fixture_agencies: tuple[Agency, Agency, Agency],
) -> None:
    a, _, _ = fixture_agencies
    headers = await login(client, world.council_reader)
    response = await client.get(
        "/api/v1/scorecards",
        params={"from": "2026-03-01", "to": "2026-03-31", "agency_id": str(a.id)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    [card] = body["agencies"]
    assert card["agency_name"] == "A - UBND phường thử"
    assert card["received"] == 5
    assert card["median_working_days_to_answer"] == 9
    assert card["satisfaction_rate"] == 0.5
    assert datetime.fromisoformat(body["start"]) == START

    agency_headers = await login(client, world.agency_officer)
    forbidden = await client.get("/api/v1/scorecards", headers=agency_headers)
    assert forbidden.status_code == 403
    assert (await client.get("/api/v1/scorecards")).status_code == 401


async def test_the_median_counts_working_days_as_the_calendar_function_does(
    session: AsyncSession, world: World
) -> None:
    """Across a day off, a holiday on a weekday, one on a Sunday and a swapped working
    Saturday (July 2026, with no holiday of its own), and across midnight in Hanoi: the
    scorecard's running count gives what ``working_days_between`` gives for each answer."""
    session.add_all(
        [
            CalendarDay(day=date(2026, 7, 6), kind=DayKind.day_off, name="Nghỉ bù"),
            CalendarDay(day=date(2026, 7, 11), kind=DayKind.working_day, name="Làm bù"),
            CalendarDay(day=date(2026, 7, 12), kind=DayKind.holiday, name="Lễ (Chủ nhật)"),
            CalendarDay(day=date(2026, 7, 15), kind=DayKind.holiday, name="Lễ"),
        ]
    )
    july = {"month": 7}
    spans = [
        (at(3, 16, **july), at(7, 9, **july)),  # Fri → Tue over the day off
        (at(3, 23, 30, **july), at(13, 0, 30, **july)),  # near midnight, over the swap
        (at(10, **july), at(16, **july)),  # Fri → Thu over the Sunday and Wednesday holidays
        (at(1, **july), at(1, 15, **july)),  # the same day
        (at(8, **july), at(31, 8, **july)),  # most of the month
        (at(20, **july), at(22, **july)),
    ]
    # One agency an answer, so that each card's median is that answer's count; and one
    # agency with them all (six: the median is the mean of the middle two).
    agencies = [await create_agency(session, name=f"D{n} - Ban thử") for n in range(len(spans))]
    everything = await create_agency(session, name="E - Ban thử")
    for agency, (received, answered) in zip(agencies, spans, strict=True):
        session.add(referral(agency, received, answered_at=answered))
        session.add(referral(everything, received, answered_at=answered))
    await session.flush()
    expected = [
        (
            await session.execute(
                sa.text("SELECT working_days_between(:a, :b)"), {"a": received, "b": answered}
            )
        ).scalar_one()
        for received, answered in spans
    ]
    assert len(set(expected)) > 3  # the spans differ: the comparison can tell them apart
    cards = {
        card.agency_id: card
        for card in await agency_scorecards(
            session, start=at(1, 0, **july), end=END_JULY, now=NOW_AUGUST
        )
    }
    assert [cards[agency.id].median_working_days_to_answer for agency in agencies] == expected
    assert cards[everything.id].answered == len(spans)
    assert cards[everything.id].median_working_days_to_answer == statistics.median(expected)
