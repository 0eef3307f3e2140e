"""The voter meetings' two documents of a council session, in the Decree 30 layout:

- ``compiled``: the compiled report to the session (báo cáo tổng hợp ý kiến, kiến nghị của cử
  tri): the meetings held, then each recommendation with every place it was raised and the
  voters behind it, and the agency it goes to;
- ``report-back``: the report back to voters (báo cáo kết quả giải quyết, trả lời kiến nghị
  cử tri) for the next round of meetings: each recommendation, its agency, the answer and
  its status.

The data is read through the voters service (reports read the domains, never the reverse);
the document is rendered by :func:`reports.render.render_pdf` like every report, off the event
loop, and answered as the file (it is small: one session's recommendations).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import anyio
from litestar import Controller, Response, get
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from reports.data.common import DocumentFrame, numbered_table
from reports.document import ReportDocument, verification_code
from reports.render import render_pdf
from reports.sections import Align, Column, Heading, Paragraph, Section
from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.directory.models import AdminUnit, Agency
from service.http.params import DbSession, StaffRequest
from service.i18n import READERS_TIMEZONE, translate
from service.replies.models import AnswerOutcome
from service.voters import service as voters
from service.voters.models import CouncilSession, VoterRecommendationState
from service.voters.repository import session_figures
from service.voters.schemas import RecommendationRead

OUTCOMES = frozenset(AnswerOutcome)


class VoterDocument(StrEnum):
    compiled = "compiled"
    report_back = "report-back"


@dataclass(frozen=True)
class Layout:
    """What tells one document from the other: the summary (of ``{session}``), the two
    headings around the introduction, and the table's columns after "STT" with each
    recommendation's cells (given the name of its agency)."""

    summary: str
    headings: tuple[str, str]
    columns: list[Column]
    cells: Callable[[RecommendationRead, str], list[Any]]


LAYOUTS = {
    VoterDocument.compiled: Layout(
        summary="Tổng hợp ý kiến, kiến nghị của cử tri gửi {session}",
        headings=("I. KẾT QUẢ TIẾP XÚC CỬ TRI", "II. Ý KIẾN, KIẾN NGHỊ CỦA CỬ TRI"),
        columns=[
            Column("Nội dung kiến nghị", 4),
            Column("Nơi cử tri nêu", 2.5),
            Column("Số cử tri", 0.8, Align.right),
            Column("Cơ quan giải quyết", 2),
        ],
        cells=lambda r, agency: [f"{r.title}. {r.text}", _places(r), r.voters_total, agency],
    ),
    VoterDocument.report_back: Layout(
        summary="Kết quả giải quyết, trả lời kiến nghị của cử tri gửi {session}",
        headings=("I. TÌNH HÌNH CHUNG", "II. KẾT QUẢ TRẢ LỜI TỪNG KIẾN NGHỊ"),
        columns=[
            Column("Kiến nghị của cử tri", 3.5),
            Column("Cơ quan giải quyết", 2),
            Column("Nội dung trả lời", 4),
            Column("Tình trạng", 1.5),
        ],
        cells=lambda r, agency: [
            # Not "title (ward (n cử tri))": a bracket inside a bracket reads badly.
            f"{r.title}. Cử tri nêu tại: {_places(r)}",
            agency,
            r.answer_summary or "",
            _status(r),
        ],
    ),
}


def _status(rec: RecommendationRead) -> str:
    """The answer's outcome as the referral pages name it, else the recommendation's state."""
    if rec.state is VoterRecommendationState.answered and rec.answer_outcome in OUTCOMES:
        return translate(f"web.referrals.outcome.{rec.answer_outcome}", "vi")
    return translate(f"enum.voters.VoterRecommendationState.{rec.state.value}", "vi")


def _places(rec: RecommendationRead) -> str:
    wards: dict[str, int] = {}
    for source in rec.sources:
        wards[source.unit_name] = wards.get(source.unit_name, 0) + source.voters_count
    return "; ".join(f"{name} ({count} cử tri)" for name, count in wards.items())


async def document_data(
    session: AsyncSession, council_session: CouncilSession, viewer: StaffPrincipal
) -> tuple[list[RecommendationRead], dict[uuid.UUID, str], str]:
    rows = await voters.list_recommendations(session, council_session.id, viewer)
    rows = [r for r in rows if r.state != VoterRecommendationState.withdrawn]
    reads = await voters.recommendation_reads(session, rows)
    ids = {r.agency_id for r in reads if r.agency_id is not None}
    agencies = {}
    if ids:
        query = select(col(Agency.id), col(Agency.name)).where(col(Agency.id).in_(ids))
        found = await session.execute(query)
        agencies = {row[0]: row[1] for row in found.all()}
    unit = await session.get(AdminUnit, council_session.unit_code)
    return reads, agencies, unit.name if unit else council_session.unit_code


def build_document(
    kind: VoterDocument,
    council_session: CouncilSession,
    unit_name: str,
    reads: list[RecommendationRead],
    agencies: dict[uuid.UUID, str],
    figures: Any,
    *,
    signer_name: str,
    number_symbol: str,
    issue_date: date,
) -> ReportDocument:
    frame = DocumentFrame(
        number_symbol=number_symbol,
        parent_body="ỦY BAN MTTQ VIỆT NAM",
        issuing_body=f"BAN THƯỜNG TRỰC\nỦY BAN MTTQ {unit_name.upper()}",
        place=unit_name.removeprefix("Thành phố ").removeprefix("Phường "),
        issue_date=issue_date,
        signer_name=signer_name,
        signer_title="CHỦ TỊCH",
        signer_on_behalf="TM. BAN THƯỜNG TRỰC",
        verification_code=verification_code(f"voters:{kind}:{council_session.id}:{len(reads)}"),
    )
    session_name = council_session.title
    intro = Paragraph(
        f"Trước và sau {session_name} (nhiệm kỳ {council_session.term}), đã tổ chức "
        f"{figures.meetings} cuộc tiếp xúc cử tri với {figures.voters} lượt cử tri tham dự; "
        f"cử tri nêu {figures.opinions} ý kiến, kiến nghị, tổng hợp thành "
        f"{figures.recommendations} kiến nghị; {figures.referred} kiến nghị đã chuyển "
        "cơ quan có thẩm quyền, "
        f"{figures.answered} kiến nghị đã được trả lời."
    )
    layout = LAYOUTS[kind]
    table = numbered_table(
        layout.columns,
        [layout.cells(r, agencies.get(r.agency_id, "") if r.agency_id else "") for r in reads],
        number_width=0.8,
    )
    first, second = layout.headings
    sections: list[Section] = [Heading(first), intro, Heading(second), table]
    summary = layout.summary.format(session=session_name)
    return frame.document(summary, sections)


class VoterDocumentController(Controller):
    path = "/voter-meetings/sessions"
    tags = ["voter meetings"]
    guards = [staff(Role.front_officer)]

    @get(
        "/{session_id:uuid}/documents/{kind:str}",
        summary="The session's compiled report or its report back to voters (PDF, Decree 30)",
        media_type="application/pdf",
    )
    async def document(
        self,
        request: StaffRequest,
        session_id: FromPath[uuid.UUID],
        kind: FromPath[VoterDocument],
        db_session: DbSession,
        signer_name: Annotated[str, QueryParameter(min_length=2, max_length=200)],
        number_symbol: Annotated[str, QueryParameter(max_length=40)] = "   /BC-MTTQ",
    ) -> Response[bytes]:
        council_session = await voters.load_council_session(db_session, session_id, request.user)
        reads, agencies, unit_name = await document_data(db_session, council_session, request.user)
        figures = await session_figures(db_session, council_session.id)
        document = build_document(
            kind,
            council_session,
            unit_name,
            reads,
            agencies,
            figures,
            signer_name=signer_name.replace("\x00", ""),
            number_symbol=number_symbol.replace("\x00", "") or "   /BC-MTTQ",
            issue_date=datetime.now(ZoneInfo(READERS_TIMEZONE)).date(),
        )

        def render() -> bytes:
            with tempfile.TemporaryDirectory(prefix="giamsat-voters-") as scratch:
                out = Path(scratch) / "document.pdf"
                render_pdf(document, out, chunk_rows=None)
                return out.read_bytes()

        body = await anyio.to_thread.run_sync(render)
        name = f"{kind.value}-{council_session.term}-{council_session.number}.pdf"
        return Response(
            body,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
