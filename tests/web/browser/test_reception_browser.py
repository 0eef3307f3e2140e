"""Online reception in a real Chromium: a citizen books a slot of the ward's schedule on the
portal and sees the appointment slip once (the same form sent again books nothing more);
the ward Front receives them in the console (identity check, record, outcome); a citizen
cancels with the code and secret; a bot's booking is refused by the honeypot. axe on every
page at desktop and phone width. (The rules a browser cannot see are in
tests/reception/test_portal.py and test_console.py.)"""

import re
import time
from collections.abc import Callable
from typing import Any

from service.web.public import antibot
from tests.reception.conftest import CCCD
from tests.web.browser.conftest import (
    assert_accessible_on_a_phone_too,
    control,
    open_page,
)

LoginAs = Callable[..., None]
SCHEDULE = "Tiếp công dân trực tuyến phường Hoàn Kiếm"  # the demo's (service.demo_data)
TOPIC = "Việc cấp phép xây dựng nhà số 12 Hàng Bông"


def fact(page: Any, name: str) -> str:
    return str(page.locator(f"dt:text-is('{name}') + dd").inner_text())


def main_text(page: Any) -> str:
    return str(page.locator("main").inner_text())


def fill_booking(page: Any, full_name: str) -> float:
    """Opens the ward's schedule and fills the form as a citizen does; returns when the form
    was opened."""
    page.goto("/tiep-cong-dan")
    page.get_by_role("region", name="Lịch tiếp công dân").get_by_role("link", name=SCHEDULE).click()
    page.wait_for_url("**/tiep-cong-dan?lich=*")
    opened = time.monotonic()
    assert page.get_by_role("heading", name=f"Đặt lịch: {SCHEDULE}").is_visible()
    control(page, "Khung giờ").select_option(index=1)  # the first free slot
    control(page, "Họ và tên").fill(full_name)
    control(page, "Số căn cước công dân").fill(CCCD)
    control(page, "Số điện thoại di động").fill("0912345678")
    control(page, "Nội dung muốn trình bày").fill(TOPIC)
    page.get_by_label(re.compile("^Tôi đồng ý cho Mặt trận Tổ quốc xử lý")).check()
    return opened


def book(page: Any, opened: float) -> None:
    # No person fills the form within seconds of opening it: the form refuses that.
    wait = antibot.MIN_FILL_SECONDS + 0.2 - (time.monotonic() - opened)
    if wait > 0:
        page.wait_for_timeout(wait * 1000)
    page.get_by_role("button", name="Đặt lịch", exact=True).click()


def form_values(page: Any) -> dict[str, str]:
    """What the booking form sends, as the browser would send it again."""
    return dict(
        page.evaluate(
            """() => Object.fromEntries(new FormData(
                document.querySelector("form[action='/tiep-cong-dan']")))"""
        )
    )


def test_a_citizen_books_and_the_front_receives_them(
    page: Any, login_as: LoginAs, browser: Any, live_server: str
) -> None:
    with open_page(browser, live_server) as citizen:
        citizen.goto("/tiep-cong-dan")
        assert citizen.get_by_role("heading", level=1).inner_text() == "Tiếp công dân trực tuyến"
        assert_accessible_on_a_phone_too(citizen)
        opened = fill_booking(citizen, "Đỗ Thị Lan")
        slot = citizen.locator("#f-starts_at option:checked").inner_text()
        assert_accessible_on_a_phone_too(citizen)
        sent = form_values(citizen)
        book(citizen, opened)
        citizen.wait_for_url("**/tiep-cong-dan/bien-nhan")
        assert citizen.get_by_role("heading", level=1).inner_text() == "Giấy hẹn tiếp công dân"
        code, secret = fact(citizen, "Mã lịch hẹn"), fact(citizen, "Mã bí mật")
        assert re.fullmatch(r"TCD-[A-Z0-9]{8}", code)
        assert len(secret) >= 20
        assert fact(citizen, "Khung giờ") == slot
        meeting = fact(citizen, "Đường dẫn phòng họp trực tuyến")
        assert meeting.startswith("https://")
        join = citizen.get_by_role("link", name="Vào phòng họp trực tuyến đúng giờ hẹn")
        assert join.get_attribute("href") == meeting
        assert citizen.get_by_role("button", name="In giấy hẹn").is_visible()  # portal.js ran
        assert "Mã bí mật chỉ hiển thị một lần" in main_text(citizen)
        assert CCCD not in main_text(citizen)
        assert_accessible_on_a_phone_too(citizen)
        # Shown once: a reload no longer has it.
        citizen.reload()
        assert secret not in main_text(citizen)
        assert "Giấy hẹn chỉ hiển thị một lần ngay sau khi đặt lịch." in main_text(citizen)
        # The same form sent again (a double click, a reload that re-posts) books nothing
        # more: the answer is the first booking's slip.
        again = citizen.request.post("/tiep-cong-dan", form=sent, max_redirects=0)
        assert again.status == 303
        citizen.goto("/tiep-cong-dan/bien-nhan")
        assert fact(citizen, "Mã lịch hẹn") == code

    login_as(page, "mttq.hoankiem")
    page.goto("/console/reception")
    assert page.get_by_role("heading", level=1).inner_text() == "Tiếp công dân trực tuyến"
    assert page.get_by_role("row", name=re.compile("Đỗ Thị Lan")).count() == 1  # booked once
    assert CCCD not in main_text(page)
    assert_accessible_on_a_phone_too(page)
    page.get_by_role("link", name=code).click()
    page.wait_for_url(re.compile(r"/console/reception/[0-9a-f-]{36}$"))
    booking_url = page.url
    assert fact(page, "Trạng thái") == "Đã đặt lịch"
    assert fact(page, "Nội dung muốn trình bày") == TOPIC
    assert "0912345678" not in main_text(page)  # the number is masked
    assert_accessible_on_a_phone_too(page)

    # The identity check: the number shown on camera must be the one booked with.
    control(page, "Số căn cước công dân xuất trình").fill("001203009999")
    control(page, "Giấy tờ xuất trình").fill("CCCD gắn chip")
    page.get_by_role("button", name="Bắt đầu tiếp").click()
    assert page.locator("#f-national_id-error").is_visible()
    assert control(page, "Số căn cước công dân xuất trình").get_attribute("aria-invalid") == "true"
    assert_accessible_on_a_phone_too(page)
    control(page, "Số căn cước công dân xuất trình").fill(CCCD)
    control(page, "Giấy tờ xuất trình").fill("CCCD gắn chip")
    page.get_by_role("button", name="Bắt đầu tiếp").click()
    page.wait_for_url(booking_url)
    assert page.get_by_role("status").inner_text() == "Đã cập nhật buổi tiếp."
    assert fact(page, "Trạng thái") == "Đang tiếp"
    assert_accessible_on_a_phone_too(page)

    control(page, "Biên bản").fill("Công dân hỏi về thủ tục cấp phép xây dựng.")
    page.get_by_role("button", name="Lưu biên bản").click()
    page.wait_for_url(booking_url)
    control(page, "Kết quả").select_option(label="Trả lời trực tiếp")
    control(page, "Nội dung trả lời / hướng dẫn").fill("Đã hướng dẫn hồ sơ xin phép tại chỗ.")
    page.get_by_role("button", name="Kết thúc buổi tiếp").click()
    page.wait_for_url(booking_url)
    assert fact(page, "Trạng thái") == "Đã tiếp"
    assert fact(page, "Biên bản") == "Công dân hỏi về thủ tục cấp phép xây dựng."
    assert "Trả lời trực tiếp" in fact(page, "Kết quả")
    assert not page.get_by_role("button", name="Bắt đầu tiếp").count()
    assert_accessible_on_a_phone_too(page)
    page.goto("/console/reception?status=completed")
    assert page.get_by_role("row", name=re.compile(code)).count() == 1
    assert_accessible_on_a_phone_too(page)


def test_a_citizen_cancels_with_the_code_and_secret(page: Any) -> None:
    book(page, fill_booking(page, "Vũ Văn Hùng"))
    page.wait_for_url("**/tiep-cong-dan/bien-nhan")
    code, secret = fact(page, "Mã lịch hẹn"), fact(page, "Mã bí mật")
    page.goto("/tiep-cong-dan")
    cancel = page.get_by_role("region", name="Hủy lịch đã đặt")
    control(cancel, "Mã lịch hẹn").fill(code)
    control(cancel, "Mã bí mật").fill("sai-ma-bi-mat-0000000000")
    cancel.get_by_role("button", name="Hủy lịch").click()
    assert (
        "Không tìm thấy lịch hẹn" in page.get_by_role("region", name="Hủy lịch đã đặt").inner_text()
    )
    assert_accessible_on_a_phone_too(page)
    cancel = page.get_by_role("region", name="Hủy lịch đã đặt")
    control(cancel, "Mã lịch hẹn").fill(code)
    control(cancel, "Mã bí mật").fill(secret)
    cancel.get_by_role("button", name="Hủy lịch").click()
    page.wait_for_url("**/tiep-cong-dan")
    assert page.get_by_role("status").inner_text() == "Đã hủy lịch hẹn."


def test_a_bots_booking_is_refused(page: Any) -> None:
    opened = fill_booking(page, "Lê Thị Mai")
    # What a form-filling bot does: every input, the hidden one too.
    page.locator("input[name=website]").fill("http://spam.example", force=True)
    book(page, opened)
    assert "Không thể nhận biểu mẫu này." in page.get_by_role("alert").inner_text()
    assert control(page, "Họ và tên").input_value() == "Lê Thị Mai"
    assert_accessible_on_a_phone_too(page)
