"""The council report's paragraph on online citizen reception (Law 136/2025/QH15): how
many citizens booked, were received, did not come, and how many petitions the receptions
made, in the period and the area. One set-based query (``service.reception``); no
citizen's name or number is read."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from reports.data.council.facts import CouncilParameters
from reports.numbers import format_number
from reports.sections import Paragraph
from service.reception import service as reception


async def reception_paragraph(session: AsyncSession, params: CouncilParameters) -> Paragraph:
    period = params.period
    counts = await reception.period_stats(
        session, params.unit_code, period.first, period.last, period.timezone
    )
    return Paragraph(
        f"Tiếp công dân trực tuyến: {format_number(counts['booked'])} lượt công dân đặt lịch; "
        f"đã tiếp {format_number(counts['received'])} lượt, vắng mặt "
        f"{format_number(counts['no_show'])} lượt, công dân hủy lịch "
        f"{format_number(counts['cancelled'])} lượt; qua tiếp công dân đã tiếp nhận "
        f"{format_number(counts['petitions'])} đơn theo quy trình chung."
    )
