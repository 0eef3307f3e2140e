"""``giamsat report ...`` renders the same documents from the command line."""

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncEngine

from service.cli import main
from service.db import session_scope
from service.kernel.wiring import Wiring
from service.settings import Settings
from service.storage.backends import build_object_store
from tests.reports.world import flat, pdf_text, supervision_world, tamper_with_log


def _invoke(settings: Settings, *args: str) -> Any:
    env = {"GIAMSAT_DATABASE_URL": settings.require_database_url(), "GIAMSAT_LOG_JSON": "true"}
    return CliRunner().invoke(main, ["report", *args], env=env, catch_exceptions=False)


def test_council_report_to_a_file(settings: Settings, seeded: Any, tmp_path: Path) -> None:
    output = tmp_path / "council.pdf"
    result = _invoke(
        settings,
        "council",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
        "--unit",
        "00070",
        "--number",
        "9/BC-MTTQ",
        "-o",
        str(output),
    )
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    assert f"sha256 {digest}" in result.output
    text = flat(pdf_text(output))
    assert "Số: 9/BC-MTTQ" in text
    assert (
        "Tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân trên địa bàn Phường Hoàn Kiếm "
        "từ ngày 01/01/2026 đến ngày 30/06/2026"
    ) in text
    # A working copy says so where an issued report prints its verification code.
    assert "Mã xác thực: BAN-NHAP-" in text


def test_bad_parameters_are_reported_not_raised(
    settings: Settings, seeded: Any, tmp_path: Path
) -> None:
    result = _invoke(
        settings,
        "scorecard",
        "--agency",
        "khong-co",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
        "-o",
        str(tmp_path / "x.pdf"),
        "--quiet",
    )
    assert result.exit_code != 0
    assert "parameters.agency_code" in result.output
    assert not (tmp_path / "x.pdf").exists()


async def test_a_working_copy_of_an_altered_record_carries_a_warning(
    settings: Settings, committed_engine: AsyncEngine, seeded: Any, tmp_path: Path, wiring: Wiring
) -> None:
    store = build_object_store(settings)
    await store.start()
    sessions = wiring.sessions(committed_engine)
    async with session_scope(sessions) as session:
        world = await supervision_world(session, settings, store)
    async with session_scope(sessions) as session:
        await tamper_with_log(session, world.plan_id)
    output = tmp_path / "supervision.pdf"
    env = {
        "GIAMSAT_DATABASE_URL": settings.require_database_url(),
        "GIAMSAT_DATA_DIR": str(settings.data_dir),
        "GIAMSAT_LOG_JSON": "true",
    }
    result = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["report", "supervision", "--plan", world.plan_code, "-o", str(output), "--quiet"],
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "CẢNH BÁO: dữ liệu đã niêm phong không còn nguyên vẹn" in result.output
    assert "Buổi làm việc số 1" in result.output
    page_one = flat(pdf_text(output, 1))
    assert "CẢNH BÁO: DỮ LIỆU ĐÃ NIÊM PHONG KHÔNG CÒN NGUYÊN VẸN" in page_one
    assert "1 nội dung bị sửa, 1 nội dung bị xóa" in page_one
    # The evidence files are where the record says, unchanged: no warning about them.
    assert "Tệp chứng cứ" not in page_one
    metadata = PdfReader(output).metadata
    assert metadata is not None
    assert "KHÔNG CÒN NGUYÊN VẸN" in str(metadata.subject)
