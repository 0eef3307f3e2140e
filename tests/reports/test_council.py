"""The periodic report to the People's Council, rendered from petitions made through the
petitions and replies services, read back with pdftotext."""

import re
from collections import Counter
from pathlib import Path
from typing import Any, cast

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, StreamObject
from sqlalchemy.ext.asyncio import AsyncSession

from reports.data.common import PETITION_KIND_LABELS
from reports.models import ReportKind
from reports.numbers import format_number
from service.petitions.models import PetitionKind
from service.replies.redaction import PHONE_PLACEHOLDER
from service.settings import Settings
from tests.factories import HOAN_KIEM
from tests.reports.world import (
    PERSONAL_DATA,
    CouncilWorld,
    check_fonts_embedded,
    check_numbered_from_page_two,
    council_world,
    flat,
    in_order,
    pdf_text,
    render,
    squeezed,
)


def _raw(world: CouncilWorld, unit_code: str | None) -> dict[str, Any]:
    raw: dict[str, Any] = {"from": world.first.isoformat(), "to": world.last.isoformat()}
    if unit_code:
        raw["unit_code"] = unit_code
    return raw


def _row(text: str, label: str) -> list[str]:
    """The cells after ``label`` on its line of the layout text."""
    for line in text.splitlines():
        if line.strip().startswith(label + " ") or line.strip().startswith(label + "\t"):
            return line.strip()[len(label) :].split()
    raise AssertionError(f"no line starts with {label!r}")


class TestWardReport:
    async def test_figures_title_block_and_privacy(
        self, session: AsyncSession, settings: Settings, seeded: Any, tmp_path: Path
    ) -> None:
        world = await council_world(session, settings)
        result = await render(
            session,
            settings,
            ReportKind.council_periodic,
            _raw(world, HOAN_KIEM),
            tmp_path / "ward.pdf",
        )
        text = flat(pdf_text(result.path))
        layout = pdf_text(result.path, layout=True)
        first = world.first.strftime("%d/%m/%Y")
        last = world.last.strftime("%d/%m/%Y")

        # The title block (Decree 30), with exact Vietnamese.
        for expected in (
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "ỦY BAN MTTQ VIỆT NAM",
            "BAN THƯỜNG TRỰC",
            "Số: 12/BC-MTTQ",
            "Hà Nội, ngày 05 tháng 01 năm 2027",
            "BÁO CÁO",
            "Tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân trên địa bàn Phường Hoàn Kiếm "
            f"từ ngày {first} đến ngày {last}",
            "Nơi nhận:",
            "- Thường trực HĐND Thành phố;",
            "- Lưu: VT.",
            "TM. BAN THƯỜNG TRỰC",
            "Nguyễn Thị Ký",
        ):
            assert expected in text, expected

        # The numbers, counted from what the fixture made.
        ward = world.in_unit(HOAN_KIEM)
        received = len(ward)
        merged = sum(f.merged for f in ward)
        answered = sum(f.answered for f in ward)
        overdue = sum(f.overdue for f in ward)
        assert f"đã tiếp nhận {format_number(received)} ý kiến, kiến nghị" in text
        assert f"({format_number(received - merged)} vụ việc sau khi gộp {merged} đơn" in text
        assert f"đã có trả lời {answered} " in text
        assert f"trong đó quá hạn {overdue} " in text
        by_kind = Counter(f.kind for f in ward)
        for kind in PetitionKind:
            cells = _row(layout, PETITION_KIND_LABELS[kind.value])
            assert cells[0] == str(by_kind[kind]), (kind, cells)
        assert _row(layout, "Tổng cộng")[0] == str(received)
        assert f"Số đơn tố cáo: {by_kind[PetitionKind.denunciation]}." in text
        assert "Có 1 vụ việc được nhiều người cùng phản ánh (tổng cộng 3 lượt người)" in text

        # The appendix lists the overdue recommendation and the cluster of three, not the
        # denunciation (counted above, never listed) nor anything outside the ward/period.
        assert world.overdue_recommendation is not None
        assert world.lead is not None
        assert world.denunciation is not None
        assert world.overdue_recommendation.tracking_code in squeezed(text)
        assert world.lead.tracking_code in squeezed(text)
        assert "3 người cùng phản ánh" in text
        assert world.denunciation.tracking_code not in squeezed(text)
        for other in world.outside_period + [f.petition for f in world.filed]:
            if other.unit_code != HOAN_KIEM or other in world.outside_period:
                assert other.tracking_code not in squeezed(text)

        # No personal data: names, phones, emails, ID numbers; the consented cluster title
        # is shown with its phone number redacted.
        for value in PERSONAL_DATA:
            assert value not in text, value
            assert squeezed(value) not in squeezed(text), value
        assert in_order(f"Ngập nước đường Hàng Bông sau mưa, liên hệ {PHONE_PLACEHOLDER}", text)

        check_numbered_from_page_two(result.path, result.page_count)
        check_fonts_embedded(result.path)
        assert text.count("Mã xác thực:") == result.page_count

    async def test_city_report_covers_every_ward(
        self, session: AsyncSession, settings: Settings, seeded: Any, tmp_path: Path
    ) -> None:
        world = await council_world(session, settings)
        result = await render(
            session,
            settings,
            ReportKind.council_periodic,
            _raw(world, None),
            tmp_path / "city.pdf",
            pdf_variant="pdf/a-3b",
        )
        text = flat(pdf_text(result.path))
        assert "trên địa bàn Thành phố" in text
        assert f"đã tiếp nhận {len(world.filed)} ý kiến, kiến nghị" in text
        # The by-ward table: Hoàn Kiếm and Ba Đình with their counts.
        layout = pdf_text(result.path, layout=True)
        assert re.search(rf"Phường Hoàn Kiếm\s+{len(world.in_unit(HOAN_KIEM))}\s", layout)
        assert re.search(r"Phường Ba Đình\s+1\s", layout)
        # PDF/A-3b identification survives into the file.
        root = cast(DictionaryObject, PdfReader(result.path).trailer["/Root"])
        xmp = cast(StreamObject, root["/Metadata"].get_object()).get_data().decode()
        assert 'pdfaid:part="3"' in xmp
        assert 'pdfaid:conformance="B"' in xmp
        check_fonts_embedded(result.path)


class TestMedianWorkingDays:
    async def test_day_numbers_count_as_the_function_does(
        self, session: AsyncSession, seeded: Any
    ) -> None:
        """The council's median reads n(answered day) - n(received day) instead of calling
        ``working_days_between`` per petition: both give the same multiset of spans, over
        weekends, the seeded holidays and working Saturdays, either order, any hour."""
        from sqlalchemy import text

        from reports.data.council.queries import ANSWER_SPANS

        pairs = """
WITH p AS (
  SELECT TIMESTAMPTZ '2025-01-01 00:00+07' + a * interval '7 hours 13 minutes' AS created_at,
         TIMESTAMPTZ '2025-01-01 00:00+07' + b * interval '5 hours 41 minutes' AS answered_at
    FROM generate_series(0, 3000, 37) a, generate_series(0, 4000, 53) b
)"""
        fast = f"""{pairs}{ANSWER_SPANS}
SELECT array_agg(h.n - l.n ORDER BY h.n - l.n)
  FROM spans s JOIN day_number l ON l.day = s.lo JOIN day_number h ON h.day = s.hi"""
        slow = f"""{pairs}
SELECT array_agg(w ORDER BY w)
  FROM (SELECT working_days_between(created_at, answered_at) AS w FROM p) spans"""
        expected = (await session.execute(text(slow))).scalar_one()
        assert len(expected) == 82 * 76
        assert len(set(expected)) > 100  # spans of many lengths, both signs
        assert min(expected) < 0 < max(expected)
        assert (await session.execute(text(fast))).scalar_one() == expected
