"""``giamsat report ...`` renders the same documents from the command line."""

import hashlib
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from service.cli import main
from service.settings import Settings
from tests.reports.world import flat, pdf_text


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
