"""The agency scorecard as it is printed, and the per-agency table the council report shares."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reports.charts import Series
from reports.data.common import (
    ITEM_KIND_LABELS,
    NO_PERSONAL_DATA,
    REFERRAL_STATE_LABELS,
    bar_figure,
    count_and_rate,
    days_text,
    label,
    numbered_long_table,
    numbered_table,
    rate,
    streamed_table,
    vi_date,
)
from reports.data.scorecard.facts import ScorecardData, ScorecardParameters
from reports.data.scorecard.queries import OPEN_ROWS
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
from service.replies.scorecards import AgencyScorecard


def scorecard_table(
    cards: Sequence[AgencyScorecard], *, caption: str, total: bool = False
) -> LongTable:
    """One row per agency (shared with the council report), with ``total`` a last row of
    sums (the figures of the council report's section II)."""
    rows: list[list[Cell]] = [
        [
            card.agency_name,
            card.received,
            rate(card.acknowledged_on_time, card.acknowledged),
            card.answered,
            rate(card.answered_on_time, card.answered),
            days_text(card.median_working_days_to_answer),
            card.overdue_now,
            rate(card.satisfied, card.rated),
        ]
        for card in cards
    ]
    total_row: list[Cell] | None = None
    if total:
        total_row = [
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
    return numbered_long_table(
        [
            Column("Cơ quan", 2.6),
            Column("Tiếp nhận", 0.95, Align.right),
            Column("Thụ lý đúng hạn", 1.15, Align.right),
            Column("Đã trả lời", 0.95, Align.right),
            Column("Trả lời đúng hạn", 1.15, Align.right),
            Column("Trung vị (ngày LV)", 1.05, Align.right),
            Column("Đang quá hạn", 0.95, Align.right),
            Column("Hài lòng", 1.0, Align.right),
        ],
        rows,
        caption=caption,
        total_row=total_row,
    )


def open_table(
    session: AsyncSession, params: ScorecardParameters, data: ScorecardData, *, now: datetime
) -> LongTable:
    period = params.period

    def cells(row: Any) -> list[Cell]:
        return [
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
            Column("Loại", 21),
            Column("Mã hồ sơ, kế hoạch", 29),
            Column("Phường, xã", 21),
            Column("Ngày nhận", 19.5, Align.centred),
            Column("Hạn", 19.5, Align.centred),
            Column("Tình trạng", 28),
            Column("Ghi chú", 17.5),
        ],
        row_count=data.open_count,
        caption=f"Danh sách việc chưa hoàn thành hoặc quá hạn {NO_PERSONAL_DATA}",
        number_width=9.5,
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
        data.monthly_figure(
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
