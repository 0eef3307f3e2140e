"""The facts of the council report, read from the database: every figure a SQL aggregate
(`queries`), gathered into one `CouncilData` that the sections print and the tests reconcile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reports.data.common import (
    PETITION_KIND_LABELS,
    PETITION_STATUS_LABELS,
    PLAN_STATE_LABELS,
    Monthly,
    Period,
    counted,
    monthly_counts,
)
from reports.data.council.queries import (
    BY_AGENCY,
    BY_CATEGORY,
    BY_KIND,
    BY_UNIT,
    CLUSTER_TOTALS,
    CLUSTERS,
    MONTHLY,
    NOTABLE_COUNT,
    PLANS,
    RECOMMENDATION_STATES,
    REFERRALS_BY_ITEM,
    TOTALS,
)
from service.petitions.confidential import cluster_personal_data
from service.replies.redaction import redact
from service.replies.scorecards import AgencyScorecard, agency_scorecards

CLUSTER_LIMIT = 20

HIDDEN_TITLE = "(Nội dung không công khai)"


@dataclass(frozen=True)
class CouncilParameters:
    period: Period
    unit_code: str | None = None
    unit_name: str | None = None

    @property
    def area_text(self) -> str:
        return f"trên địa bàn {self.unit_name}" if self.unit_name else "trên địa bàn Thành phố"


@dataclass(frozen=True)
class Count:
    name: str
    received: int
    answered: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class Cluster:
    tracking_code: str
    title: str
    category: str
    unit: str
    agency: str | None
    raised_by: int
    status: str


def _card_sum(field: str) -> Any:
    """A `CouncilData` figure: ``field`` of every agency's scorecard, summed."""
    return property(lambda data: sum(getattr(card, field) for card in data.scorecards))


@dataclass(frozen=True)
class CouncilData(Monthly):
    """Every number of the report (tests compare these with their own counts)."""

    received: int
    issues: int
    merged: int
    answered: int
    rejected: int
    withdrawn: int
    unanswered_open: int
    overdue: int
    reopened: int
    to_council: int
    denunciations: int
    median_working_days: float | None
    by_kind: dict[str, Count]
    by_category: list[Count]
    by_unit: list[Count]
    by_agency: list[Count]
    referrals_by_item: dict[str, int]
    clusters: int
    cluster_people: int
    top_clusters: list[Cluster]
    notable_count: int
    scorecards: list[AgencyScorecard]
    plan_rows: list[tuple[str, str, str, int, int]]
    recommendation_states: dict[str, int]
    recommendations_overdue: int

    # Referrals: sums of the agency table (Bảng 4), one cohort.
    referrals = _card_sum("received")
    acknowledged = _card_sum("acknowledged")
    acknowledged_on_time = _card_sum("acknowledged_on_time")
    referrals_answered = _card_sum("answered")
    answered_on_time = _card_sum("answered_on_time")
    declined = _card_sum("bounces")

    # Supervision: sums of the plan table (Bảng 6).
    @property
    def plans(self) -> int:
        return len(self.plan_rows)

    @property
    def sessions(self) -> int:
        return sum(row[3] for row in self.plan_rows)

    @property
    def recommendations_issued(self) -> int:
        return sum(row[4] for row in self.plan_rows)


async def gather(session: AsyncSession, params: CouncilParameters, *, now: datetime) -> CouncilData:
    period = params.period
    bind = {
        "start": period.start,
        "end": period.end,
        "unit": params.unit_code,
        "now": now,
    }

    async def rows(statement: Any, extra: dict[str, Any] | None = None) -> Sequence[Any]:
        return (await session.execute(statement, {**bind, **(extra or {})})).mappings().all()

    totals = (await rows(TOTALS))[0]
    by_kind = {
        r["kind"]: Count(
            PETITION_KIND_LABELS.get(r["kind"], r["kind"]),
            r["received"],
            r["answered"],
            r["overdue"],
        )
        for r in await rows(BY_KIND)
    }
    referrals_by_item = {r["item_type"]: int(r["n"]) for r in await rows(REFERRALS_BY_ITEM)}
    monthly = await monthly_counts(session, MONTHLY, bind, period)
    cluster_totals = (await rows(CLUSTER_TOTALS))[0]
    clusters = [
        Cluster(
            tracking_code=r["tracking_code"],
            title=await _cluster_title(session, r),
            category=r["category"],
            unit=r["unit"],
            agency=r["agency"],
            raised_by=r["raised_by_count"],
            status=PETITION_STATUS_LABELS.get(r["status"], r["status"]),
        )
        for r in await rows(CLUSTERS, {"limit": CLUSTER_LIMIT})
    ]
    notable_count = await counted(session, NOTABLE_COUNT, bind)
    scorecards = await agency_scorecards(
        session, start=period.start, end=period.end, unit_code=params.unit_code, now=now
    )
    plan_bind = {**bind, "first": period.first, "last": period.last}
    plan_rows = [
        (
            r["code"],
            r["subject"],
            PLAN_STATE_LABELS.get(r["state"], r["state"]),
            int(r["sessions"]),
            int(r["recommendations"]),
        )
        for r in (await session.execute(PLANS, plan_bind)).mappings()
    ]
    recommendation_states: dict[str, int] = {}
    recommendations_overdue = 0
    for r in await rows(RECOMMENDATION_STATES):
        recommendation_states[r["state"]] = int(r["n"])
        recommendations_overdue += int(r["overdue"])
    median = totals["median_working_days"]
    return CouncilData(
        received=totals["received"],
        issues=totals["issues"],
        merged=totals["merged"],
        answered=totals["answered"],
        rejected=totals["rejected"],
        withdrawn=totals["withdrawn"],
        unanswered_open=totals["unanswered_open"],
        overdue=totals["overdue"],
        reopened=totals["reopened"],
        to_council=totals["to_council"],
        denunciations=totals["denunciations"],
        median_working_days=None if median is None else float(median),
        by_kind=by_kind,
        by_category=[
            Count(r["name"], r["received"], r["answered"]) for r in await rows(BY_CATEGORY)
        ],
        by_unit=[
            Count(r["name"], r["received"], r["answered"], r["overdue"])
            for r in await rows(BY_UNIT)
        ],
        by_agency=[
            Count(r["name"], r["received"], r["answered"], r["overdue"])
            for r in await rows(BY_AGENCY)
        ],
        referrals_by_item=referrals_by_item,
        **monthly,
        clusters=int(cluster_totals["clusters"]),
        cluster_people=int(cluster_totals["people"]),
        top_clusters=clusters,
        notable_count=notable_count,
        scorecards=scorecards,
        plan_rows=plan_rows,
        recommendation_states=recommendation_states,
        recommendations_overdue=recommendations_overdue,
    )


def summary(params: CouncilParameters) -> str:
    return (
        f"Tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân {params.area_text} {params.period.text}"
    )


async def _cluster_title(session: AsyncSession, row: Any) -> str:
    """A consented title, without the personal data of anyone in the cluster (their own
    names, addresses, numbers: the petitions service knows them) nor anyone's numbers."""
    if not row["consent_publish"]:
        return HIDDEN_TITLE
    personal = await cluster_personal_data(session, row["id"])
    return HIDDEN_TITLE if personal is None else redact(row["title"], personal)
