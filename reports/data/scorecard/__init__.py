"""The agency scorecard report: how one agency received and answered what was referred to it
in a period, and how it followed up the recommendations made after supervision.

The headline figures are replies' own `agency_scorecards` (one SQL statement), so the report
and the scorecards API never disagree. The appendix lists the agency's open or overdue
referrals of the period through a server-side cursor; a denunciation is never listed, and
no item's text is printed (codes, places, dates and states only).
"""

from __future__ import annotations

from reports.data.common import Building
from reports.data.scorecard.facts import (
    ReferredRecommendation,
    ScorecardData,
    ScorecardParameters,
    empty_card,
    gather,
    summary,
)
from reports.data.scorecard.sections import open_table, scorecard_table, sections
from reports.document import ReportDocument
from reports.sections import Heading

__all__ = [
    "ReferredRecommendation",
    "ScorecardData",
    "ScorecardParameters",
    "empty_card",
    "gather",
    "open_table",
    "scorecard_document",
    "scorecard_table",
    "sections",
    "summary",
]


async def scorecard_document(params: ScorecardParameters, build: Building) -> ReportDocument:
    session, now = build.session, build.now
    data = await gather(session, params, now=now)
    return build.frame.document(
        build.title or summary(params),
        sections(data, params, now=now),
        [Heading("PHỤ LỤC", centered=True), open_table(session, params, data, now=now)],
    )
