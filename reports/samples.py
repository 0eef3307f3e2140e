"""A realistic sample "periodic report to the People's Council" from in-memory fixture data.

It exercises the whole engine (header, tables, both chart kinds, a long appendix table, the
closing block) before the real data layer exists, and is what the README picture shows:

    uv run python -m reports.samples out.pdf [--rows 600] [--pdfa] [--png page1.png]

The fixture is deterministic (a seeded generator), so tests can recompute every number.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from reports.charts import Series, line_chart
from reports.data.common import bar_figure, numbered_long_table, numbered_table, vi_date
from reports.document import DocumentHeader, ReportDocument, SignatureBlock, verification_code
from reports.numbers import format_number, format_percent
from reports.render import page1_png, render_pdf
from reports.sections import (
    Align,
    BulletList,
    Cell,
    Column,
    Figure,
    Heading,
    Paragraph,
    Section,
    Table,
)

KINDS = {
    "feedback": "Phản ánh",
    "recommendation": "Kiến nghị",
    "complaint": "Khiếu nại",
    "denunciation": "Tố cáo",
}
CATEGORIES = (
    "Đất đai",
    "Trật tự xây dựng",
    "Môi trường, vệ sinh",
    "Giao thông, hạ tầng",
    "An sinh xã hội",
    "An ninh, trật tự",
    "Y tế",
    "Giáo dục",
    "Thủ tục hành chính",
    "Thái độ cán bộ",
    "Khác",
)
UNITS = (
    "Phường Hoàn Kiếm",
    "Phường Ba Đình",
    "Phường Ngọc Hà",
    "Phường Đống Đa",
    "Phường Hai Bà Trưng",
    "Phường Cầu Giấy",
    "Phường Thanh Xuân",
    "Phường Hà Đông",
    "Phường Tây Hồ",
    "Phường Hoàng Mai",
    "Xã Sóc Sơn",
    "Xã Đông Anh",
    "Xã Gia Lâm",
    "Xã Thanh Trì",
    "Xã Ba Vì",
)
AGENCIES = (
    "Sở Xây dựng",
    "Sở Nông nghiệp và Môi trường",
    "Công an Thành phố",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Nội vụ",
)
STATUSES = ("Quá hạn, chưa trả lời", "Đang giải quyết", "Đã trả lời, tái phản ánh", "Đã trả lời")
PERIOD_START = date(2026, 7, 1)
PERIOD_END = date(2026, 12, 31)
MONTHS = ("Tháng 7", "Tháng 8", "Tháng 9", "Tháng 10", "Tháng 11", "Tháng 12")


@dataclass(frozen=True)
class Petition:
    """One fixture petition: only what a report may show (no names, no addresses)."""

    code: str
    kind: str
    category: str
    unit: str
    agency: str
    received_on: date
    due_on: date
    answered_on: date | None

    @property
    def on_time(self) -> bool:
        return self.answered_on is not None and self.answered_on <= self.due_on

    @property
    def overdue(self) -> bool:
        return self.answered_on is None and self.due_on < PERIOD_END


@dataclass(frozen=True)
class NotableItem:
    number: int
    code: str
    category: str
    unit: str
    agency: str
    received_on: date
    due_on: date
    status: str


@dataclass(frozen=True)
class SampleData:
    petitions: Sequence[Petition]
    notable: Sequence[NotableItem]


def sample_data(*, petitions: int = 2400, notable_rows: int = 600, seed: int = 2026) -> SampleData:
    generator = random.Random(seed)
    kind_weights = (55, 30, 10, 5)
    category_weights = (18, 16, 14, 13, 8, 7, 6, 5, 6, 4, 3)
    period_days = (PERIOD_END - PERIOD_START).days
    rows = []
    for number in range(1, petitions + 1):
        kind = generator.choices(tuple(KINDS), kind_weights)[0]
        received = PERIOD_START + timedelta(days=generator.randrange(period_days))
        due = received + timedelta(days=21 if kind in ("feedback", "recommendation") else 45)
        answered: date | None = received + timedelta(days=generator.randrange(3, 60))
        if answered is not None and (answered > PERIOD_END or generator.random() < 0.08):
            answered = None
        rows.append(
            Petition(
                code=f"HN-2026-{number:06d}",
                kind=kind,
                category=generator.choices(CATEGORIES, category_weights)[0],
                unit=generator.choice(UNITS),
                agency=generator.choice(AGENCIES),
                received_on=received,
                due_on=due,
                answered_on=answered,
            )
        )
    notable = [
        NotableItem(
            number=number,
            code=f"HN-2026-{generator.randrange(1, 999_999):06d}",
            category=generator.choice(CATEGORIES),
            unit=generator.choice(UNITS),
            agency=generator.choice(AGENCIES),
            received_on=(received := PERIOD_START + timedelta(days=generator.randrange(150))),
            due_on=received + timedelta(days=21),
            status=generator.choice(STATUSES),
        )
        for number in range(1, notable_rows + 1)
    ]
    return SampleData(petitions=rows, notable=notable)


def _percent(part: int, whole: int) -> str:
    return format_percent(100 * part / whole if whole else 0)


def sample_sections(data: SampleData) -> list[Section]:
    petitions = data.petitions
    total = len(petitions)
    answered = [p for p in petitions if p.answered_on is not None]
    on_time = sum(p.on_time for p in petitions)
    overdue = sum(p.overdue for p in petitions)
    median_days = statistics.median(
        (p.answered_on - p.received_on).days for p in answered if p.answered_on
    )
    by_kind = Counter(p.kind for p in petitions)
    by_category = Counter(p.category for p in petitions)
    by_unit = Counter(p.unit for p in petitions)
    kind_rows: list[list[Cell]] = []
    for kind, label in KINDS.items():
        of_kind = [p for p in petitions if p.kind == kind]
        answered_kind = sum(p.answered_on is not None for p in of_kind)
        kind_rows.append(
            [
                label,
                by_kind[kind],
                _percent(by_kind[kind], total),
                answered_kind,
                _percent(sum(p.on_time for p in of_kind), answered_kind),
            ]
        )
    received_by_month = Counter(p.received_on.month for p in petitions)
    answered_by_month = Counter(p.answered_on.month for p in answered if p.answered_on)
    months = range(7, 13)
    overdue_by_agency = Counter(p.agency for p in petitions if p.overdue)
    categories = [name for name, _ in by_category.most_common()]
    return [
        Paragraph(
            "Thực hiện Luật Mặt trận Tổ quốc Việt Nam và Nghị quyết liên tịch số "
            "403/2017/NQLT-UBTVQH14-CP-ĐCTUBTWMTTQVN, Ban Thường trực Ủy ban Mặt trận Tổ quốc "
            "Việt Nam Thành phố tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân tiếp nhận "
            f"từ ngày {vi_date(PERIOD_START)} đến ngày {vi_date(PERIOD_END)} như sau:"
        ),
        Heading("I. TÌNH HÌNH TIẾP NHẬN Ý KIẾN, KIẾN NGHỊ"),
        Paragraph(
            f"Trong kỳ, Mặt trận các cấp đã tiếp nhận {format_number(total)} ý kiến, kiến nghị, "
            f"trong đó {format_number(len(answered))} đã được cơ quan có thẩm quyền trả lời "
            f"({_percent(len(answered), total)}), {format_number(overdue)} quá hạn chưa trả lời."
        ),
        Table(
            columns=[
                Column("Loại", 2.2),
                Column("Số lượng", 1.2, Align.right),
                Column("Tỷ lệ", 1.0, Align.right),
                Column("Đã trả lời", 1.3, Align.right),
                Column("Đúng hạn", 1.2, Align.right),
            ],
            rows=kind_rows,
            total_row=[
                "Tổng cộng",
                total,
                "100,0%",
                len(answered),
                _percent(on_time, len(answered)),
            ],
            caption="Bảng 1. Ý kiến, kiến nghị theo loại",
            note="Tỷ lệ đúng hạn tính trên số đã trả lời.",
        ),
        bar_figure(
            "Ý kiến, kiến nghị theo lĩnh vực",
            categories,
            [Series("Số lượng", [by_category[name] for name in categories])],
            axis_title="Số ý kiến, kiến nghị",
            caption="Biểu đồ 1. Ý kiến, kiến nghị theo lĩnh vực",
        ),
        numbered_table(
            [
                Column("Đơn vị hành chính", 3.0),
                Column("Số lượng", 1.2, Align.right),
                Column("Tỷ lệ", 1.0, Align.right),
            ],
            [[unit, count, _percent(count, total)] for unit, count in by_unit.most_common()],
            caption="Bảng 2. Ý kiến, kiến nghị theo phường, xã",
        ),
        Figure(
            line_chart(
                "Tiếp nhận và trả lời theo tháng",
                MONTHS,
                [
                    Series("Tiếp nhận", [received_by_month[m] for m in months]),
                    Series("Đã trả lời", [answered_by_month[m] for m in months]),
                ],
                axis_title="Số ý kiến, kiến nghị",
            ),
            caption="Biểu đồ 2. Tiếp nhận và trả lời theo tháng năm 2026",
        ),
        Heading("II. KẾT QUẢ GIẢI QUYẾT, TRẢ LỜI"),
        Paragraph(
            f"Tỷ lệ trả lời đúng hạn đạt {_percent(on_time, len(answered))}; thời gian trả lời "
            f"trung vị là {format_number(median_days, 1)} ngày. Các cơ quan có nhiều ý kiến, "
            "kiến nghị quá hạn được nêu tại Biểu đồ 3."
        ),
        bar_figure(
            "Ý kiến, kiến nghị quá hạn theo cơ quan giải quyết",
            list(AGENCIES),
            [Series("Quá hạn", [overdue_by_agency[name] for name in AGENCIES])],
            horizontal=False,
            axis_title="Số quá hạn",
            caption="Biểu đồ 3. Quá hạn theo cơ quan",
        ),
        Heading("III. KIẾN NGHỊ"),
        Paragraph("Ban Thường trực Ủy ban MTTQ Việt Nam Thành phố kiến nghị:"),
        BulletList(
            [
                "Ủy ban nhân dân Thành phố chỉ đạo các sở, ngành trả lời dứt điểm các ý kiến, "
                "kiến nghị quá hạn trước kỳ họp;",
                "Các cơ quan công khai kết quả giải quyết trên Cổng thông tin điện tử;",
                "Hội đồng nhân dân Thành phố giám sát việc giải quyết các vụ việc tồn đọng "
                "kéo dài.",
            ]
        ),
    ]


def sample_appendices(data: SampleData) -> list[Section]:
    return [
        Heading("PHỤ LỤC", centered=True),
        numbered_long_table(
            [
                Column("Mã hồ sơ", 2.05),
                Column("Lĩnh vực", 1.4),
                Column("Đơn vị", 1.4),
                Column("Cơ quan giải quyết", 1.55),
                Column("Ngày nhận", 1.3, Align.centred),
                Column("Hạn trả lời", 1.3, Align.centred),
                Column("Tình trạng", 1.45),
            ],
            (
                [
                    item.code,
                    item.category,
                    item.unit,
                    item.agency,
                    vi_date(item.received_on),
                    vi_date(item.due_on),
                    item.status,
                ]
                for item in data.notable
            ),
            row_count=len(data.notable),
            caption="Danh sách vụ việc đáng chú ý và quá hạn (không có thông tin cá nhân)",
        ),
    ]


def sample_document(data: SampleData | None = None) -> ReportDocument:
    data = data or sample_data()
    return ReportDocument(
        header=DocumentHeader(
            parent_body="Ủy ban MTTQ Việt Nam\nThành phố Hà Nội",
            issuing_body="Ban Thường trực",
            number_symbol="12/BC-MTTQ",
            place="Hà Nội",
            issue_date=date(2027, 1, 5),
            summary="Tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân "
            "gửi tới kỳ họp thường lệ cuối năm 2026 của Hội đồng nhân dân Thành phố",
        ),
        signature=SignatureBlock(
            on_behalf="TM. Ban Thường trực", title="Chủ tịch", signer_name="Nguyễn Văn An"
        ),
        recipients=[
            "Thường trực HĐND Thành phố",
            "UBND Thành phố",
            "Các sở, ngành liên quan",
            "Lưu: VT, BTT",
        ],
        sections=sample_sections(data),
        appendices=sample_appendices(data),
        verification_code=verification_code("sample-report-2026-h2"),
        author="Ban Thường trực Ủy ban MTTQ Việt Nam Thành phố Hà Nội",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.samples", description=__doc__)
    parser.add_argument("output", type=Path)
    parser.add_argument("--rows", type=int, default=600, help="rows in the appendix table")
    parser.add_argument("--pdfa", action="store_true", help="render as PDF/A-3b")
    parser.add_argument("--png", type=Path, help="also write page 1 as a PNG here")
    args = parser.parse_args(argv)

    def progress(stage: str, percent: int) -> None:
        print(f"{stage:>6} {percent:3d}%", file=sys.stderr)

    result = render_pdf(
        sample_document(sample_data(notable_rows=args.rows)),
        args.output,
        pdf_variant="pdf/a-3b" if args.pdfa else None,
        progress=progress,
    )
    print(f"{result.path} {result.page_count} pages, {result.size_bytes} bytes")
    print(f"sha256 {result.sha256}")
    if args.png:
        print(page1_png(result.path, args.png))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
