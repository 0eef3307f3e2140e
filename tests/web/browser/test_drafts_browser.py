"""Social criticism in a real Chromium (issue 14 §2): the ward Front receives a draft in the
console and opens it to the public; a citizen comments on one of its sections on the portal
(the comment waits for moderation, its phone number is hidden once shown); the officer
shows it, adds a point and issues the criticism; a bot's comment is refused by the honeypot.
axe on every page at desktop and phone width. (The rules a browser cannot see are in
tests/criticism/test_pages.py and test_flow.py.)"""

import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.demo_data import DEMO_DRAFT_CODE
from service.web.public import antibot
from tests.web.browser.conftest import (
    assert_accessible_on_a_phone_too,
    control,
    open_page,
)

LoginAs = Callable[..., None]
TITLE = "Dự thảo Nghị quyết về chỉnh trang vỉa hè phường Hoàn Kiếm"
COMMENT = "Đề nghị giữ lối đi cho người khuyết tật; liên hệ tôi qua 0912 345 678."


def main_text(page: Any) -> str:
    return str(page.locator("main").inner_text())


def receive_a_draft(page: Any, code: str) -> None:
    page.goto("/console/drafts")
    assert page.get_by_role("heading", level=1).inner_text() == "Phản biện xã hội"
    assert_accessible_on_a_phone_too(page)
    due = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=40)
    control(page, "Mã dự thảo").fill(code)
    control(page, "Tên dự thảo").fill(TITLE)
    control(page, "Loại").select_option(label="dự thảo nghị quyết, quyết định")
    # The officer's own level and ward are chosen already.
    assert control(page, "Cấp ban hành").input_value() == "ward"
    assert control(page, "Đơn vị hành chính").input_value() == "00070"
    control(page, "Cơ quan chủ trì soạn thảo").select_option(index=1)
    control(page, "Hình thức phản biện").select_option(label="hội nghị phản biện")
    control(page, "Hạn góp ý").fill(due.strftime("%Y-%m-%dT%H:%M"))
    control(page, "Các mục của dự thảo").fill(
        "Phạm vi điều chỉnh: Các tuyến phố trong phường.\nMức thu phí: 50.000 đồng/m²/tháng."
    )
    page.get_by_role("button", name="Tiếp nhận dự thảo").click()
    page.wait_for_url(re.compile(r"/console/drafts/[0-9a-f-]{36}$"))
    assert page.get_by_role("status").inner_text() == "Đã tiếp nhận dự thảo."
    assert page.get_by_role("heading", name="Mục 2. Mức thu phí").is_visible()
    assert "đang lấy ý kiến" in main_text(page)
    assert_accessible_on_a_phone_too(page)


def comment(page: Any, section: str, text: str) -> float:
    """Fills the comment form as a citizen does; returns when the page was opened."""
    opened = time.monotonic()
    control(page, "Mục góp ý").select_option(label=section)
    control(page, "Nội dung góp ý").fill(text)
    return opened


def send(page: Any, opened: float) -> None:
    # No person writes a comment within seconds of opening the page: the form refuses that.
    wait = antibot.MIN_FILL_SECONDS + 0.2 - (time.monotonic() - opened)
    if wait > 0:
        page.wait_for_timeout(wait * 1000)
    page.get_by_role("button", name="Gửi góp ý").click()


def test_a_citizens_comment_is_moderated_and_the_criticism_issued(
    page: Any, login_as: LoginAs, browser: Any, live_server: str
) -> None:
    code = f"DT-B-{uuid.uuid4().hex[:6].upper()}"
    login_as(page, "mttq.hoankiem")
    receive_a_draft(page, code)
    draft_url = page.url
    page.get_by_role("button", name="mở lấy ý kiến Nhân dân").click()
    page.wait_for_url(draft_url)
    assert "đang lấy ý kiến Nhân dân" in main_text(page)

    with open_page(browser, live_server) as citizen:
        citizen.goto("/gop-y-du-thao")
        assert citizen.get_by_role("heading", level=1).inner_text() == "Góp ý dự thảo văn bản"
        assert_accessible_on_a_phone_too(citizen)
        citizen.get_by_role("link", name=TITLE).click()
        citizen.wait_for_url(f"**/gop-y-du-thao/{code}")
        assert citizen.get_by_role("heading", name="Mục 1. Phạm vi điều chỉnh").is_visible()
        assert "Chưa có ý kiến nào được đăng." in main_text(citizen)
        assert_accessible_on_a_phone_too(citizen)
        send(citizen, comment(citizen, "Mục 2. Mức thu phí", COMMENT))
        citizen.wait_for_url(f"**/gop-y-du-thao/{code}")
        assert citizen.get_by_role("status").inner_text() == (
            "Cảm ơn bạn: ý kiến sẽ được đăng sau khi Mặt trận xem xét."
        )
        assert "Đề nghị giữ lối đi" not in main_text(citizen)  # not before moderation
        assert_accessible_on_a_phone_too(citizen)

        # The officer sees it waiting in the list and on the draft, and shows it.
        page.goto("/console/drafts")
        row = page.get_by_role("row", name=re.compile(code))
        assert row.get_by_role("cell").last.inner_text() == "1"  # one comment waiting
        page.goto(draft_url)
        row = page.get_by_role("row", name=re.compile("Nhân dân · Góp ý mục 2"))
        assert "Đề nghị giữ lối đi" in row.inner_text()
        assert "chờ duyệt" in row.inner_text()
        row.get_by_role("button", name="Hiển thị").click()
        page.wait_for_url(draft_url)
        assert page.get_by_role("status").inner_text() == "Đã thực hiện."
        row = page.get_by_role("row", name=re.compile("Nhân dân · Góp ý mục 2"))
        assert "hiển thị" in row.inner_text()
        assert row.get_by_role("button", name="Ẩn").is_visible()

        citizen.reload()
        shown = citizen.locator("ul.comments").inner_text()
        assert "Đề nghị giữ lối đi cho người khuyết tật" in shown
        assert "Góp ý mục 2" in shown
        assert "Một người dân" in shown  # no name given
        assert "0912 345 678" not in main_text(citizen)  # the number is hidden
        assert_accessible_on_a_phone_too(citizen)

    points = page.locator(f"form[action='{urlpath(draft_url)}/points']")
    control(points, "Mục góp ý").fill("2")
    control(points, "Nội dung").fill("Đề nghị dành tối thiểu 1,5 m vỉa hè cho người đi bộ.")
    points.get_by_role("button", name="Thêm nội dung phản biện").click()
    page.wait_for_url(draft_url)
    outcome = page.get_by_role("region", name=re.compile("^Nội dung phản biện"))
    assert "Đề nghị dành tối thiểu 1,5 m" in outcome.inner_text()
    assert "dự thảo" in outcome.inner_text()  # the point is still a draft
    assert_accessible_on_a_phone_too(page)

    issue = page.locator(f"form[action='{urlpath(draft_url)}/actions/issue']")
    control(issue, "Nội dung văn bản phản biện").fill("Văn bản phản biện dự thảo nghị quyết.")
    control(issue, "Người ký").fill("Phạm Thu Hà")
    control(issue, "Chức vụ người ký").fill("Chủ tịch Ủy ban MTTQ phường")
    issue.get_by_role("button", name="ban hành văn bản phản biện").click()
    page.wait_for_url(draft_url)
    text = main_text(page)
    assert "đã gửi văn bản phản biện" in text
    assert re.search(r"văn bản số \d+/PB-MTTQ", text)
    assert "đã gửi cơ quan" in outcome.inner_text()
    # Issued: nothing more is gathered.
    assert not page.get_by_role("button", name="Nhập ý kiến").count()
    assert_accessible_on_a_phone_too(page)


def urlpath(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_a_bots_comment_is_refused(page: Any) -> None:
    page.goto(f"/gop-y-du-thao/{DEMO_DRAFT_CODE}")
    opened = comment(page, "Toàn bộ dự thảo", "Mua hàng giá rẻ tại đây.")
    # What a form-filling bot does: every input, the hidden one too.
    page.locator("input[name=website]").fill("http://spam.example", force=True)
    send(page, opened)
    assert "Không thể nhận biểu mẫu này." in page.get_by_role("alert").inner_text()
    assert control(page, "Nội dung góp ý").input_value() == "Mua hàng giá rẻ tại đây."
    assert_accessible_on_a_phone_too(page)
    page.goto(f"/gop-y-du-thao/{DEMO_DRAFT_CODE}")
    assert "Mua hàng giá rẻ" not in main_text(page)


def test_a_comment_without_text_says_so_next_to_its_control(page: Any) -> None:
    page.goto(f"/gop-y-du-thao/{DEMO_DRAFT_CODE}")
    send(page, comment(page, "Toàn bộ dự thảo", ""))
    text = control(page, "Nội dung góp ý")
    assert text.get_attribute("aria-invalid") == "true"
    assert page.locator("#f-text-error").is_visible()
    assert_accessible_on_a_phone_too(page)
