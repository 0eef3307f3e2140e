"""The facts of the agency scorecard, read from the database: replies' scorecard of the
agency for the period, and the counts and lists `queries` gives."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from reports.data.common import (
    ITEM_KIND_LABELS,
    RECOMMENDATION_STATE_LABELS,
    REFERRAL_STATE_LABELS,
    Monthly,
    Period,
    counted,
    label,
    label_rank,
    monthly_counts,
)
from reports.data.scorecard.queries import (
    BY_KIND,
    BY_STATE,
    MONTHLY,
    OPEN_COUNT,
    REFERRED_RECOMMENDATIONS,
)
from service.replies.scorecards import AgencyScorecard, agency_scorecards


@dataclass(frozen=True)
class ScorecardParameters:
    period: Period
    agency_id: uuid.UUID
    agency_code: str
    agency_name: str


# A referral the agency handed back or that left it: its own state, not the
# recommendation's (which follows the recommendation to its new agency).
HANDED_BACK = ("declined", "escalated", "cancelled")


@dataclass(frozen=True)
class ReferredRecommendation:
    plan_code: str
    title: str
    due_at: datetime | None
    state: str  # the Vietnamese label


@dataclass(frozen=True)
class ScorecardData(Monthly):
    card: AgencyScorecard
    by_kind: list[tuple[str, int, int, int]]
    by_state: dict[str, int]
    recommendations: list[ReferredRecommendation]
    open_count: int


def empty_card(params: ScorecardParameters) -> AgencyScorecard:
    return AgencyScorecard(
        agency_id=params.agency_id,
        agency_code=params.agency_code,
        agency_name=params.agency_name,
        received=0,
        acknowledged=0,
        acknowledged_on_time=0,
        answered=0,
        answered_on_time=0,
        median_working_days_to_answer=None,
        overdue_now=0,
        extensions=0,
        bounces=0,
        published=0,
        reopened=0,
        rated=0,
        satisfied=0,
    )


async def gather(
    session: AsyncSession, params: ScorecardParameters, *, now: datetime
) -> ScorecardData:
    period = params.period
    bind = {"agency": params.agency_id, "start": period.start, "end": period.end}
    cards = await agency_scorecards(
        session, start=period.start, end=period.end, agency_id=params.agency_id, now=now
    )
    by_kind = [
        (r["item_kind"], int(r["received"]), int(r["answered"]), int(r["answered_on_time"]))
        for r in (await session.execute(BY_KIND, bind)).mappings()
    ]
    by_kind.sort(key=lambda row: label_rank(ITEM_KIND_LABELS, row[0]))
    by_state = {r["state"]: int(r["n"]) for r in (await session.execute(BY_STATE, bind)).mappings()}
    monthly = await monthly_counts(session, MONTHLY, bind, period)
    recommendations = [
        ReferredRecommendation(
            plan_code=r["plan_code"],
            title=r["title"],
            due_at=r["due_at"],
            state=(
                label(REFERRAL_STATE_LABELS, r["referral_state"])
                if r["referral_state"] in HANDED_BACK
                else label(RECOMMENDATION_STATE_LABELS, r["recommendation_state"])
            ),
        )
        for r in (await session.execute(REFERRED_RECOMMENDATIONS, bind)).mappings()
    ]
    open_count = await counted(session, OPEN_COUNT, {**bind, "now": now})
    return ScorecardData(
        card=cards[0] if cards else empty_card(params),
        by_kind=by_kind,
        by_state=by_state,
        **monthly,
        recommendations=recommendations,
        open_count=open_count,
    )


def summary(params: ScorecardParameters) -> str:
    return (
        "Kết quả tiếp nhận, trả lời ý kiến, kiến nghị của "
        f"{params.agency_name} {params.period.text}"
    )
