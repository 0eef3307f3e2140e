"""The agency scorecard report: how one agency received and answered what was referred to it
in a period, and how it followed up the recommendations made after supervision.

The headline figures are replies' own `agency_scorecards` (one SQL statement), so the report
and the scorecards API never disagree. The appendix lists the agency's open or overdue
referrals of the period through a server-side cursor; a denunciation is never listed, and
no item's text is printed (codes, places, dates and states only).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from reports.charts import Series
from reports.data.common import (
    ITEM_KIND_LABELS,
    RECOMMENDATION_STATE_LABELS,
    REFERRAL_STATE_LABELS,
    DocumentFrame,
    Period,
    bar_figure,
    count_and_rate,
    days_text,
    label,
    monthly_figure,
    numbered_table,
    rate,
    streamed_table,
    vi_date,
)
from reports.document import ReportDocument
from reports.numbers import format_number
from reports.sections import (
    Align,
    Cell,
    Column,
    Heading,
    LongTable,
    Paragraph,
    Section,
    Table,
)
from service.replies.scorecards import AgencyScorecard, agency_scorecards

LIVE = "('running', 'due_soon', 'overdue')"
OPEN_REFERRAL = "('sent', 'acknowledged', 'answer_submitted', 'answer_accepted', 'disputed')"

BY_KIND = sa.text(
    """
SELECT item_kind, count(*) AS received,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE answered_at <= answer_due_at) AS answered_on_time
  FROM referral
 WHERE agency_id = :agency AND created_at >= :start AND created_at < :end
 GROUP BY item_kind
"""
)
BY_STATE = sa.text(
    """
SELECT state, count(*) AS n FROM referral
 WHERE agency_id = :agency AND created_at >= :start AND created_at < :end
 GROUP BY state
"""
)
# By month of receipt: the received and, of those, the answered (both sum to Bảng 1).
MONTHLY = sa.text(
    """
SELECT date_trunc('month', created_at AT TIME ZONE :tz)::date AS month,
       count(*) AS received,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered
  FROM referral
 WHERE agency_id = :agency AND created_at >= :start AND created_at < :end
 GROUP BY 1
"""
)
# The recommendations after supervision referred to the agency in the period: one row per
# referral, as Bảng 2 counts them (a recommendation declined and re-issued elsewhere stays
# in the first agency's list, marked as returned).
REFERRED_RECOMMENDATIONS = sa.text(
    """
SELECT sp.code AS plan_code, rec.title, r.due_at, r.state AS referral_state,
       rec.state AS recommendation_state
  FROM referral r
  JOIN supervision_recommendation rec ON rec.id = r.item_id
  JOIN supervision_plan sp ON sp.id = rec.plan_id
 WHERE r.item_type = 'recommendation' AND r.agency_id = :agency
   AND r.created_at >= :start AND r.created_at < :end
 ORDER BY r.created_at, r.id
"""
)
OPEN_FILTER = f"""
  FROM referral r
 WHERE r.agency_id = :agency AND r.created_at >= :start AND r.created_at < :end
   AND r.item_kind <> 'denunciation'
   AND (r.state IN {OPEN_REFERRAL}
        OR (r.deadline_status IN {LIVE} AND r.due_at <= :now))
"""
OPEN_COUNT = sa.text("SELECT count(*)" + OPEN_FILTER)
OPEN_ROWS = sa.text(
    f"""
SELECT row_number() OVER (ORDER BY (r.deadline_status IN {LIVE} AND r.due_at <= :now) DESC,
                                   r.due_at NULLS LAST, r.created_at, r.id) AS number,
       r.item_kind, coalesce(p.tracking_code, sp.code) AS code, u.name AS unit,
       r.created_at, r.due_at, r.state,
       (r.deadline_status IN {LIVE} AND r.due_at <= :now) AS is_overdue
"""
    + OPEN_FILTER.replace(
        "  FROM referral r\n",
        "  FROM referral r\n"
        "  JOIN admin_unit u ON u.code = r.unit_code\n"
        "  LEFT JOIN petition p ON r.item_type = 'petition' AND p.id = r.item_id\n"
        "  LEFT JOIN supervision_recommendation rec\n"
        "         ON r.item_type = 'recommendation' AND rec.id = r.item_id\n"
        "  LEFT JOIN supervision_plan sp ON sp.id = rec.plan_id\n",
    )
    + " ORDER BY 1"
)


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
class ScorecardData:
    card: AgencyScorecard
    by_kind: list[tuple[str, int, int, int]]
    by_state: dict[str, int]
    months: list[date]
    received_by_month: list[int]
    answered_by_month: list[int]
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
    order = list(ITEM_KIND_LABELS)
    by_kind.sort(key=lambda row: order.index(row[0]) if row[0] in order else 99)
    by_state = {r["state"]: int(r["n"]) for r in (await session.execute(BY_STATE, bind)).mappings()}
    months = period.months()
    received_by: dict[date, int] = {}
    answered_by: dict[date, int] = {}
    for r in (await session.execute(MONTHLY, {**bind, "tz": period.timezone})).mappings():
        received_by[r["month"]] = int(r["received"])
        answered_by[r["month"]] = int(r["answered"])
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
    open_count = int((await session.execute(OPEN_COUNT, {**bind, "now": now})).scalar_one())
    return ScorecardData(
        card=cards[0] if cards else empty_card(params),
        by_kind=by_kind,
        by_state=by_state,
        months=months,
        received_by_month=[received_by.get(m, 0) for m in months],
        answered_by_month=[answered_by.get(m, 0) for m in months],
        recommendations=recommendations,
        open_count=open_count,
    )


def summary(params: ScorecardParameters) -> str:
    return (
        "Kết quả tiếp nhận, trả lời ý kiến, kiến nghị của "
        f"{params.agency_name} {params.period.text}"
    )


async def scorecard_document(
    session: AsyncSession,
    params: ScorecardParameters,
    frame: DocumentFrame,
    *,
    now: datetime,
    title: str | None = None,
) -> ReportDocument:
    data = await gather(session, params, now=now)
    return frame.document(
        title or summary(params),
        sections(data, params, now=now),
        [Heading("PHỤ LỤC", centered=True), open_table(session, params, data, now=now)],
    )


def scorecard_table(
    cards: Sequence[AgencyScorecard], *, caption: str, total: bool = False
) -> LongTable:
    """One row per agency (shared with the council report), with ``total`` a last row of
    sums (the figures of the council report's section II)."""
    rows: list[list[Cell]] = [
        [
            number,
            card.agency_name,
            card.received,
            rate(card.acknowledged_on_time, card.acknowledged),
            card.answered,
            rate(card.answered_on_time, card.answered),
            days_text(card.median_working_days_to_answer),
            card.overdue_now,
            rate(card.satisfied, card.rated),
        ]
        for number, card in enumerate(cards, start=1)
    ]
    if total:
        rows.append(
            [
                "",
                "Tổng cộng",
                sum(c.received for c in cards),
                rate(
                    sum(c.acknowledged_on_time for c in cards),
                    sum(c.acknowledged for c in cards),
                ),
                sum(c.answered for c in cards),
                rate(sum(c.answered_on_time for c in cards), sum(c.answered for c in cards)),
                "-",
                sum(c.overdue_now for c in cards),
                rate(sum(c.satisfied for c in cards), sum(c.rated for c in cards)),
            ]
        )
    return LongTable(
        columns=[
            Column("STT", 0.7, Align.centred),
            Column("Cơ quan", 2.6),
            Column("Tiếp nhận", 0.95, Align.right),
            Column("Thụ lý đúng hạn", 1.15, Align.right),
            Column("Đã trả lời", 0.95, Align.right),
            Column("Trả lời đúng hạn", 1.15, Align.right),
            Column("Trung vị (ngày LV)", 1.05, Align.right),
            Column("Đang quá hạn", 0.95, Align.right),
            Column("Hài lòng", 1.0, Align.right),
        ],
        rows=rows,
        caption=caption,
    )


def open_table(
    session: AsyncSession, params: ScorecardParameters, data: ScorecardData, *, now: datetime
) -> LongTable:
    period = params.period

    def cells(row: Any) -> list[Cell]:
        return [
            int(row.number),
            ITEM_KIND_LABELS.get(row.item_kind, row.item_kind),
            row.code or "-",
            row.unit,
            vi_date(row.created_at, period.timezone),
            vi_date(row.due_at, period.timezone),
            REFERRAL_STATE_LABELS.get(row.state, row.state),
            "Quá hạn" if row.is_overdue else "",
        ]

    return streamed_table(
        session,
        OPEN_ROWS,
        {"agency": params.agency_id, "start": period.start, "end": period.end, "now": now},
        cells,
        columns=[
            # Millimetres of the 165 mm text width: codes and dates must not wrap.
            Column("STT", 9.5, Align.centred),
            Column("Loại", 21),
            Column("Mã hồ sơ, kế hoạch", 29),
            Column("Phường, xã", 21),
            Column("Ngày nhận", 19.5, Align.centred),
            Column("Hạn", 19.5, Align.centred),
            Column("Tình trạng", 28),
            Column("Ghi chú", 17.5),
        ],
        row_count=data.open_count,
        caption="Danh sách việc chưa hoàn thành hoặc quá hạn (không có thông tin cá nhân; "
        "đơn tố cáo chỉ được thống kê số lượng)",
    )


def sections(data: ScorecardData, params: ScorecardParameters, *, now: datetime) -> list[Section]:
    card = data.card
    period = params.period
    out: list[Section] = [
        Paragraph(
            f"Báo cáo tổng hợp kết quả tiếp nhận, thụ lý và trả lời ý kiến, kiến nghị của cử "
            f"tri và Nhân dân, kiến nghị sau giám sát được chuyển đến {params.agency_name} "
            f"{period.text}; số liệu quá hạn tính đến ngày {vi_date(now, period.timezone)}."
        ),
        Heading("I. KẾT QUẢ CHUNG"),
        Table(
            columns=[Column("Chỉ tiêu", 3.2), Column("Kết quả", 1.6, Align.right)],
            rows=[
                ["Số việc được chuyển đến", card.received],
                ["Đã thụ lý", card.acknowledged],
                [
                    "Thụ lý đúng hạn",
                    count_and_rate(card.acknowledged_on_time, card.acknowledged),
                ],
                ["Đã trả lời", card.answered],
                ["Trả lời đúng hạn", count_and_rate(card.answered_on_time, card.answered)],
                [
                    "Thời gian trả lời trung vị (ngày làm việc)",
                    days_text(card.median_working_days_to_answer),
                ],
                ["Số lần được gia hạn", card.extensions],
                ["Trả lại do không thuộc thẩm quyền", card.bounces],
                ["Đã công khai trả lời", card.published],
                ["Người dân tái phản ánh", count_and_rate(card.reopened, card.published)],
                ["Người dân hài lòng với trả lời", count_and_rate(card.satisfied, card.rated)],
                ["Đang quá hạn (mọi thời điểm tiếp nhận)", card.overdue_now],
            ],
            caption="Bảng 1. Chỉ số tiếp nhận, trả lời",
        ),
    ]
    if data.by_kind:
        out.append(
            Table(
                columns=[
                    Column("Loại", 2.4),
                    Column("Tiếp nhận", 1.1, Align.right),
                    Column("Đã trả lời", 1.1, Align.right),
                    Column("Đúng hạn", 1.3, Align.right),
                ],
                rows=[
                    [label(ITEM_KIND_LABELS, kind), received, answered, rate(on_time, answered)]
                    for kind, received, answered, on_time in data.by_kind
                ],
                caption="Bảng 2. Theo loại việc",
                note="Tỷ lệ đúng hạn tính trên số đã trả lời.",
            )
        )
    if data.by_state:
        states = [s for s in REFERRAL_STATE_LABELS if s in data.by_state]
        out.append(
            bar_figure(
                "Tình trạng giải quyết",
                [REFERRAL_STATE_LABELS[s] for s in states],
                [Series("Số việc", [data.by_state[s] for s in states])],
                axis_title="Số việc",
                caption="Biểu đồ 1. Tình trạng các việc được chuyển đến trong kỳ",
            )
        )
    out.append(
        monthly_figure(
            data.months,
            data.received_by_month,
            data.answered_by_month,
            axis_title="Số việc",
            caption="Biểu đồ 2. Việc tiếp nhận mỗi tháng và số đã được trả lời",
        )
    )
    out.append(Heading("II. VIỆC THỰC HIỆN KIẾN NGHỊ SAU GIÁM SÁT"))
    if data.recommendations:
        out.append(
            numbered_table(
                [
                    Column("Kế hoạch", 1.4),
                    Column("Kiến nghị", 3.2),
                    Column("Hạn trả lời", 1.2, Align.centred),
                    Column("Tình trạng", 1.5),
                ],
                [
                    [rec.plan_code, rec.title, vi_date(rec.due_at, period.timezone), rec.state]
                    for rec in data.recommendations
                ],
                caption="Bảng 3. Kiến nghị sau giám sát chuyển đến cơ quan trong kỳ",
            )
        )
    else:
        out.append(Paragraph("Trong kỳ không có kiến nghị sau giám sát gửi cơ quan."))
    out.append(
        Paragraph(
            f"Có {format_number(data.open_count)} việc tiếp nhận trong kỳ chưa hoàn thành "
            "hoặc quá hạn, được liệt kê tại Phụ lục."
        )
    )
    return out
