"""The council report as it is printed: sections I-V from `CouncilData`, and the appendix
list streamed from the database while the document renders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reports.charts import Series
from reports.data.common import (
    NO_PERSONAL_DATA,
    PETITION_KIND_LABELS,
    PETITION_STATUS_LABELS,
    RECOMMENDATION_STATE_LABELS,
    DocumentFrame,
    bar_figure,
    count_and_rate,
    days_text,
    label,
    label_rank,
    numbered_table,
    rate,
    streamed_table,
    vi_date,
)
from reports.data.council.facts import CouncilData, CouncilParameters, Count
from reports.data.council.queries import NOTABLE_RAISED_BY, NOTABLE_ROWS
from reports.data.scorecard import scorecard_table
from reports.numbers import format_number
from reports.sections import (
    Align,
    BulletList,
    Cell,
    Column,
    Heading,
    LongTable,
    Paragraph,
    Section,
    Table,
)

CHART_AGENCIES = 10


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
            _counts_table(
                "Phường, xã",
                data.by_unit,
                (1.2, 1.2, 1.1),
                total=("Tổng cộng", data.received, data.answered, data.overdue),
                caption="Bảng 2. Ý kiến, kiến nghị theo phường, xã",
            )
        )
    if data.by_category:
        names = [count.name for count in data.by_category]
        out.append(
            bar_figure(
                "Ý kiến, kiến nghị theo lĩnh vực",
                names,
                [Series("Tiếp nhận", [c.received for c in data.by_category])],
                axis_title="Số ý kiến, kiến nghị",
                caption="Biểu đồ 1. Ý kiến, kiến nghị theo lĩnh vực",
            )
        )
    out.append(
        data.monthly_figure(
            axis_title="Số ý kiến, kiến nghị",
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


def _counts_table(
    name: str,
    counts: Sequence[Count],
    widths: tuple[float, float, float],
    *,
    total: tuple[str, int, int, int],
    caption: str,
) -> Table:
    """Received, answered and overdue per ward or agency (``name`` heads the first column)."""
    received, answered, overdue = widths
    return numbered_table(
        [
            Column(name, 3.0),
            Column("Tiếp nhận", received, Align.right),
            Column("Đã trả lời", answered, Align.right),
            Column("Quá hạn", overdue, Align.right),
        ],
        [[c.name, c.received, c.answered, c.overdue] for c in counts],
        total_row=total,
        caption=caption,
    )


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
            _counts_table(
                "Cơ quan giải quyết",
                data.by_agency,
                (1.1, 1.1, 1.0),
                total=(
                    "Tổng cộng (không kể đơn trùng đã gộp)",
                    sum(c.received for c in data.by_agency),
                    sum(c.answered for c in data.by_agency),
                    sum(c.overdue for c in data.by_agency),
                ),
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
            bar_figure(
                "Thụ lý, trả lời đúng hạn theo cơ quan",
                [c.agency_name for c in top],
                [
                    Series("Tiếp nhận", [c.received for c in top]),
                    Series("Trả lời đúng hạn", [c.answered_on_time for c in top]),
                    Series("Quá hạn", [c.overdue_now for c in top]),
                ],
                axis_title="Số lượt",
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
            numbered_table(
                [  # millimetres (12 pt text): a tracking code must not wrap
                    Column("Mã hồ sơ", 33),
                    Column("Nội dung", 45),
                    Column("Lĩnh vực", 21),
                    Column("Phường, xã", 20),
                    Column("Số người", 14, Align.right),
                    Column("Tình trạng", 21),
                ],
                [
                    [c.tracking_code, c.title, c.category, c.unit, c.raised_by, c.status]
                    for c in data.top_clusters
                ],
                number_width=11,
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
            numbered_table(
                [
                    Column("Kế hoạch", 1.5),
                    Column("Nội dung giám sát", 3.4),
                    Column("Tình trạng", 1.3),
                    Column("Số buổi", 0.9, Align.right),
                    Column("Kiến nghị", 1.0, Align.right),
                ],
                data.plan_rows,
                total_row=[
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
                        key=lambda item: label_rank(RECOMMENDATION_STATE_LABELS, item[0]),
                    )
                ],
                total_row=["Tổng cộng", issued_total, rate(issued_total, issued_total)],
                caption="Bảng 7. Theo dõi việc thực hiện kiến nghị sau giám sát",
            )
        )
    return out


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
            row.tracking_code,
            f"{PETITION_KIND_LABELS.get(row.kind, row.kind)}: {row.category}",
            *([row.unit] if city else []),
            row.agency or "-",
            vi_date(row.created_at, period.timezone),
            vi_date(row.due_at, period.timezone),
            PETITION_STATUS_LABELS.get(row.status, row.status),
            "; ".join(notes),
        ]

    return streamed_table(
        session,
        NOTABLE_ROWS,
        {"start": period.start, "end": period.end, "unit": params.unit_code, "now": now},
        cells,
        # Widths in millimetres of the 165 mm text width: a tracking code and a date
        # must not wrap.
        columns=[
            Column("Mã hồ sơ", 29),
            Column("Loại, lĩnh vực", 19 if city else 23),
            *([Column("Phường, xã", 17)] if city else []),
            Column("Cơ quan giải quyết", 19 if city else 23),
            Column("Ngày nhận", 19.5, Align.centred),
            Column("Hạn xử lý", 19.5, Align.centred),
            Column("Tình trạng", 17 if city else 20),
            Column("Ghi chú", 15.5 if city else 21.5),
        ],
        row_count=row_count,
        caption=f"Danh sách vụ việc đáng chú ý và quá hạn {NO_PERSONAL_DATA}",
        number_width=9.5,
    )
