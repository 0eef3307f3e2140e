"""The council report's paragraph on voter meetings (tiếp xúc cử tri): the meetings held in
the period and the area, the voters who came, their opinions, and what the compiled
recommendations became. Set-based (``service.voters``); no voter is named."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from reports.data.council.facts import CouncilParameters
from reports.numbers import format_number
from reports.sections import Paragraph
from service.voters import service as voters


async def voters_paragraph(session: AsyncSession, params: CouncilParameters) -> Paragraph:
    period = params.period
    figures = await voters.period_figures(session, params.unit_code, period.first, period.last)
    return Paragraph(
        f"Tiếp xúc cử tri: {format_number(figures.meetings)} cuộc tiếp xúc với "
        f"{format_number(figures.voters)} lượt cử tri; {format_number(figures.opinions)} ý kiến, "
        f"tổng hợp thành {format_number(figures.recommendations)} kiến nghị, trong đó đã chuyển "
        f"{format_number(figures.referred)} kiến nghị đến cơ quan có thẩm quyền và đã có "
        f"{format_number(figures.answered)} kiến nghị được trả lời."
    )
