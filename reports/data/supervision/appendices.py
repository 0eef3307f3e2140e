"""The appendices of the supervision report: the evidence list and the session log, streamed
from the database while the document renders, and the table of seals."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reports.data.common import ENTRY_KIND_LABELS, label, size_text, streamed_table, vi_datetime
from reports.data.supervision.facts import SupervisionData, SupervisionParameters
from reports.data.supervision.queries import EVIDENCE_ROWS, LOG_ROWS
from reports.sections import Align, Cell, Column, LongTable, Table
from service.oversight.repository import ManifestView


def evidence_table(
    session: AsyncSession, params: SupervisionParameters, data: SupervisionData
) -> LongTable:
    tz = params.timezone

    def cells(row: Any) -> list[Cell]:
        name = row.original_name + (" (đã rút)" if row.withdrawn_at else "")
        return [
            name,
            row.content_type,
            size_text(row.size_bytes),
            row.sha256,
            vi_datetime(row.captured_at or row.uploaded_at, tz),
        ]

    return streamed_table(
        session,
        EVIDENCE_ROWS,
        {"plan": params.plan_id},
        cells,
        columns=[
            Column("Tên tệp", 2.2),
            Column("Loại", 1.3),
            Column("Dung lượng", 0.95, Align.right),
            Column("SHA-256", 3.2),
            Column("Thời điểm ghi", 1.25, Align.centred),
        ],
        row_count=data.evidence_count,
        caption="Tài liệu, chứng cứ của cuộc giám sát (mã SHA-256 để đối chiếu bản gốc)",
        number_width=0.7,
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

    return streamed_table(
        session,
        LOG_ROWS,
        {"plan": params.plan_id},
        cells,
        columns=[
            Column("Buổi", 0.55, Align.centred),
            Column("Số", 0.55, Align.centred),
            Column("Thời điểm", 1.2, Align.centred),
            Column("Người phát biểu", 1.8),
            Column("Loại", 0.95),
            Column("Nội dung", 4.0),
        ],
        row_count=data.log_count,
        caption="Nhật ký các buổi làm việc (nguyên văn, theo thứ tự ghi)",
    )
