"""Social criticism in the council report (issue 14 §2): the drafts of the area received in
the period, how many came too late for the law's minimum time, the criticisms issued and how
the drafting agencies answered their points. One SQL statement; no person is read."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from reports.data.council.facts import CouncilParameters
from reports.numbers import format_number
from reports.sections import Heading, Paragraph, Section

FIGURES = sa.text(
    """
WITH d AS (
  SELECT id, received_late, issued_at FROM criticism_draft
   WHERE received_at >= :start AND received_at < :end
     AND (CAST(:unit AS text) IS NULL OR unit_code = CAST(:unit AS text))
)
SELECT (SELECT count(*) FROM d) AS received,
       (SELECT count(*) FROM d WHERE received_late) AS late,
       (SELECT count(*) FROM d WHERE issued_at IS NOT NULL) AS issued,
       count(p.id) FILTER (WHERE p.state <> 'draft') AS points,
       count(p.id) FILTER (WHERE p.state = 'accepted') AS accepted,
       count(p.id) FILTER (WHERE p.state = 'explained') AS explained,
       count(p.id) FILTER (WHERE p.state = 'not_accepted') AS not_accepted,
       count(p.id) FILTER (WHERE p.state = 'overdue') AS overdue
  FROM criticism_point p JOIN d ON d.id = p.draft_id
"""
)


async def criticism_sections(session: AsyncSession, params: CouncilParameters) -> list[Section]:
    period = params.period
    row = (
        (
            await session.execute(
                FIGURES, {"start": period.start, "end": period.end, "unit": params.unit_code}
            )
        )
        .mappings()
        .one()
    )
    n = {key: format_number(int(value or 0)) for key, value in row.items()}
    return [
        Heading("Hoạt động phản biện xã hội", level=2),
        Paragraph(
            f"Trong kỳ đã tiếp nhận {n['received']} dự thảo đề nghị phản biện xã hội, trong đó "
            f"{n['late']} dự thảo gửi chậm so với thời hạn luật định (ít nhất 15 ngày trước hạn "
            f"góp ý); đã ban hành {n['issued']} văn bản phản biện với {n['points']} nội dung. "
            f"Cơ quan soạn thảo tiếp thu {n['accepted']}, giải trình {n['explained']}, không "
            f"tiếp thu {n['not_accepted']}; {n['overdue']} nội dung quá hạn chưa trả lời."
        ),
    ]
