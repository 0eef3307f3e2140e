"""The periodic report to the People's Council (tổng hợp ý kiến, kiến nghị của cử tri và
Nhân dân) for a period and an area (the city, or one ward/commune).

Every figure is a SQL aggregate; the only rows that travel are those of the appendix list,
streamed through a server-side cursor into a `LongTable`. Cohort: the petitions RECEIVED in
the period in the area (merged duplicates included in "received", excluded from "issues").
"Overdue" is as of the moment the report is made: an open petition whose own routing clock,
or the clock of one of its referrals, is past its deadline.

One definition per count, so that every figure reconciles with every other that counts
the same thing (tests/reports/test_reconcile.py cross-checks them):

- petitions ("ý kiến, kiến nghị"): the cohort above. Page 1, Bảng 1 (by kind), Bảng 2 (by
  ward), Biểu đồ 1 (by field) and Biểu đồ 2 (by month of RECEIPT, received and, of those,
  answered) all count it, so each sums to the page-1 total; Bảng 3 (by agency) counts the
  cohort without merged duplicates, so it sums to the "vụ việc" figure;
- referrals ("lượt chuyển"): what agencies received in the period in the area, petitions AND
  supervision recommendations alike: replies' `agency_scorecards` cohort. Section II's
  sentence is the sum of Bảng 4's rows (the split by kind of item comes from the same
  cohort), so "Đã chuyển N lượt" is what the agency table adds up to;
- supervision: the plans of the area active in the period (their period overlaps it, or a
  session opened or a recommendation was issued in it); Section IV's sentence is the sum of
  Bảng 6's rows (sessions opened and recommendations issued in the period).

Personal data never enters this module's queries: no column of ``petitioner`` is read, and
no petition text is printed except a consented title of a merged-duplicate cluster, redacted
(the petitions service removes its petitioners' own names, addresses and numbers, and every
phone, email, ID, bank account and plate). Denunciations appear only as counts, never in a list.
"""

from __future__ import annotations

from reports.data.common import Building
from reports.data.council.criticism import criticism_sections
from reports.data.council.facts import (
    Cluster,
    CouncilData,
    CouncilParameters,
    Count,
    _cluster_title,
    gather,
    summary,
)
from reports.data.council.reception import reception_paragraph
from reports.data.council.sections import notable_table, sections
from reports.data.council.voters import voters_paragraph
from reports.document import ReportDocument
from reports.sections import Heading, insert_before

__all__ = [
    "Cluster",
    "CouncilData",
    "CouncilParameters",
    "Count",
    "_cluster_title",
    "council_document",
    "gather",
    "notable_table",
    "sections",
    "summary",
]


async def council_document(params: CouncilParameters, build: Building) -> ReportDocument:
    """The whole document; the appendix rows stream from the build's session while it
    renders."""
    session, now = build.session, build.now
    data = await gather(session, params, now=now)
    appendix = notable_table(session, params, now=now, row_count=data.notable_count)
    # The Front's other duties join the sections they belong to: voter meetings and online
    # reception at the end of section I, social criticism at the end of section IV.
    body = sections(data, params, build.frame, now=now)
    duties = [await voters_paragraph(session, params), await reception_paragraph(session, params)]
    body = insert_before(body, "II.", duties)
    body = insert_before(body, "V. ", await criticism_sections(session, params))
    return build.frame.document(
        build.title or summary(params),
        body,
        [Heading("PHỤ LỤC", centered=True), appendix],
    )
