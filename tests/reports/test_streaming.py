"""Long tables stream from a server-side cursor into the renderer running in a thread."""

import asyncio
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from reports.document import DocumentHeader, ReportDocument, SignatureBlock
from reports.sections import Align, Column, LongTable
from reports.streaming import ThreadRows, render_in_thread, streamed
from tests.reports.world import pdf_text

ROWS = 300


def _document(table: LongTable) -> ReportDocument:
    return ReportDocument(
        header=DocumentHeader(
            issuing_body="Ban Thường trực",
            number_symbol="1/BC-MTTQ",
            place="Hà Nội",
            issue_date=date(2026, 12, 1),
            summary="Danh sách dài",
        ),
        signature=SignatureBlock(title="Chủ tịch", signer_name="Trần Thị Bình"),
        recipients=["Lưu: VT"],
        sections=[table],
        verification_code="ABCD-2345",
    )


async def test_every_row_of_the_cursor_once_in_order(session: AsyncSession, tmp_path: Path) -> None:
    query = sa.text("SELECT n, 'Phường số ' || n FROM generate_series(1, :rows) AS n")
    rows = ThreadRows(
        streamed(session, query, {"rows": ROWS}, transform=lambda r: [r[0], r[1]]),
        asyncio.get_running_loop(),
        batch=50,
    )
    table = LongTable(
        columns=[Column("STT", 1, Align.centred), Column("Tên", 4)],
        rows=rows,
        row_count=ROWS,
    )
    result = await render_in_thread(_document(table), tmp_path / "long.pdf", chunk_rows=60)
    assert result.part_count > 2
    numbers = [
        int(line.split()[0])
        for line in pdf_text(result.path, layout=True).splitlines()
        if "Phường số" in line
    ]
    assert numbers == list(range(1, ROWS + 1))


async def test_rows_are_not_read_on_the_event_loop(session: AsyncSession) -> None:
    rows = ThreadRows(streamed(session, sa.text("SELECT 1")), asyncio.get_running_loop())
    with pytest.raises(RuntimeError, match="render_in_thread"):
        list(rows)
