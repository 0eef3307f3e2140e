"""The periodic report to the People's Council (tổng hợp ý kiến, kiến nghị của cử tri và
Nhân dân) for a period and an area (the city, or one ward/commune).

Every figure is a SQL aggregate; the only rows that travel are those of the appendix list,
streamed through a server-side cursor into a `LongTable`. Cohort: the petitions RECEIVED in
the period in the area (merged duplicates included in "received", excluded from "issues").
"Overdue" is as of the moment the report is made: an open petition whose own routing clock,
or the clock of one of its referrals, is past its deadline.

One definition per count, so that every figure reconciles with every other that counts
the same thing (tests/reports/test_reconcile.py cross-checks them):

- petitions ("ý kiến, kiến nghị"): the cohort above. Page 1, Bảng 1 (by kind), Bảng 2 (by
  ward), Biểu đồ 1 (by field) and Biểu đồ 2 (by month of RECEIPT, received and, of those,
  answered) all count it, so each sums to the page-1 total; Bảng 3 (by agency) counts the
  cohort without merged duplicates, so it sums to the "vụ việc" figure;
- referrals ("lượt chuyển"): what agencies received in the period in the area, petitions AND
  supervision recommendations alike: replies' `agency_scorecards` cohort. Section II's
  sentence is the sum of Bảng 4's rows (the split by kind of item comes from the same
  cohort), so "Đã chuyển N lượt" is what the agency table adds up to;
- supervision: the plans of the area active in the period (their period overlaps it, or a
  session opened or a recommendation was issued in it); Section IV's sentence is the sum of
  Bảng 6's rows (sessions opened and recommendations issued in the period).

Personal data never enters this module's queries: no column of ``petitioner`` is read, and
no petition text is printed except a consented title of a merged-duplicate cluster, redacted
(the petitions service removes its petitioners' own names, addresses and numbers, and every
phone, email, ID, bank account and plate). Denunciations appear only as counts, never in a list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from reports.charts import Series, bar_chart, line_chart
from reports.data.common import (
    PETITION_KIND_LABELS,
    PETITION_STATUS_LABELS,
    PLAN_STATE_LABELS,
    RECOMMENDATION_STATE_LABELS,
    DocumentFrame,
    Period,
    count_and_rate,
    days_text,
    label,
    rate,
    vi_date,
)
from reports.data.scorecard import scorecard_table
from reports.document import ReportDocument
from reports.numbers import format_number
from reports.sections import (
    Align,
    BulletList,
    Cell,
    Column,
    Figure,
    Heading,
    LongTable,
    Paragraph,
    Section,
    Table,
)
from reports.streaming import ThreadRows, streamed
from service.petitions.confidential import cluster_personal_data
from service.replies.redaction import redact
from service.replies.scorecards import AgencyScorecard, agency_scorecards

LIVE = "('running', 'due_soon', 'overdue')"
CLOSED_PETITION = "('rejected', 'closed', 'withdrawn', 'merged')"
CLUSTER_LIMIT = 20
NOTABLE_RAISED_BY = 3
CHART_AGENCIES = 10

# The cohort with two flags computed once: overdue now, escalated to the People's Council.
COHORT = f"""
WITH p AS (
  SELECT p.id, p.tracking_code, p.kind, p.category_code, p.unit_code, p.agency_id, p.status,
         p.created_at, p.answered_at, p.due_at, p.reopen_count, p.raised_by_count,
         p.merged_into_id,
         (p.status NOT IN {CLOSED_PETITION} AND (
             (p.deadline_status IN {LIVE} AND p.due_at <= :now)
             OR EXISTS (SELECT 1 FROM referral r
                         WHERE r.item_type = 'petition' AND r.item_id = p.id
                           AND r.deadline_status IN {LIVE} AND r.due_at <= :now)
         )) AS is_overdue,
         EXISTS (SELECT 1 FROM referral r
                  WHERE r.item_type = 'petition' AND r.item_id = p.id
                    AND r.escalated_to = 'council') AS to_council
    FROM petition p
   WHERE p.created_at >= :start AND p.created_at < :end
     AND (CAST(:unit AS text) IS NULL OR p.unit_code = CAST(:unit AS text))
)
"""

TOTALS = sa.text(
    COHORT
    + f"""
SELECT count(*) AS received,
       count(*) FILTER (WHERE status <> 'merged') AS issues,
       count(*) FILTER (WHERE status = 'merged') AS merged,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE status = 'rejected') AS rejected,
       count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn,
       count(*) FILTER (WHERE status NOT IN {CLOSED_PETITION} AND answered_at IS NULL)
           AS unanswered_open,
       count(*) FILTER (WHERE is_overdue) AS overdue,
       count(*) FILTER (WHERE reopen_count > 0) AS reopened,
       count(*) FILTER (WHERE to_council) AS to_council,
       count(*) FILTER (WHERE kind = 'denunciation') AS denunciations,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY working_days_between(created_at, answered_at)
       ) FILTER (WHERE answered_at IS NOT NULL) AS median_working_days
  FROM p
"""
)

BY_KIND = sa.text(
    COHORT
    + """
SELECT kind, count(*) AS received,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE is_overdue) AS overdue
  FROM p GROUP BY kind
"""
)

BY_CATEGORY = sa.text(
    COHORT
    + """
SELECT c.name_vi AS name, count(*) AS received,
       count(*) FILTER (WHERE p.answered_at IS NOT NULL) AS answered
  FROM p JOIN petition_category c ON c.code = p.category_code
 GROUP BY c.code, c.name_vi, c.sort_order
 ORDER BY count(*) DESC, c.sort_order, c.name_vi
"""
)

BY_UNIT = sa.text(
    COHORT
    + """
SELECT u.name AS name, count(*) AS received,
       count(*) FILTER (WHERE p.answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE p.is_overdue) AS overdue
  FROM p JOIN admin_unit u ON u.code = p.unit_code
 GROUP BY u.code, u.name
 ORDER BY count(*) DESC, u.name
"""
)

BY_AGENCY = sa.text(
    COHORT
    + """
SELECT coalesce(a.name, 'Chưa chuyển cơ quan giải quyết') AS name, count(*) AS received,
       count(*) FILTER (WHERE p.answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE p.is_overdue) AS overdue
  FROM p LEFT JOIN agency a ON a.id = p.agency_id
 WHERE p.status <> 'merged'
 GROUP BY a.id, a.name
 ORDER BY (a.id IS NULL), count(*) DESC, a.name
"""
)

# The scorecards' cohort (replies.scorecards.SCORECARD_SQL), split by the kind of item.
REFERRALS_BY_ITEM = sa.text(
    """
SELECT r.item_type, count(*) AS n
  FROM referral r
 WHERE r.created_at >= :start AND r.created_at < :end
   AND (CAST(:unit AS text) IS NULL OR r.unit_code = CAST(:unit AS text))
 GROUP BY r.item_type
"""
)

# By month of receipt: the received and, of those, the answered (so both series sum to the
# page-1 figures, whenever the answers came).
MONTHLY = sa.text(
    COHORT
    + """
SELECT date_trunc('month', p.created_at AT TIME ZONE :tz)::date AS month,
       count(*) AS received,
       count(*) FILTER (WHERE p.answered_at IS NOT NULL) AS answered
  FROM p
 GROUP BY 1
"""
)

HIDDEN_TITLE = "(Nội dung không công khai)"
# Leads of merged-duplicate clusters touched by the period (the lead or a duplicate received
# in it). Denunciations never listed.
CLUSTER_FILTER = """
  FROM petition l
 WHERE l.status <> 'merged' AND l.raised_by_count > 1 AND l.kind <> 'denunciation'
   AND (CAST(:unit AS text) IS NULL OR l.unit_code = CAST(:unit AS text))
   AND ((l.created_at >= :start AND l.created_at < :end)
        OR EXISTS (SELECT 1 FROM petition d
                    WHERE d.merged_into_id = l.id
                      AND d.created_at >= :start AND d.created_at < :end))
"""
CLUSTER_TOTALS = sa.text(
    "SELECT count(*) AS clusters, coalesce(sum(l.raised_by_count), 0) AS people" + CLUSTER_FILTER
)
CLUSTERS = sa.text(
    """
SELECT l.id, l.tracking_code, l.title, l.consent_publish, c.name_vi AS category, u.name AS unit,
       l.raised_by_count, l.status, a.name AS agency
"""
    + CLUSTER_FILTER.replace(
        "  FROM petition l\n",
        "  FROM petition l\n"
        "  JOIN petition_category c ON c.code = l.category_code\n"
        "  JOIN admin_unit u ON u.code = l.unit_code\n"
        "  LEFT JOIN agency a ON a.id = l.agency_id\n",
    )
    + " ORDER BY l.raised_by_count DESC, l.created_at, l.id LIMIT :limit"
)

NOTABLE_FILTER = f"""
   AND p.kind <> 'denunciation' AND p.status <> 'merged'
   AND (p.is_overdue OR p.reopen_count > 0 OR p.to_council
        OR p.raised_by_count >= {NOTABLE_RAISED_BY})
"""
NOTABLE_COUNT = sa.text(COHORT + "SELECT count(*) FROM p WHERE true" + NOTABLE_FILTER)
# No personal data and no free text: codes, classifications, places, dates and states.
NOTABLE_ROWS = sa.text(
    COHORT
    + f"""
SELECT row_number() OVER (ORDER BY p.is_overdue DESC, coalesce(r.due_at, p.due_at) NULLS LAST,
                                   p.created_at, p.id) AS number,
       p.tracking_code, p.kind, c.name_vi AS category, u.name AS unit, a.name AS agency,
       p.created_at, coalesce(r.due_at, p.due_at) AS due_at, p.status,
       p.is_overdue, p.reopen_count, p.to_council, p.raised_by_count
  FROM p
  JOIN petition_category c ON c.code = p.category_code
  JOIN admin_unit u ON u.code = p.unit_code
  LEFT JOIN agency a ON a.id = p.agency_id
  LEFT JOIN LATERAL (
      SELECT r.due_at FROM referral r
       WHERE r.item_type = 'petition' AND r.item_id = p.id AND r.deadline_status IN {LIVE}
       ORDER BY r.created_at DESC LIMIT 1
  ) r ON true
 WHERE true
{NOTABLE_FILTER}
 ORDER BY 1
"""
)

# The plans of the area active in the period, with what happened in it.
PLANS = sa.text(
    """
WITH sp AS (
  SELECT sp.id, sp.code, sp.subject, sp.state, sp.period_start, sp.period_end,
         (SELECT count(*) FROM supervision_session s
           WHERE s.plan_id = sp.id AND s.opened_at >= :start AND s.opened_at < :end)
           AS sessions,
         (SELECT count(*) FROM supervision_recommendation rec
           WHERE rec.plan_id = sp.id AND rec.issued_at >= :start AND rec.issued_at < :end)
           AS recommendations
    FROM supervision_plan sp
   WHERE sp.state <> 'draft'
     AND (CAST(:unit AS text) IS NULL OR sp.unit_code = CAST(:unit AS text))
)
SELECT code, subject, state, sessions, recommendations
  FROM sp
 WHERE (period_start <= :last AND period_end >= :first) OR sessions > 0 OR recommendations > 0
 ORDER BY period_start, code
"""
)
# Follow-up of every recommendation issued so far in the area (whenever issued): its state
# now, and whether it is past due without an answer.
RECOMMENDATION_STATES = sa.text(
    """
SELECT rec.state, count(*) AS n,
       count(*) FILTER (WHERE rec.state IN ('issued', 'acknowledged', 'overdue')
                          AND rec.due_at <= :now) AS overdue
  FROM supervision_recommendation rec JOIN supervision_plan sp ON sp.id = rec.plan_id
 WHERE rec.issued_at IS NOT NULL AND rec.issued_at < :end
   AND (CAST(:unit AS text) IS NULL OR sp.unit_code = CAST(:unit AS text))
 GROUP BY rec.state
"""
)


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


@dataclass(frozen=True)
class CouncilData:
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
    months: list[date]
    received_by_month: list[int]
    answered_by_month: list[int]
    clusters: int
    cluster_people: int
    top_clusters: list[Cluster]
    notable_count: int
    scorecards: list[AgencyScorecard]
    plan_rows: list[tuple[str, str, str, int, int]]
    recommendation_states: dict[str, int]
    recommendations_overdue: int

    # Referrals: sums of the agency table (Bảng 4), one cohort.
    @property
    def referrals(self) -> int:
        return sum(card.received for card in self.scorecards)

    @property
    def acknowledged(self) -> int:
        return sum(card.acknowledged for card in self.scorecards)

    @property
    def acknowledged_on_time(self) -> int:
        return sum(card.acknowledged_on_time for card in self.scorecards)

    @property
    def referrals_answered(self) -> int:
        return sum(card.answered for card in self.scorecards)

    @property
    def answered_on_time(self) -> int:
        return sum(card.answered_on_time for card in self.scorecards)

    @property
    def declined(self) -> int:
        return sum(card.bounces for card in self.scorecards)

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
    months = period.months()
    received_by: dict[date, int] = {}
    answered_by: dict[date, int] = {}
    for r in await rows(MONTHLY, {"tz": period.timezone}):
        received_by[r["month"]] = int(r["received"])
        answered_by[r["month"]] = int(r["answered"])
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
    notable_count = int((await session.execute(NOTABLE_COUNT, bind)).scalar_one())
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
        months=months,
        received_by_month=[received_by.get(month, 0) for month in months],
        answered_by_month=[answered_by.get(month, 0) for month in months],
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


async def council_document(
    session: AsyncSession,
    params: CouncilParameters,
    frame: DocumentFrame,
    *,
    now: datetime,
    title: str | None = None,
) -> ReportDocument:
    """The whole document; the appendix rows stream from ``session`` while it renders (keep
    the session open until `render_in_thread` returns)."""
    data = await gather(session, params, now=now)
    appendix = notable_table(session, params, now=now, row_count=data.notable_count)
    return frame.document(
        title or summary(params),
        sections(data, params, frame, now=now),
        [Heading("PHỤ LỤC", centered=True), appendix],
    )


def notable_table(
    session: AsyncSession, params: CouncilParameters, *, now: datetime, row_count: int
) -> LongTable:
    period = params.period
    city = params.unit_code is None

    def cells(row: Any) -> list[Cell]:
        notes = []
        if row.is_overdue:
            notes.append("Quá hạn")
        if row.to_council:
            notes.append("Đề nghị HĐND xem xét")
        if row.reopen_count:
            notes.append("Tái phản ánh")
        if row.raised_by_count >= NOTABLE_RAISED_BY:
            notes.append(f"{format_number(row.raised_by_count)} người cùng phản ánh")
        return [
            int(row.number),
            row.tracking_code,
            f"{PETITION_KIND_LABELS.get(row.kind, row.kind)}: {row.category}",
            *([row.unit] if city else []),
            row.agency or "-",
            vi_date(row.created_at, period.timezone),
            vi_date(row.due_at, period.timezone),
            PETITION_STATUS_LABELS.get(row.status, row.status),
            "; ".join(notes),
        ]

    source = streamed(
        session,
        NOTABLE_ROWS,
        {"start": period.start, "end": period.end, "unit": params.unit_code, "now": now},
        transform=cells,
    )
    return LongTable(
        # Widths in millimetres of the 165 mm text width: a tracking code and a date
        # must not wrap.
        columns=[
            Column("STT", 9.5, Align.centred),
            Column("Mã hồ sơ", 29),
            Column("Loại, lĩnh vực", 19 if city else 23),
            *([Column("Phường, xã", 17)] if city else []),
            Column("Cơ quan giải quyết", 19 if city else 23),
            Column("Ngày nhận", 19.5, Align.centred),
            Column("Hạn xử lý", 19.5, Align.centred),
            Column("Tình trạng", 17 if city else 20),
            Column("Ghi chú", 15.5 if city else 21.5),
        ],
        rows=ThreadRows(source, asyncio.get_running_loop()),
        row_count=row_count,
        caption="Danh sách vụ việc đáng chú ý và quá hạn (không có thông tin cá nhân; "
        "đơn tố cáo chỉ được thống kê số lượng)",
    )


def sections(
    data: CouncilData, params: CouncilParameters, frame: DocumentFrame, *, now: datetime
) -> list[Section]:
    period = params.period
    out: list[Section] = [
        Paragraph(
            "Thực hiện Luật Mặt trận Tổ quốc Việt Nam và Nghị quyết liên tịch số "
            "403/2017/NQLT-UBTVQH14-CP-ĐCTUBTWMTTQVN, "
            f"{_body_name(frame)} tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân "
            f"{params.area_text} tiếp nhận {period.text} như sau:"
        ),
        Heading("I. TÌNH HÌNH TIẾP NHẬN Ý KIẾN, KIẾN NGHỊ"),
        Paragraph(
            f"Trong kỳ đã tiếp nhận {format_number(data.received)} ý kiến, kiến nghị "
            f"({format_number(data.issues)} vụ việc sau khi gộp {format_number(data.merged)} "
            f"đơn trùng nội dung); đã có trả lời {format_number(data.answered)} "
            f"({rate(data.answered, data.received)}); không tiếp nhận "
            f"{format_number(data.rejected)}; người dân rút {format_number(data.withdrawn)}; "
            f"đang giải quyết {format_number(data.unanswered_open)}, trong đó quá hạn "
            f"{format_number(data.overdue)} (tính đến ngày {vi_date(now, period.timezone)})."
        ),
        Paragraph(
            f"Số đơn tố cáo: {format_number(data.denunciations)}. Thông tin về người tố cáo "
            "được giữ bí mật theo Luật Tố cáo; báo cáo này chỉ thống kê số lượng."
        ),
        _kind_table(data),
    ]
    if params.unit_code is None and data.by_unit:
        out.append(
            Table(
                columns=[
                    Column("STT", 0.7, Align.centred),
                    Column("Phường, xã", 3.0),
                    Column("Tiếp nhận", 1.2, Align.right),
                    Column("Đã trả lời", 1.2, Align.right),
                    Column("Quá hạn", 1.1, Align.right),
                ],
                rows=[
                    [number, c.name, c.received, c.answered, c.overdue]
                    for number, c in enumerate(data.by_unit, start=1)
                ],
                total_row=["", "Tổng cộng", data.received, data.answered, data.overdue],
                caption="Bảng 2. Ý kiến, kiến nghị theo phường, xã",
            )
        )
    if data.by_category:
        names = [count.name for count in data.by_category]
        out.append(
            Figure(
                bar_chart(
                    "Ý kiến, kiến nghị theo lĩnh vực",
                    names,
                    [Series("Tiếp nhận", [c.received for c in data.by_category])],
                    axis_title="Số ý kiến, kiến nghị",
                ),
                caption="Biểu đồ 1. Ý kiến, kiến nghị theo lĩnh vực",
            )
        )
    out.append(
        Figure(
            line_chart(
                "Tiếp nhận và trả lời theo tháng tiếp nhận",
                [f"Tháng {m.month}/{m.year}" for m in data.months],
                [
                    Series("Tiếp nhận", data.received_by_month),
                    Series("Đã trả lời", data.answered_by_month),
                ],
                axis_title="Số ý kiến, kiến nghị",
            ),
            caption="Biểu đồ 2. Ý kiến, kiến nghị tiếp nhận mỗi tháng và số đã được trả lời",
        )
    )
    out += _answers(data)
    out += _clusters(data)
    out += _supervision(data)
    out += [
        Heading("V. KIẾN NGHỊ"),
        Paragraph(f"{_body_name(frame)} kiến nghị:"),
        BulletList(
            [
                "Ủy ban nhân dân chỉ đạo các cơ quan trả lời dứt điểm "
                f"{format_number(data.overdue)} ý kiến, kiến nghị quá hạn và "
                f"{format_number(data.recommendations_overdue)} kiến nghị sau giám sát "
                "quá hạn trước kỳ họp;",
                "Các cơ quan công khai kết quả giải quyết, trả lời trên Cổng thông tin điện tử;",
                "Hội đồng nhân dân xem xét, giám sát các vụ việc tồn đọng, kéo dài và các vụ "
                "việc được nhiều người cùng phản ánh nêu tại Phụ lục.",
            ]
        ),
    ]
    return out


def _body_name(frame: DocumentFrame) -> str:
    parent = (frame.parent_body or "").replace("\\n", " ").replace("\n", " ").strip()
    return f"{frame.issuing_body} {parent}".strip()


def _kind_table(data: CouncilData) -> Table:
    rows: list[list[Cell]] = []
    for kind, name in PETITION_KIND_LABELS.items():
        count = data.by_kind.get(kind, Count(name, 0))
        rows.append(
            [
                name,
                count.received,
                rate(count.received, data.received),
                count.answered,
                count.overdue,
            ]
        )
    return Table(
        columns=[
            Column("Loại", 2.2),
            Column("Số lượng", 1.2, Align.right),
            Column("Tỷ lệ", 1.0, Align.right),
            Column("Đã trả lời", 1.3, Align.right),
            Column("Quá hạn", 1.1, Align.right),
        ],
        rows=rows,
        total_row=[
            "Tổng cộng",
            data.received,
            rate(data.received, data.received),
            data.answered,
            data.overdue,
        ],
        caption="Bảng 1. Ý kiến, kiến nghị theo loại",
    )


def _answers(data: CouncilData) -> list[Section]:
    out: list[Section] = [
        Heading("II. KẾT QUẢ GIẢI QUYẾT, TRẢ LỜI CỦA CÁC CƠ QUAN"),
        Paragraph(
            f"Đã chuyển {format_number(data.referrals)} lượt đến cơ quan có thẩm quyền"
            f"{_referral_split(data)}; "
            f"cơ quan đã thụ lý {format_number(data.acknowledged)} lượt, trong đó đúng hạn "
            f"{count_and_rate(data.acknowledged_on_time, data.acknowledged)}; đã trả lời "
            f"{format_number(data.referrals_answered)} lượt, trong đó đúng hạn "
            f"{count_and_rate(data.answered_on_time, data.referrals_answered)}; trả lại do "
            f"không thuộc thẩm quyền {format_number(data.declined)} lượt. Thời gian trả lời "
            f"trung vị là {days_text(data.median_working_days)} ngày làm việc kể từ ngày "
            f"tiếp nhận. Có {format_number(data.reopened)} vụ việc người dân tái phản ánh "
            f"sau khi có trả lời và {format_number(data.to_council)} vụ việc đề nghị Hội "
            "đồng nhân dân xem xét."
        ),
    ]
    if data.by_agency:
        out.append(
            Table(
                columns=[
                    Column("STT", 0.7, Align.centred),
                    Column("Cơ quan giải quyết", 3.0),
                    Column("Tiếp nhận", 1.1, Align.right),
                    Column("Đã trả lời", 1.1, Align.right),
                    Column("Quá hạn", 1.0, Align.right),
                ],
                rows=[
                    [number, c.name, c.received, c.answered, c.overdue]
                    for number, c in enumerate(data.by_agency, start=1)
                ],
                total_row=[
                    "",
                    "Tổng cộng (không kể đơn trùng đã gộp)",
                    sum(c.received for c in data.by_agency),
                    sum(c.answered for c in data.by_agency),
                    sum(c.overdue for c in data.by_agency),
                ],
                caption="Bảng 3. Ý kiến, kiến nghị theo cơ quan giải quyết",
            )
        )
    if data.scorecards:
        out.append(
            scorecard_table(
                data.scorecards,
                caption="Bảng 4. Chỉ số trả lời của cơ quan (các lượt chuyển trong kỳ)",
                total=True,
            )
        )
        top = sorted(data.scorecards, key=lambda c: (-c.received, c.agency_name))[:CHART_AGENCIES]
        out.append(
            Figure(
                bar_chart(
                    "Thụ lý, trả lời đúng hạn theo cơ quan",
                    [c.agency_name for c in top],
                    [
                        Series("Tiếp nhận", [c.received for c in top]),
                        Series("Trả lời đúng hạn", [c.answered_on_time for c in top]),
                        Series("Quá hạn", [c.overdue_now for c in top]),
                    ],
                    axis_title="Số lượt",
                ),
                caption="Biểu đồ 3. Kết quả trả lời của các cơ quan có nhiều ý kiến, "
                "kiến nghị nhất",
            )
        )
    return out


def _referral_split(data: CouncilData) -> str:
    """ " (gồm 5 lượt ý kiến, kiến nghị của cử tri và Nhân dân, 3 lượt kiến nghị sau giám
    sát)", or nothing when there is one kind of item only."""
    petitions = data.referrals_by_item.get("petition", 0)
    recommendations = data.referrals_by_item.get("recommendation", 0)
    if not (petitions and recommendations):
        return ""
    return (
        f" (gồm {format_number(petitions)} lượt ý kiến, kiến nghị của cử tri và Nhân dân, "
        f"{format_number(recommendations)} lượt kiến nghị sau giám sát)"
    )


def _clusters(data: CouncilData) -> list[Section]:
    out: list[Section] = [
        Heading("III. VỤ VIỆC ĐƯỢC NHIỀU NGƯỜI CÙNG PHẢN ÁNH"),
        Paragraph(
            f"Có {format_number(data.clusters)} vụ việc được nhiều người cùng phản ánh "
            f"(tổng cộng {format_number(data.cluster_people)} lượt người); các đơn trùng nội "
            "dung đã được gộp để giải quyết và trả lời chung."
        ),
    ]
    if data.top_clusters:
        out.append(
            Table(
                columns=[  # millimetres (12 pt text): a tracking code must not wrap
                    Column("STT", 11, Align.centred),
                    Column("Mã hồ sơ", 33),
                    Column("Nội dung", 45),
                    Column("Lĩnh vực", 21),
                    Column("Phường, xã", 20),
                    Column("Số người", 14, Align.right),
                    Column("Tình trạng", 21),
                ],
                rows=[
                    [n, c.tracking_code, c.title, c.category, c.unit, c.raised_by, c.status]
                    for n, c in enumerate(data.top_clusters, start=1)
                ],
                caption="Bảng 5. Vụ việc được nhiều người cùng phản ánh"
                + (
                    f" ({format_number(len(data.top_clusters))} vụ việc có nhiều người phản "
                    "ánh nhất)"
                    if data.clusters > len(data.top_clusters)
                    else ""
                ),
                note="Nội dung chỉ hiển thị khi người gửi đồng ý công khai, đã ẩn thông tin "
                "cá nhân.",
            )
        )
    return out


def _supervision(data: CouncilData) -> list[Section]:
    issued_total = sum(data.recommendation_states.values())
    out: list[Section] = [
        Heading("IV. HOẠT ĐỘNG GIÁM SÁT VÀ VIỆC THỰC HIỆN KIẾN NGHỊ SAU GIÁM SÁT"),
        Paragraph(
            f"Trong kỳ có {format_number(data.plans)} cuộc giám sát được triển khai, "
            f"{format_number(data.sessions)} buổi làm việc và "
            f"{format_number(data.recommendations_issued)} kiến nghị sau giám sát được gửi "
            f"đến cơ quan có thẩm quyền. Lũy kế đến nay có {format_number(issued_total)} kiến "
            f"nghị sau giám sát, trong đó {format_number(data.recommendations_overdue)} kiến "
            "nghị quá hạn chưa được trả lời."
        ),
    ]
    if data.plan_rows:
        out.append(
            Table(
                columns=[
                    Column("STT", 0.7, Align.centred),
                    Column("Kế hoạch", 1.5),
                    Column("Nội dung giám sát", 3.4),
                    Column("Tình trạng", 1.3),
                    Column("Số buổi", 0.9, Align.right),
                    Column("Kiến nghị", 1.0, Align.right),
                ],
                rows=[[n, *row] for n, row in enumerate(data.plan_rows, start=1)],
                total_row=[
                    "",
                    "Tổng cộng",
                    "",
                    "",
                    data.sessions,
                    data.recommendations_issued,
                ],
                caption="Bảng 6. Các cuộc giám sát trong kỳ",
                note="Số buổi làm việc diễn ra và số kiến nghị sau giám sát được gửi trong kỳ.",
            )
        )
    if data.recommendation_states:
        out.append(
            Table(
                columns=[
                    Column("Tình trạng kiến nghị sau giám sát", 3.0),
                    Column("Số lượng", 1.2, Align.right),
                    Column("Tỷ lệ", 1.0, Align.right),
                ],
                rows=[
                    [label(RECOMMENDATION_STATE_LABELS, state), n, rate(n, issued_total)]
                    for state, n in sorted(
                        data.recommendation_states.items(),
                        key=lambda item: (
                            list(RECOMMENDATION_STATE_LABELS).index(item[0])
                            if item[0] in RECOMMENDATION_STATE_LABELS
                            else 99
                        ),
                    )
                ],
                total_row=["Tổng cộng", issued_total, rate(issued_total, issued_total)],
                caption="Bảng 7. Theo dõi việc thực hiện kiến nghị sau giám sát",
            )
        )
    return out
