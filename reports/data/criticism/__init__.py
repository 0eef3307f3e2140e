"""The Front's social criticism document (văn bản phản biện xã hội) of one draft, sent to the
drafting agency: the draft it concerns, the form and the opinions gathered (counted by source;
no citizen is named), the text of the criticism and its points, each with the section of the
draft it concerns and, once the agency has answered, whether it was accepted, explained or not
accepted. Its number is the criticism's own (``N/PB-MTTQ``), its signer the one the Front
issued it with (``service.criticism``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from reports.data.common import Building, vi_date
from reports.document import ReportDocument
from reports.sections import Align, Column, Heading, Paragraph, Section, Table
from service.criticism import repository
from service.criticism.models import CriticismDraft, OpinionSource, PointState
from service.i18n import label

__all__ = ["CriticismParameters", "criticism_document", "summary"]


@dataclass(frozen=True)
class CriticismParameters:
    draft_id: uuid.UUID
    draft_code: str
    timezone: str = "Asia/Ho_Chi_Minh"


def summary(draft: CriticismDraft) -> str:
    return f"Phản biện xã hội đối với {draft.title[:1].lower()}{draft.title[1:]}"


async def _sections(session: AsyncSession, draft: CriticismDraft, timezone: str) -> list[Section]:
    agency = await repository.agency(session, draft.drafting_agency_id)
    opinions = await repository.opinions_for_draft(session, draft.id)
    points = await repository.points_for_draft(session, draft.id)
    counts = {source: 0 for source in OpinionSource}
    for opinion in opinions:
        if opinion.status != "hidden":
            counts[OpinionSource(opinion.source)] += 1
    drafter = agency.name if agency else "cơ quan soạn thảo"
    sections: list[Section] = [
        Paragraph(
            f"Ngày {vi_date(draft.received_at, timezone)}, Ủy ban Mặt trận Tổ quốc Việt Nam nhận "
            f"được {draft.title} ({draft.code}) của {drafter}, đề nghị phản biện xã hội trước "
            f"ngày {vi_date(draft.opinion_due_at, timezone)}."
        ),
        Paragraph(
            f"Hình thức phản biện: {label(draft.form)}. Ý kiến đã tổng hợp: "
            f"{counts[OpinionSource.member_organisation]} ý kiến của tổ chức thành viên, "
            f"{counts[OpinionSource.expert]} ý kiến của chuyên gia, "
            f"{counts[OpinionSource.public]} ý kiến của Nhân dân."
        ),
    ]
    if draft.criticism_text:
        sections.append(Heading("I. Ý KIẾN PHẢN BIỆN CHUNG"))
        sections += [Paragraph(line) for line in draft.criticism_text.splitlines() if line.strip()]
    sections.append(Heading("II. NỘI DUNG PHẢN BIỆN VÀ KIẾN NGHỊ"))
    titles = {s["number"]: s["title"] for s in draft.sections}
    for point in points:
        where = (
            f" (mục {point.section_number}. {titles.get(point.section_number, '')})"
            if point.section_number
            else ""
        )
        sections.append(Heading(f"{point.number}. Nội dung {point.number}{where}", level=2))
        sections.append(Paragraph(point.text))
    answered = [p for p in points if p.answer_outcome]
    if answered:
        sections.append(Heading("III. KẾT QUẢ TIẾP THU, GIẢI TRÌNH"))
        sections.append(
            Table(
                columns=[
                    Column("STT", 0.7, Align.centred),
                    Column("Kết quả", 2.0),
                    Column("Ý kiến của cơ quan soạn thảo", 5.0),
                ],
                rows=[
                    [p.number, label(PointState(p.state)), p.answer_summary or ""] for p in answered
                ],
            )
        )
    return sections


async def criticism_document(params: CriticismParameters, build: Building) -> ReportDocument:
    draft = await repository.get_draft(build.session, params.draft_id)
    assert draft is not None  # resolved when the report was requested; drafts are kept
    return build.frame.document(
        build.title or summary(draft), await _sections(build.session, draft, params.timezone)
    )
