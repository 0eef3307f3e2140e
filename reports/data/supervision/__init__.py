"""The supervision result report (báo cáo kết quả giám sát) of one plan.

The plan, its members, sessions, findings, recommendations and seals come from oversight's
read functions; the counts of the log are one SQL aggregate; the evidence list and the full
session record (appendices) stream through server-side cursors.

Every seal the report prints is verified first, by the same check as the verify route
(``service.oversight.service.log.check_seal``), in the same snapshot as the figures; with an object
store, every evidence file listed is also re-read and its SHA-256 compared. What does not
match becomes an integrity warning on the document: the render job then refuses to issue it,
and a working copy carries the warning on page 1 and in its metadata.

The people named here act in an official capacity (members of the delegation, officials of
the supervised agency, invited experts); petitioners are not read at all.
"""

from __future__ import annotations

from reports.data.common import Building
from reports.data.supervision.appendices import evidence_table, log_table, manifest_table
from reports.data.supervision.facts import (
    EvidenceMismatch,
    SealCheck,
    SupervisionData,
    SupervisionParameters,
    check_evidence_objects,
    check_seals,
    gather,
    head_of,
    summary,
)
from reports.data.supervision.sections import sections
from reports.document import ReportDocument
from reports.sections import Heading, PageBreak, Section

__all__ = [
    "EvidenceMismatch",
    "SealCheck",
    "SupervisionData",
    "SupervisionParameters",
    "check_evidence_objects",
    "check_seals",
    "evidence_table",
    "gather",
    "head_of",
    "log_table",
    "manifest_table",
    "sections",
    "summary",
    "supervision_document",
]


async def supervision_document(params: SupervisionParameters, build: Building) -> ReportDocument:
    session = build.session
    data = await gather(session, params, store=build.store)
    appendices: list[Section] = [
        Heading("PHỤ LỤC 1. DANH SÁCH TÀI LIỆU, CHỨNG CỨ", centered=True),
        evidence_table(session, params, data),
        Heading("PHỤ LỤC 2. NIÊM PHONG BIÊN BẢN CÁC BUỔI LÀM VIỆC", centered=True),
        manifest_table(data, params),
    ]
    if params.include_log:
        appendices += [
            PageBreak(),
            Heading("PHỤ LỤC 3. NHẬT KÝ CÁC BUỔI LÀM VIỆC", centered=True),
            log_table(session, params, data),
        ]
    return build.frame.document(
        build.title or summary(data.plan),
        sections(data, params),
        appendices,
        integrity_warnings=data.integrity_warnings,
    )
