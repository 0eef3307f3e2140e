"""The supervision result report (báo cáo kết quả giám sát) of one plan.

The plan, its members, sessions, findings, recommendations and seals come from oversight's
read functions; the counts of the log are one SQL aggregate; the evidence list and the full
session record (appendices) stream through server-side cursors.

Every seal the report prints is verified first, by the same check as the verify route
(``service.oversight.log.check_seal``), in the same snapshot as the figures; with an object
store, every evidence file listed is also re-read and its SHA-256 compared. What does not
match becomes an integrity warning on the document: the render job then refuses to issue it,
and a working copy carries the warning on page 1 and in its metadata.

The people named here act in an official capacity (members of the delegation, officials of
the supervised agency, invited experts); petitioners are not read at all.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from reports.charts import Series, bar_chart
from reports.data.common import (
    ATTENDANCE_LABELS,
    CHECK_RESULT_LABELS,
    ENTRY_KIND_LABELS,
    PLAN_FORM_LABELS,
    PLAN_ROLE_LABELS,
    RECOMMENDATION_STATE_LABELS,
    SESSION_MODE_LABELS,
    SESSION_STATE_LABELS,
    DocumentFrame,
    label,
    lower_first,
    paragraphs,
    size_text,
    vi_date,
    vi_datetime,
)
from reports.document import ReportDocument
from reports.numbers import format_number
from reports.sections import (
    Align,
    BulletList,
    Cell,
    Column,
    Figure,
    Heading,
    LongTable,
    PageBreak,
    Paragraph,
    Section,
    Table,
)
from reports.streaming import ThreadRows, streamed
from service.oversight.service.log import check_seal, rehash_object
from service.oversight.manifest import Verification
from service.oversight.models import SessionState, SupervisionPlan
from service.oversight.repository import (
    ManifestView,
    PlanDetail,
    RecommendationView,
    SessionDetail,
    findings_for_plan,
    list_recommendations,
    manifests,
    plan_detail,
    sessions_with_attendance,
)
from service.storage.store import ObjectStore

LOG_COUNTS = sa.text(
    """
SELECT e.session_id, e.kind, count(*) AS n
  FROM supervision_log_entry e JOIN supervision_session s ON s.id = e.session_id
 WHERE s.plan_id = :plan
 GROUP BY e.session_id, e.kind
"""
)
EVIDENCE_FILTER = """
  FROM supervision_evidence se JOIN evidence ev ON ev.id = se.evidence_id
 WHERE se.plan_id = :plan AND ev.status = 'stored'
"""
EVIDENCE_COUNT = sa.text("SELECT count(*)" + EVIDENCE_FILTER)
EVIDENCE_ROWS = sa.text(
    """
SELECT row_number() OVER (ORDER BY se.attached_at, ev.id) AS number, ev.original_name,
       ev.content_type, ev.size_bytes, ev.sha256, ev.captured_at, ev.uploaded_at,
       ev.withdrawn_at
"""
    + EVIDENCE_FILTER
    + " ORDER BY 1"
)
EVIDENCE_OBJECTS = sa.text(
    "SELECT ev.id, ev.original_name, ev.object_key, ev.sha256"
    + EVIDENCE_FILTER
    + " ORDER BY se.attached_at, ev.id"
)
LOG_FILTER = """
  FROM supervision_log_entry e JOIN supervision_session s ON s.id = e.session_id
 WHERE s.plan_id = :plan
"""
LOG_COUNT = sa.text("SELECT count(*)" + LOG_FILTER)
LOG_ROWS = sa.text(
    """
SELECT s.number AS session_number, e.seq, e.created_at, e.speaker_name,
       e.speaker_organisation, e.kind, e.text
"""
    + LOG_FILTER
    + " ORDER BY s.number, e.seq"
)


@dataclass(frozen=True)
class SupervisionParameters:
    plan_id: uuid.UUID
    plan_code: str
    timezone: str = "Asia/Ho_Chi_Minh"
    include_log: bool = True


@dataclass(frozen=True)
class SealCheck:
    """One sealed session's seal, recomputed from the rows the report prints."""

    session_id: uuid.UUID
    session_number: int
    session_title: str
    verification: Verification


@dataclass(frozen=True)
class EvidenceMismatch:
    """An evidence file whose stored bytes no longer hash to the SHA-256 the report prints."""

    name: str
    recorded_sha256: str
    stored_sha256: str | None  # None: the object is gone


@dataclass(frozen=True)
class SupervisionData:
    detail: PlanDetail
    sessions: list[SessionDetail]
    log_counts: dict[uuid.UUID, dict[str, int]]
    findings: list[Any]
    recommendations: list[RecommendationView]
    manifests: list[ManifestView]
    evidence_count: int
    log_count: int
    seal_checks: list[SealCheck] = field(default_factory=list)
    # None: the evidence files were not re-read (no object store at hand).
    evidence_mismatches: list[EvidenceMismatch] | None = None

    @property
    def plan(self) -> SupervisionPlan:
        return self.detail.plan

    def seal_of(self, session_id: uuid.UUID) -> SealCheck | None:
        return next((c for c in self.seal_checks if c.session_id == session_id), None)

    @property
    def integrity_warnings(self) -> list[str]:
        """One Vietnamese sentence per seal or hash that does not match."""
        warnings = [_seal_warning(c) for c in self.seal_checks if not c.verification.ok]
        for item in self.evidence_mismatches or []:
            if item.stored_sha256 is None:
                warnings.append(
                    f"Tệp chứng cứ “{item.name}” không còn trong kho lưu trữ; không đối chiếu "
                    "được mã SHA-256 in trong báo cáo."
                )
            else:
                warnings.append(
                    f"Tệp chứng cứ “{item.name}” trong kho lưu trữ không còn khớp mã SHA-256 "
                    f"đã ghi ({item.recorded_sha256[:12]}…); nội dung tệp đã bị thay đổi."
                )
        return warnings


_PART_LABELS = {
    "manifest": "bản niêm phong bị sửa",
    "audit": "mã niêm phong khác với mã ghi trong nhật ký kiểm toán",
    "attendance": "thành phần tham dự bị thay đổi",
    "evidence": "danh sách chứng cứ bị thay đổi",
    "evidence_objects": "tệp chứng cứ bị thay đổi",
}


def _seal_warning(check: SealCheck) -> str:
    result = check.verification
    parts = []
    if "entries" in result.differing_parts:
        details = [
            f"{format_number(len(rows))} nội dung {what}"
            for rows, what in (
                (result.changed_entries, "bị sửa"),
                (result.missing_entries, "bị xóa"),
                (result.added_entries, "được thêm vào"),
            )
            if rows
        ]
        parts.append("nhật ký: " + ", ".join(details or ["bị thay đổi"]))
    parts += [_PART_LABELS[p] for p in result.differing_parts if p in _PART_LABELS]
    return (
        f"Buổi làm việc số {check.session_number} (“{check.session_title}”): biên bản điện tử "
        f"đã niêm phong không còn khớp với dữ liệu hiện có ({'; '.join(parts)}); mã niêm "
        f"phong {result.stored_sha256[:12]}…, tính lại được {result.recomputed_sha256[:12]}…."
    )


async def check_seals(session: AsyncSession, sessions: list[SessionDetail]) -> list[SealCheck]:
    """Every sealed session's seal, verified as ``GET .../verify`` does."""
    checks = []
    for detail in sessions:
        sess = detail.session
        if sess.sealed_at is None and sess.manifest_sha256 is None:
            continue
        if sess.state != SessionState.sealed or sess.manifest is None or not sess.manifest_sha256:
            # A seal half there (the database refuses this; only a bypass makes it).
            result = Verification(
                ok=False,
                stored_sha256=sess.manifest_sha256 or "-",
                recomputed_sha256="-",
                differing_parts=["manifest"],
            )
        else:
            result, _ = await check_seal(session, sess)
        checks.append(SealCheck(sess.id, sess.number, sess.title, result))
    return checks


async def check_evidence_objects(
    session: AsyncSession, store: ObjectStore, plan_id: uuid.UUID
) -> list[EvidenceMismatch]:
    """Re-read every evidence file the report lists and compare its SHA-256."""
    mismatches = []
    for row in (await session.execute(EVIDENCE_OBJECTS, {"plan": plan_id})).mappings():
        stored = await rehash_object(store, row["object_key"])
        if stored != row["sha256"]:
            mismatches.append(EvidenceMismatch(row["original_name"], row["sha256"], stored))
    return mismatches


async def gather(
    session: AsyncSession, params: SupervisionParameters, *, store: ObjectStore | None = None
) -> SupervisionData:
    detail = await plan_detail(session, params.plan_id)
    if detail is None:
        raise LookupError(f"no supervision plan {params.plan_id}")
    sessions = await sessions_with_attendance(session, params.plan_id)
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for row in (await session.execute(LOG_COUNTS, {"plan": params.plan_id})).mappings():
        counts[row["session_id"]][row["kind"]] = int(row["n"])
    bind = {"plan": params.plan_id}
    return SupervisionData(
        detail=detail,
        sessions=sessions,
        log_counts=dict(counts),
        findings=await findings_for_plan(session, params.plan_id),
        recommendations=await list_recommendations(session, plan_id=params.plan_id),
        manifests=await manifests(session, params.plan_id),
        evidence_count=int((await session.execute(EVIDENCE_COUNT, bind)).scalar_one()),
        log_count=int((await session.execute(LOG_COUNT, bind)).scalar_one()),
        seal_checks=await check_seals(session, sessions),
        evidence_mismatches=(
            None if store is None else await check_evidence_objects(session, store, params.plan_id)
        ),
    )


def _activity(subject: str) -> str:
    """ "giám sát việc ..." whether or not the subject already starts with "Giám sát"."""
    subject = subject.strip()
    if subject.lower().startswith("giám sát"):
        return lower_first(subject)
    return f"giám sát {lower_first(subject)}"


def summary(plan: SupervisionPlan) -> str:
    return f"Kết quả {_activity(plan.subject)}"


async def supervision_document(
    session: AsyncSession,
    params: SupervisionParameters,
    frame: DocumentFrame,
    *,
    title: str | None = None,
    store: ObjectStore | None = None,
) -> ReportDocument:
    data = await gather(session, params, store=store)
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
    return frame.document(
        title or summary(data.plan),
        sections(data, params),
        appendices,
        integrity_warnings=data.integrity_warnings,
    )


def sections(data: SupervisionData, params: SupervisionParameters) -> list[Section]:
    plan = data.plan
    tz = params.timezone
    agencies = [agency.name for agency in data.detail.agencies]
    out: list[Section] = [
        Paragraph(
            f"Thực hiện Kế hoạch giám sát số {plan.code}, {label(PLAN_FORM_LABELS, plan.form)} "
            f"đã tiến hành {_activity(plan.subject)} từ ngày {vi_date(plan.period_start)} đến "
            f"ngày {vi_date(plan.period_end)}. Kết quả như sau:"
        ),
        Heading("I. NỘI DUNG, CĂN CỨ VÀ ĐỐI TƯỢNG GIÁM SÁT"),
        Heading("1. Nội dung giám sát", level=2),
        Paragraph(plan.subject),
    ]
    out += [Paragraph(text) for text in paragraphs(plan.description)]
    out += [Heading("2. Căn cứ", level=2)]
    out += [BulletList(paragraphs(plan.legal_basis) or [plan.legal_basis])]
    out += [
        Heading("3. Đối tượng giám sát", level=2),
        BulletList(agencies) if agencies else Paragraph("Không có."),
        Heading("II. THÀNH PHẦN ĐOÀN GIÁM SÁT"),
        Table(
            columns=[
                Column("STT", 0.7, Align.centred),
                Column("Họ và tên", 3.0),
                Column("Nhiệm vụ", 1.6),
            ],
            rows=[
                [number, member.full_name, label(PLAN_ROLE_LABELS, member.role)]
                for number, member in enumerate(data.detail.members, start=1)
            ],
            caption="Bảng 1. Thành viên đoàn giám sát",
        ),
    ]
    if data.detail.participants:
        out.append(
            Table(
                columns=[
                    Column("STT", 0.7, Align.centred),
                    Column("Họ và tên", 2.2),
                    Column("Cơ quan, tổ chức", 2.4),
                    Column("Tư cách", 1.6),
                ],
                rows=[
                    [n, p.name, p.organisation or "-", p.capacity or "Khách mời"]
                    for n, p in enumerate(data.detail.participants, start=1)
                ],
                caption="Bảng 2. Thành phần mời tham gia",
            )
        )
    out += _sessions(data, params)
    out += [Heading("IV. KẾT QUẢ GIÁM SÁT")]
    if data.findings:
        for number, finding in enumerate(data.findings, start=1):
            out.append(Heading(f"{number}. {finding.title}", level=2))
            out += [Paragraph(text) for text in paragraphs(finding.text)]
    else:
        out.append(Paragraph("Chưa ghi nhận kết quả giám sát."))
    out.append(Heading("V. KẾT LUẬN"))
    conclusion = paragraphs(plan.conclusion)
    out += [Paragraph(text) for text in conclusion] or [
        Paragraph("Đoàn giám sát chưa có kết luận.", italic=True)
    ]
    out += _recommendations(data, tz)
    return out


def _sessions(data: SupervisionData, params: SupervisionParameters) -> list[Section]:
    tz = params.timezone
    out: list[Section] = [Heading("III. CÁC BUỔI LÀM VIỆC")]
    if not data.sessions:
        return [*out, Paragraph("Chưa có buổi làm việc.")]
    rows: list[list[Cell]] = []
    for detail in data.sessions:
        sess = detail.session
        present = sum(1 for a in detail.attendance if a.status != "absent")
        absent = len(detail.attendance) - present
        rows.append(
            [
                sess.number,
                sess.title,
                label(SESSION_MODE_LABELS, sess.mode),
                vi_datetime(sess.opened_at or sess.scheduled_start, tz),
                sess.place or "Trực tuyến",
                f"{format_number(present)}/{format_number(absent)}",
                label(SESSION_STATE_LABELS, sess.state),
            ]
        )
    out.append(
        Table(
            columns=[  # millimetres of the 165 mm text width
                Column("Buổi", 13, Align.centred),
                Column("Nội dung", 37),
                Column("Hình thức", 24),
                Column("Thời gian", 22, Align.centred),
                Column("Địa điểm", 30),
                Column("Có mặt/ Vắng", 17, Align.centred),
                Column("Tình trạng", 22),
            ],
            rows=rows,
            caption="Bảng 3. Các buổi làm việc",
        )
    )
    for detail in data.sessions:
        if not detail.attendance:
            continue
        sess = detail.session
        out.append(
            Table(
                columns=[
                    Column("STT", 0.7, Align.centred),
                    Column("Họ và tên", 2.0),
                    Column("Cơ quan, tổ chức", 2.2),
                    Column("Tư cách", 1.5),
                    Column("Tham dự", 1.5),
                ],
                rows=[
                    [
                        n,
                        a.name,
                        a.organisation or "-",
                        a.capacity,
                        label(ATTENDANCE_LABELS, a.status) + (f" ({a.reason})" if a.reason else ""),
                    ]
                    for n, a in enumerate(detail.attendance, start=1)
                ],
                caption=f"Thành phần tham dự buổi {sess.number}: {sess.title}",
            )
        )
    kinds = [kind for kind in ENTRY_KIND_LABELS if any(kind in c for c in data.log_counts.values())]
    if kinds:
        numbers = [
            [*(data.log_counts.get(d.session.id, {}).get(kind, 0) for kind in kinds)]
            for d in data.sessions
        ]
        count_rows: list[list[Cell]] = [
            [f"Buổi {d.session.number}", *counts, sum(counts)]
            for d, counts in zip(data.sessions, numbers, strict=True)
        ]
        totals = [sum(column) for column in zip(*numbers, strict=True)]
        total_row: list[Cell] = ["Tổng cộng", *totals, sum(totals)]
        out += [
            Paragraph(
                f"Biên bản điện tử của các buổi làm việc ghi nhận "
                f"{format_number(data.log_count)} nội dung (toàn văn tại Phụ lục 3), "
                "tổng hợp như sau:"
            ),
            Table(
                columns=[Column("Buổi", 1.2)]
                + [Column(ENTRY_KIND_LABELS[kind], 1.0, Align.right) for kind in kinds]
                + [Column("Tổng số", 1.0, Align.right)],
                rows=count_rows,
                total_row=total_row,
                caption="Bảng 4. Tổng hợp nhật ký các buổi làm việc",
            ),
        ]
        out.append(
            Figure(
                bar_chart(
                    "Nội dung ghi nhận theo buổi làm việc",
                    [f"Buổi {d.session.number}" for d in data.sessions],
                    [
                        Series(
                            ENTRY_KIND_LABELS[kind],
                            [
                                data.log_counts.get(d.session.id, {}).get(kind, 0)
                                for d in data.sessions
                            ],
                        )
                        for kind in kinds
                    ],
                    horizontal=False,
                    axis_title="Số nội dung",
                ),
                caption="Biểu đồ 1. Nội dung nhật ký theo buổi làm việc",
            )
        )
    return out


def _recommendations(data: SupervisionData, tz: str) -> list[Section]:
    out: list[Section] = [Heading("VI. KIẾN NGHỊ")]
    issued = [rec for rec in data.recommendations if rec.state not in ("draft", "withdrawn")]
    if not issued:
        return [*out, Paragraph("Đoàn giám sát không có kiến nghị.")]
    out.append(Paragraph("Đoàn giám sát kiến nghị:"))
    for number, rec in enumerate(issued, start=1):
        out.append(Heading(f"{number}. Đối với {rec.agency_name}: {rec.title}", level=3))
        out += [Paragraph(text) for text in paragraphs(rec.text)]
    out.append(
        Table(
            columns=[
                Column("STT", 0.7, Align.centred),
                Column("Kiến nghị", 2.8),
                Column("Cơ quan thực hiện", 2.0),
                Column("Hạn trả lời", 1.1, Align.centred),
                Column("Tình trạng", 1.4),
            ],
            rows=[
                [
                    n,
                    rec.title,
                    rec.agency_name,
                    vi_date(rec.due_at, tz),
                    label(RECOMMENDATION_STATE_LABELS, rec.state)
                    + (
                        f"; kiểm tra: {label(CHECK_RESULT_LABELS, rec.last_check_result)}"
                        if rec.last_check_result
                        else ""
                    ),
                ]
                for n, rec in enumerate(issued, start=1)
            ],
            caption="Bảng 5. Kiến nghị sau giám sát và thời hạn trả lời",
        )
    )
    return out


def evidence_table(
    session: AsyncSession, params: SupervisionParameters, data: SupervisionData
) -> LongTable:
    tz = params.timezone

    def cells(row: Any) -> list[Cell]:
        name = row.original_name + (" (đã rút)" if row.withdrawn_at else "")
        return [
            int(row.number),
            name,
            row.content_type,
            size_text(row.size_bytes),
            row.sha256,
            vi_datetime(row.captured_at or row.uploaded_at, tz),
        ]

    return LongTable(
        columns=[
            Column("STT", 0.7, Align.centred),
            Column("Tên tệp", 2.2),
            Column("Loại", 1.3),
            Column("Dung lượng", 0.95, Align.right),
            Column("SHA-256", 3.2),
            Column("Thời điểm ghi", 1.25, Align.centred),
        ],
        rows=ThreadRows(
            streamed(session, EVIDENCE_ROWS, {"plan": params.plan_id}, transform=cells),
            asyncio.get_running_loop(),
        ),
        row_count=data.evidence_count,
        caption="Tài liệu, chứng cứ của cuộc giám sát (mã SHA-256 để đối chiếu bản gốc)",
    )


def manifest_table(data: SupervisionData, params: SupervisionParameters) -> Table:
    return Table(
        columns=[
            Column("Buổi", 0.6, Align.centred),
            Column("Nội dung", 2.0),
            Column("Niêm phong lúc", 1.3, Align.centred),
            Column("Số nội dung", 0.9, Align.right),
            Column("Số chứng cứ", 0.9, Align.right),
            Column("SHA-256 của biên bản", 3.0),
        ],
        rows=[
            [
                m.session_number,
                m.session_title,
                vi_datetime(m.sealed_at, params.timezone),
                m.entry_count,
                m.evidence_count,
                _seal_cell(data, m),
            ]
            for m in data.manifests
        ]
        or [["-", "Chưa có buổi làm việc được niêm phong", "-", 0, 0, "-"]],
        caption="Niêm phong biên bản điện tử các buổi làm việc",
        note="Mỗi biên bản gồm toàn bộ nhật ký, thành phần tham dự và danh sách chứng cứ của "
        "buổi làm việc; mã SHA-256 dùng để kiểm tra biên bản không bị thay đổi.",
    )


def _seal_cell(data: SupervisionData, manifest: ManifestView) -> str:
    check = data.seal_of(manifest.session_id)
    if check is None or check.verification.ok:
        return manifest.manifest_sha256
    return f"{manifest.manifest_sha256} (KHÔNG KHỚP với dữ liệu hiện có)"


def log_table(
    session: AsyncSession, params: SupervisionParameters, data: SupervisionData
) -> LongTable:
    tz = params.timezone

    def cells(row: Any) -> list[Cell]:
        speaker = row.speaker_name + (
            f" ({row.speaker_organisation})" if row.speaker_organisation else ""
        )
        return [
            row.session_number,
            row.seq,
            vi_datetime(row.created_at, tz),
            speaker,
            label(ENTRY_KIND_LABELS, row.kind),
            row.text,
        ]

    return LongTable(
        columns=[
            Column("Buổi", 0.55, Align.centred),
            Column("Số", 0.55, Align.centred),
            Column("Thời điểm", 1.2, Align.centred),
            Column("Người phát biểu", 1.8),
            Column("Loại", 0.95),
            Column("Nội dung", 4.0),
        ],
        rows=ThreadRows(
            streamed(session, LOG_ROWS, {"plan": params.plan_id}, transform=cells),
            asyncio.get_running_loop(),
        ),
        row_count=data.log_count,
        caption="Nhật ký các buổi làm việc (nguyên văn, theo thứ tự ghi)",
    )


def head_of(detail: PlanDetail) -> str | None:
    """The head of the delegation: the default signer of the report."""
    for member in detail.members:
        if member.role == "head":
            return member.full_name
    return None
