"""The voter meetings in a real Chromium: a ward's Front officer opens the demo's council
session and one of its meetings, uploads a small minutes spreadsheet, sees every row in the
preview, confirms, and watches the rows saved reach 100% without reloading (the save job run
by a worker on the live server's database, as in production); axe on every voters page at
desktop and phone width."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from service.settings import Settings
from tests.voters.sheets import xlsx
from tests.web.browser.conftest import assert_accessible, jobs_running

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
QUEUE = "default"  # the voters' save job's
SESSION_TITLE = "Kỳ họp thứ hai HĐND thành phố Hà Nội khóa XVII"  # service.voters.demo
ROWS = [
    (1, "Đề nghị lắp đèn chiếu sáng ngõ 8 phố Hàng Bạc", "Đô thị", "UBND phường", 3),
    (2, "Đề nghị bố trí thêm thùng rác ở phố Hàng Mã", "Môi trường", None, 2),
    (3, "Đề nghị cải tạo sân chơi tổ dân phố số 7", "Văn hóa", None, 1),
]


def accessible_at_both_widths(page: Any) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_accessible(page)
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def save_worker(live_settings: Settings) -> Iterator[None]:
    """A worker on the live database while the test runs (the voters' save job)."""
    with jobs_running(live_settings, QUEUE):
        yield


def test_the_minutes_imported_with_live_progress(
    page: Any, login_as: Any, save_worker: None, tmp_path: Path
) -> None:
    sheet = tmp_path / "bien-ban-tiep-xuc.xlsx"
    sheet.write_bytes(xlsx(ROWS))
    login_as(page, "mttq.hoankiem")
    page.goto("/console/voter-meetings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiếp xúc cử tri")
    accessible_at_both_widths(page)

    page.get_by_role("link", name=SESSION_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SESSION_TITLE)
    accessible_at_both_widths(page)

    page.locator("#meetings").locator("xpath=following::table[1]").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tiếp xúc cử tri tại")
    accessible_at_both_widths(page)

    page.get_by_label("Tệp bảng tính").set_input_files(str(sheet))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.get_by_text("Bảng tính có 3 dòng, 0 dòng có lỗi.")).to_be_visible()
    for _, text, *_rest in ROWS:
        expect(page.get_by_role("cell", name=text)).to_be_visible()
    accessible_at_both_widths(page)

    page.get_by_role("button", name="Xác nhận lưu").click()
    expect(page.get_by_text("Đã xác nhận; các dòng đang được lưu.")).to_be_visible()
    url = page.url
    # The progress fragment polls itself; the page is not reloaded.
    expect(page.locator("#progress [role=status]")).to_contain_text(
        "đã lưu 3/3 dòng (100%)", timeout=30_000
    )
    assert page.url == url
    expect(page.locator("progress")).to_have_attribute("value", "100")
    accessible_at_both_widths(page)

    page.get_by_role("link", name="Tiếp xúc cử tri tại").first.click()
    expect(page.get_by_role("rowheader", name=ROWS[2][1])).to_be_visible()
