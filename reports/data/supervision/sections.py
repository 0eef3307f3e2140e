"""The supervision report as it is printed: sections I-VI from `SupervisionData`."""

from __future__ import annotations

from reports.charts import Series
from reports.data.common import (
    ATTENDANCE_LABELS,
    CHECK_RESULT_LABELS,
    ENTRY_KIND_LABELS,
    PLAN_FORM_LABELS,
    PLAN_ROLE_LABELS,
    RECOMMENDATION_STATE_LABELS,
    SESSION_MODE_LABELS,
    SESSION_STATE_LABELS,
    bar_figure,
    label,
    numbered_table,
    paragraphs,
    vi_date,
    vi_datetime,
)
from reports.data.supervision.facts import SupervisionData, SupervisionParameters, _activity
from reports.numbers import format_number
from reports.sections import (
    Align,
    BulletList,
    Cell,
    Column,
    Heading,
    Paragraph,
    Section,
    Table,
)


def sections(data: SupervisionData, params: SupervisionParameters) -> list[Section]:
    plan = data.plan
    tz = params.timezone
    agencies = [agency.name for agency in data.detail.agencies]
    out: list[Section] = [
        Paragraph(
            f"Thực hiện Kế hoạch giám sát số {plan.code}, {label(PLAN_FORM_LABELS, plan.form)} "
            f"đã tiến hành {_activity(plan.subject)} từ ngày {vi_date(plan.period_start)} đến "
            f"ngày {vi_date(plan.period_end)}. Kết quả như sau:"
        ),
        Heading("I. NỘI DUNG, CĂN CỨ VÀ ĐỐI TƯỢNG GIÁM SÁT"),
        Heading("1. Nội dung giám sát", level=2),
        Paragraph(plan.subject),
    ]
    out += [Paragraph(text) for text in paragraphs(plan.description)]
    out += [Heading("2. Căn cứ", level=2)]
    out += [BulletList(paragraphs(plan.legal_basis) or [plan.legal_basis])]
    out += [
        Heading("3. Đối tượng giám sát", level=2),
        BulletList(agencies) if agencies else Paragraph("Không có."),
        Heading("II. THÀNH PHẦN ĐOÀN GIÁM SÁT"),
        numbered_table(
            [Column("Họ và tên", 3.0), Column("Nhiệm vụ", 1.6)],
            [
                [member.full_name, label(PLAN_ROLE_LABELS, member.role)]
                for member in data.detail.members
            ],
            caption="Bảng 1. Thành viên đoàn giám sát",
        ),
    ]
    if data.detail.participants:
        out.append(
            numbered_table(
                [
                    Column("Họ và tên", 2.2),
                    Column("Cơ quan, tổ chức", 2.4),
                    Column("Tư cách", 1.6),
                ],
                [
                    [p.name, p.organisation or "-", p.capacity or "Khách mời"]
                    for p in data.detail.participants
                ],
                caption="Bảng 2. Thành phần mời tham gia",
            )
        )
    out += _sessions(data, params)
    out += [Heading("IV. KẾT QUẢ GIÁM SÁT")]
    if data.findings:
        for number, finding in enumerate(data.findings, start=1):
            out.append(Heading(f"{number}. {finding.title}", level=2))
            out += [Paragraph(text) for text in paragraphs(finding.text)]
    else:
        out.append(Paragraph("Chưa ghi nhận kết quả giám sát."))
    out.append(Heading("V. KẾT LUẬN"))
    conclusion = paragraphs(plan.conclusion)
    out += [Paragraph(text) for text in conclusion] or [
        Paragraph("Đoàn giám sát chưa có kết luận.", italic=True)
    ]
    out += _recommendations(data, tz)
    return out


def _sessions(data: SupervisionData, params: SupervisionParameters) -> list[Section]:
    tz = params.timezone
    out: list[Section] = [Heading("III. CÁC BUỔI LÀM VIỆC")]
    if not data.sessions:
        return [*out, Paragraph("Chưa có buổi làm việc.")]
    rows: list[list[Cell]] = []
    for detail in data.sessions:
        supervision_session = detail.session
        present = sum(1 for a in detail.attendance if a.status != "absent")
        absent = len(detail.attendance) - present
        rows.append(
            [
                supervision_session.number,
                supervision_session.title,
                label(SESSION_MODE_LABELS, supervision_session.mode),
                vi_datetime(
                    supervision_session.opened_at or supervision_session.scheduled_start, tz
                ),
                supervision_session.place or "Trực tuyến",
                f"{format_number(present)}/{format_number(absent)}",
                label(SESSION_STATE_LABELS, supervision_session.state),
            ]
        )
    out.append(
        Table(
            columns=[  # millimetres of the 165 mm text width
                Column("Buổi", 13, Align.centred),
                Column("Nội dung", 37),
                Column("Hình thức", 24),
                Column("Thời gian", 22, Align.centred),
                Column("Địa điểm", 30),
                Column("Có mặt/ Vắng", 17, Align.centred),
                Column("Tình trạng", 22),
            ],
            rows=rows,
            caption="Bảng 3. Các buổi làm việc",
        )
    )
    for detail in data.sessions:
        if not detail.attendance:
            continue
        supervision_session = detail.session
        out.append(
            numbered_table(
                [
                    Column("Họ và tên", 2.0),
                    Column("Cơ quan, tổ chức", 2.2),
                    Column("Tư cách", 1.5),
                    Column("Tham dự", 1.5),
                ],
                [
                    [
                        a.name,
                        a.organisation or "-",
                        a.capacity,
                        label(ATTENDANCE_LABELS, a.status) + (f" ({a.reason})" if a.reason else ""),
                    ]
                    for a in detail.attendance
                ],
                caption=(
                    f"Thành phần tham dự buổi {supervision_session.number}: "
                    f"{supervision_session.title}"
                ),
            )
        )
    kinds = [kind for kind in ENTRY_KIND_LABELS if any(kind in c for c in data.log_counts.values())]
    if kinds:
        numbers = [
            [*(data.log_counts.get(d.session.id, {}).get(kind, 0) for kind in kinds)]
            for d in data.sessions
        ]
        count_rows: list[list[Cell]] = [
            [f"Buổi {d.session.number}", *counts, sum(counts)]
            for d, counts in zip(data.sessions, numbers, strict=True)
        ]
        totals = [sum(column) for column in zip(*numbers, strict=True)]
        total_row: list[Cell] = ["Tổng cộng", *totals, sum(totals)]
        out += [
            Paragraph(
                f"Biên bản điện tử của các buổi làm việc ghi nhận "
                f"{format_number(data.log_count)} nội dung (toàn văn tại Phụ lục 3), "
                "tổng hợp như sau:"
            ),
            Table(
                columns=[Column("Buổi", 1.2)]
                + [Column(ENTRY_KIND_LABELS[kind], 1.0, Align.right) for kind in kinds]
                + [Column("Tổng số", 1.0, Align.right)],
                rows=count_rows,
                total_row=total_row,
                caption="Bảng 4. Tổng hợp nhật ký các buổi làm việc",
            ),
        ]
        out.append(
            bar_figure(
                "Nội dung ghi nhận theo buổi làm việc",
                [f"Buổi {d.session.number}" for d in data.sessions],
                [
                    Series(
                        ENTRY_KIND_LABELS[kind],
                        [data.log_counts.get(d.session.id, {}).get(kind, 0) for d in data.sessions],
                    )
                    for kind in kinds
                ],
                horizontal=False,
                axis_title="Số nội dung",
                caption="Biểu đồ 1. Nội dung nhật ký theo buổi làm việc",
            )
        )
    return out


def _recommendations(data: SupervisionData, tz: str) -> list[Section]:
    out: list[Section] = [Heading("VI. KIẾN NGHỊ")]
    issued = [rec for rec in data.recommendations if rec.state not in ("draft", "withdrawn")]
    if not issued:
        return [*out, Paragraph("Đoàn giám sát không có kiến nghị.")]
    out.append(Paragraph("Đoàn giám sát kiến nghị:"))
    for number, rec in enumerate(issued, start=1):
        out.append(Heading(f"{number}. Đối với {rec.agency_name}: {rec.title}", level=3))
        out += [Paragraph(text) for text in paragraphs(rec.text)]
    out.append(
        numbered_table(
            [
                Column("Kiến nghị", 2.8),
                Column("Cơ quan thực hiện", 2.0),
                Column("Hạn trả lời", 1.1, Align.centred),
                Column("Tình trạng", 1.4),
            ],
            [
                [
                    rec.title,
                    rec.agency_name,
                    vi_date(rec.due_at, tz),
                    label(RECOMMENDATION_STATE_LABELS, rec.state)
                    + (
                        f"; kiểm tra: {label(CHECK_RESULT_LABELS, rec.last_check_result)}"
                        if rec.last_check_result
                        else ""
                    ),
                ]
                for rec in issued
            ],
            caption="Bảng 5. Kiến nghị sau giám sát và thời hạn trả lời",
        )
    )
    return out
