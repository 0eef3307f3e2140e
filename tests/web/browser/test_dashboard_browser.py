"""The dashboard, the reports and the admin console in a real Chromium: a council member's
charts and filters, a report requested, followed live to 100% and downloaded (its render job
run by a worker on the live server's database, as in production), an admin creating an
account and an API client (the key shown once) and revoking it, a non-admin refused; axe on
every page at desktop and phone width."""

import hashlib
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from reports.tasks import QUEUE
from service.demo_accounts import DEMO_API_KEY
from service.settings import Settings
from tests.petitions.conftest import petition_body
from tests.web.browser.conftest import assert_accessible, jobs_running

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def accessible_at_both_widths(page: Any) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_accessible(page)
    page.set_viewport_size(DESKTOP)


@pytest.fixture(scope="module")
def petitions(live_server: str) -> None:
    """A few petitions filed through the API (the demo seeds none), in two wards."""
    bodies = [
        petition_body(),
        petition_body(kind="recommendation", title="Kiến nghị lắp thêm biển báo ở ngã tư"),
        petition_body(unit_code="00004", title="Rác thải tồn đọng ở ngõ phố Đội Cấn"),
    ]
    with httpx.Client(base_url=live_server) as api:
        for number, body in enumerate(bodies):
            response = api.post(
                "/api/v1/petitions",
                json=body,
                headers={"X-API-Key": DEMO_API_KEY, "Idempotency-Key": f"browser-dash-{number}"},
            )
            assert response.status_code in (200, 201), response.text


@pytest.fixture
def report_worker(live_settings: Settings) -> Iterator[None]:
    """A worker on the live database while the test runs: the reports queue's jobs."""
    with jobs_running(live_settings, QUEUE):
        yield


def test_a_council_member_sees_charts_and_filters_them(
    page: Any, login_as: Any, petitions: None
) -> None:
    login_as(page, "hdnd.thanhpho")
    page.get_by_role("link", name="Bảng số liệu").first.click()
    page.wait_for_url("**/console/dashboard")
    assert page.get_by_role("heading", name="Bảng số liệu", level=1).is_visible()
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 4
    kinds = page.get_by_role("img", name="Số đơn theo loại", exact=True)
    assert kinds.is_visible()
    # The table of the same numbers, for whoever does not read the picture.
    page.get_by_text("Bảng số liệu: Số đơn theo xã/phường").click()
    table = page.get_by_role("table", name="Số đơn theo xã/phường", exact=True)
    assert table.get_by_role("row", name=re.compile("Hoàn Kiếm")).is_visible()
    assert table.get_by_role("row", name=re.compile("Ba Đình")).is_visible()
    accessible_at_both_widths(page)

    page.get_by_label("Xã/phường", exact=True).select_option(label="Phường Ba Đình")
    page.get_by_role("button", name="Xem số liệu").click()
    page.wait_for_url(re.compile(r"unit_code=00004"))
    page.get_by_text("Bảng số liệu: Số đơn theo xã/phường").click()
    table = page.get_by_role("table", name="Số đơn theo xã/phường", exact=True)
    assert table.get_by_role("row", name=re.compile("Ba Đình")).is_visible()
    assert table.get_by_role("row", name=re.compile("Hoàn Kiếm")).count() == 0

    page.get_by_label("Từ ngày", exact=True).fill("2026-06-01")
    page.get_by_label("Đến ngày", exact=True).fill("2026-01-01")
    page.get_by_role("button", name="Xem số liệu").click()
    assert "Ngày bắt đầu không được sau ngày kết thúc." in page.get_by_role("alert").inner_text()
    accessible_at_both_widths(page)


# The smallest chart text a phone shows, in CSS pixels: each <text>'s font size in the
# SVG's units times the scale the page draws the SVG at.
SMALLEST_TEXT_JS = """() => {
  let smallest = Infinity;
  for (const svg of document.querySelectorAll('.chart svg[role=img]')) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const text of svg.querySelectorAll('text')) {
      smallest = Math.min(smallest, parseFloat(text.getAttribute('font-size')) * scale);
    }
  }
  return smallest;
}"""


def test_chart_text_reads_on_a_phone(page: Any, login_as: Any, petitions: None) -> None:
    login_as(page, "hdnd.thanhpho")
    page.set_viewport_size(PHONE)
    page.goto(page.url.split("/console")[0] + "/console/dashboard")
    assert page.locator(".chart svg[role=img]").count() >= 4
    smallest = page.evaluate(SMALLEST_TEXT_JS)
    assert 10.5 <= smallest < 40, smallest  # 7 px before (a chart drawn for paper)
    # No chart wider than the phone.
    widest = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('.chart svg[role=img]')]"
        ".map(svg => svg.getBoundingClientRect().right))"
    )
    assert widest <= PHONE["width"]
    page.set_viewport_size(DESKTOP)


def test_a_report_is_requested_followed_to_100_percent_and_downloaded(
    page: Any, login_as: Any, live_server: str, report_worker: None
) -> None:
    login_as(page, "mttq.hoankiem")
    page.goto("/console/reports")
    accessible_at_both_widths(page)
    today = date.today()
    page.get_by_label("Loại báo cáo").select_option("council_periodic")
    page.get_by_label("Từ ngày", exact=True).fill((today - timedelta(days=30)).isoformat())
    page.get_by_label("Đến ngày", exact=True).fill(today.isoformat())
    page.get_by_label("Mã xã/phường").fill("00070")
    page.get_by_label("Số, ký hiệu").fill("21/BC-MTTQ")
    page.get_by_role("button", name="Gửi yêu cầu").click()
    page.wait_for_url(re.compile(r"/console/reports/[0-9a-f-]{36}$"))
    status = page.locator("#progress [role=status]")
    # The page follows the render by itself (HTMX polls its progress) until issued.
    status.filter(has_text="100%").wait_for(timeout=120_000)
    assert "đã phát hành" in status.inner_text()
    code = page.locator("code.verification").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    sha256 = page.locator("code.hash").inner_text()
    accessible_at_both_widths(page)

    link = page.get_by_role("link", name="Tải xuống (PDF)")
    href = link.get_attribute("href")
    with page.expect_download() as download:
        link.click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == sha256
    # The versions list has this one, with its code.
    assert page.get_by_role("region", name="Các báo cáo").get_by_text(code).is_visible()
    assert href
    assert href.endswith("/download")

    # A new version from today's data: its own page and code; the first stays issued.
    page.get_by_role("button", name="Lập phiên bản mới từ số liệu hôm nay").click()
    page.wait_for_url(re.compile(r"/console/reports/[0-9a-f-]{36}$"))
    assert page.get_by_role("status").first.inner_text() == "Phiên bản mới đang được tạo."
    assert page.locator("code.verification").inner_text() != code
    versions = page.get_by_role("region", name="Các báo cáo")
    assert versions.get_by_role("row").count() == 3  # the header and two versions


def test_an_admin_creates_a_user_and_an_api_client_and_revokes_it(page: Any, login_as: Any) -> None:
    login_as(page, "admin")
    page.get_by_role("link", name="Quản trị").first.click()
    page.wait_for_url("**/console/admin")
    page.get_by_role("button", name="Kiểm tra chuỗi nhật ký").click()
    assert "Chuỗi nhật ký nguyên vẹn" in page.get_by_role("status").inner_text()
    accessible_at_both_widths(page)

    page.get_by_role("link", name="Tài khoản").click()
    page.get_by_label("Tên đăng nhập").fill("mttq.trinhbay")
    page.get_by_label("Họ và tên").fill("Trịnh Thị Bảy")
    page.get_by_label("Mật khẩu").fill("một mật khẩu đủ dài 2026")
    page.get_by_label("Vai trò").select_option("front_officer")
    page.get_by_label("Địa bàn").select_option("00070")
    page.get_by_role("button", name="Tạo tài khoản").click()
    assert page.get_by_role("status").inner_text() == "Đã tạo tài khoản."
    assert page.get_by_role("link", name="mttq.trinhbay").is_visible()
    accessible_at_both_widths(page)
    page.get_by_role("link", name="mttq.trinhbay").click()
    accessible_at_both_widths(page)

    page.get_by_role("link", name="Ứng dụng kết nối API").click()
    page.get_by_label("Tên ứng dụng").fill("Cổng thông tin phường")
    page.get_by_role("button", name="Tạo ứng dụng").click()
    key = page.get_by_role("textbox", name="Khóa API").input_value()
    assert key.startswith("gs_")
    assert "chỉ hiển thị một lần" in page.get_by_role("alert").inner_text()
    accessible_at_both_widths(page)
    page.reload()  # a GET: the key is not shown again
    assert page.get_by_role("textbox", name="Khóa API").count() == 0
    page.get_by_role("button", name="Thu hồi Cổng thông tin phường").click()
    assert page.get_by_role("status").inner_text() == "Đã thu hồi khóa API."
    row = page.get_by_role("row", name=re.compile("Cổng thông tin phường"))
    assert "Đã thu hồi" in row.inner_text()

    for section in ("Lịch ngày làm việc", "Quy tắc chuyển đơn", "Tác vụ lỗi"):
        page.get_by_role("link", name=section).click()
        assert page.get_by_role("heading", name=section, level=1).is_visible()
        accessible_at_both_widths(page)
    assert "tính lại thời hạn" in page.goto("/console/admin/calendar").text()


def test_a_non_admin_is_refused_the_admin_console(page: Any, login_as: Any) -> None:
    login_as(page, "mttq.thanhpho")
    assert page.get_by_role("link", name="Quản trị").count() == 0
    response = page.goto("/console/admin/users")
    assert response.status == 403
    accessible_at_both_widths(page)
