"""The agency scorecard report of the ward People's Committee that received the fixture's
referrals."""

from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reports.models import ReportKind
from service.settings import Settings
from tests.reports.world import (
    PERSONAL_DATA,
    WARD_AGENCY,
    check_fonts_embedded,
    check_numbered_from_page_two,
    council_world,
    flat,
    pdf_text,
    render,
    squeezed,
)


def _value(layout: str, label: str) -> str:
    for line in layout.splitlines():
        if line.strip().startswith(label):
            return line.strip()[len(label) :].strip()
    raise AssertionError(f"no line {label!r}")


class TestScorecardReport:
    async def test_indicators_and_open_items(
        self, session: AsyncSession, settings: Settings, seeded: Any, tmp_path: Path
    ) -> None:
        world = await council_world(session, settings)
        result = await render(
            session,
            settings,
            ReportKind.agency_scorecard,
            {
                "agency_code": WARD_AGENCY,
                "from": world.first.isoformat(),
                "to": world.last.isoformat(),
            },
            tmp_path / "scorecard.pdf",
        )
        text = flat(pdf_text(result.path))
        layout = pdf_text(result.path, layout=True)
        assert (
            f"Kết quả tiếp nhận, trả lời ý kiến, kiến nghị của {world.agency.name} từ ngày "
            f"{world.first.strftime('%d/%m/%Y')} đến ngày {world.last.strftime('%d/%m/%Y')}"
        ) in text

        # What the fixture routed to this agency: the cluster's lead (answered on time and
        # published), the recommendation (acknowledged, overdue), the denunciation (sent,
        # overdue).
        routed = [f for f in world.filed if not f.merged and f.petition.agency_id is not None]
        assert len(routed) == 3
        assert _value(layout, "Số việc được chuyển đến") == "3"
        assert _value(layout, "Đã thụ lý") == "2"
        assert _value(layout, "Thụ lý đúng hạn") == "2 (100,0%)"
        assert _value(layout, "Đã trả lời") == "1"
        assert _value(layout, "Trả lời đúng hạn") == "1 (100,0%)"
        assert _value(layout, "Đã công khai trả lời") == "1"
        assert _value(layout, "Đang quá hạn (mọi thời điểm tiếp nhận)") == "2"
        for kind in ("Phản ánh", "Kiến nghị", "Tố cáo"):
            assert _value(layout, kind).split()[0] == "1", kind
        assert "Trong kỳ không có kiến nghị sau giám sát gửi cơ quan." in text

        # The open items: the overdue recommendation, not the denunciation, no text, no names.
        assert world.overdue_recommendation is not None
        assert world.denunciation is not None
        assert world.lead is not None
        assert world.overdue_recommendation.tracking_code in squeezed(text)
        assert world.denunciation.tracking_code not in squeezed(text)
        assert world.lead.tracking_code not in squeezed(text)
        assert "Có 1 việc tiếp nhận trong kỳ chưa hoàn thành hoặc quá hạn" in text
        for value in PERSONAL_DATA:
            assert squeezed(value) not in squeezed(text), value

        check_numbered_from_page_two(result.path, result.page_count)
        check_fonts_embedded(result.path)
