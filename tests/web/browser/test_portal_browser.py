"""The public portal in a real Chromium: a citizen files with a photo and gets the code and
secret once, follows the petition, sees the published answer and rates it; the honeypot
refuses; a printed report is checked; axe on every portal page at desktop and phone width.
(The rules a browser cannot see are in tests/web/test_portal*.py.)"""

import re
import time
from typing import Any

import httpx
import pytest

from service.demo_accounts import DEMO_PASSWORD
from service.web.public import antibot
from tests.web.browser.conftest import assert_accessible

PHONE = {"width": 360, "height": 740}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81"
    b"\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
TITLE = "Cống thoát nước ngõ 5 Hàng Bông bị tắc"
PHONE_NUMBER = "0912 345 678"


def fill_petition(page: Any) -> float:
    """Fills the form as a citizen does; returns when the form was opened."""
    page.goto("/gui-kien-nghi")
    opened = time.monotonic()
    page.get_by_label("Phản ánh", exact=True).check()
    page.get_by_label("Lĩnh vực").select_option(label="Môi trường, vệ sinh")
    page.get_by_label("Phường, xã").select_option(label="Phường Hoàn Kiếm")
    page.get_by_label("Tiêu đề").fill(TITLE)
    page.get_by_label("Nội dung").fill("Nước thải tràn ra ngõ mỗi khi mưa, bốc mùi.")
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Hoa")
    page.get_by_label("Số điện thoại").fill(PHONE_NUMBER)
    page.get_by_label("Ảnh, tài liệu kèm theo").set_input_files(
        [{"name": "cong-tac.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_label(re.compile("^Tôi đồng ý cho Mặt trận")).check()
    page.get_by_label(re.compile("^Tôi đồng ý công khai")).check()
    return opened


def send(page: Any, opened: float) -> None:
    # No person sends a petition within seconds of opening it: the form refuses that.
    wait = antibot.MIN_FILL_SECONDS + 0.2 - (time.monotonic() - opened)
    if wait > 0:
        page.wait_for_timeout(wait * 1000)
    page.get_by_role("button", name="Gửi kiến nghị").click()


def fact(page: Any, name: str) -> str:
    return str(page.locator(f"dt:text-is('{name}') + dd").inner_text())


def publish_through_the_api(live_server: str, code: str) -> None:
    """The ward Front accepts and routes it, the ward People's Committee answers, the Front
    publishes (the console's own pages are other briefs' tests)."""
    with httpx.Client(base_url=live_server) as api:

        def login(username: str) -> dict[str, str]:
            answer = api.post(
                "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}
            )
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        def post(url: str, headers: dict[str, str], etag: str, body: Any = None) -> Any:
            answer = api.post(url, json=body or {}, headers={**headers, "If-Match": etag})
            assert answer.status_code == 200, (url, answer.text)
            return answer

        front, agency = login("mttq.hoankiem"), login("ubnd.hoankiem")
        [found] = api.get("/api/v1/petitions", params={"q": code}, headers=front).json()["items"]
        url = f"/api/v1/petitions/{found['id']}"
        accepted = post(f"{url}/accept", front, api.get(url, headers=front).headers["etag"])
        referred = post(f"{url}/refer", front, accepted.headers["etag"])
        agency_url = f"/api/v1/agency/referrals/{referred.json()['referral_id']}"
        etag = api.get(agency_url, headers=agency).headers["etag"]
        acknowledged = post(f"{agency_url}/acknowledge", agency, etag, {"agency_reference": "7"})
        draft = api.put(
            f"{agency_url}/answer",
            json={
                "outcome": "resolved",
                "text": f"Đã thông cống. Người phản ánh gọi {PHONE_NUMBER} nếu còn tắc.",
                "document_number": "52/UBND-HK",
                "document_date": "2026-11-30",
                "signer_name": "Lê Văn Cường",
                "signer_title": "Phó Chủ tịch UBND phường",
            },
            headers={**agency, "If-Match": acknowledged.headers["etag"]},
        )
        assert draft.status_code == 200, draft.text
        submitted = post(f"{agency_url}/answer/submit", agency, draft.headers["etag"])
        front_url = agency_url.replace("/agency/referrals/", "/referrals/")
        accepted = post(f"{front_url}/answer/accept", front, submitted.headers["etag"])
        post(f"{front_url}/publish", front, accepted.headers["etag"])


def test_file_with_a_photo_track_see_the_answer_and_rate_it(page: Any, live_server: str) -> None:
    opened = fill_petition(page)
    assert_accessible(page)
    send(page, opened)
    page.wait_for_url("**/gui-kien-nghi/bien-nhan")
    code, secret = fact(page, "Mã tra cứu"), fact(page, "Mã bí mật")
    assert re.fullmatch(r"HN-\d{4}-\d{6}", code)
    assert len(secret) >= 20
    assert fact(page, "Tệp đã gửi") == "1"
    assert page.get_by_role("button", name="In biên nhận").is_visible()  # portal.js ran
    assert_accessible(page)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()  # the print stylesheet
    page.emulate_media(media="screen")
    # Shown once: a reload no longer has it.
    page.reload()
    assert secret not in page.locator("main").inner_text()

    page.goto("/tra-cuu")
    assert_accessible(page)
    page.get_by_label("Mã tra cứu").fill(code)
    page.get_by_label("Mã bí mật").fill(secret)
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_url(f"**/tra-cuu/{code}")
    assert TITLE in page.locator("main").inner_text()
    assert "cong-tac.png" in page.locator("main").inner_text()
    assert_accessible(page)

    publish_through_the_api(live_server, code)
    page.reload()
    assert "Đã thông cống." in page.locator("main").inner_text()
    page.get_by_label("Hài lòng", exact=True).check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url(f"**/tra-cuu/{code}")
    assert page.get_by_role("status").inner_text() == "Cảm ơn bạn đã đánh giá."
    assert "Bạn đã đánh giá: hài lòng." in page.locator("main").inner_text()
    assert_accessible(page)

    # On the public pages the answer shows without the citizen's name or number.
    page.goto("/tra-loi")
    assert_accessible(page)
    page.get_by_label("Phường, xã").select_option(label="Phường Ba Đình")  # htmx: no reload
    page.wait_for_url("**/tra-loi?*unit_code=00004*")
    assert not page.get_by_role("link", name=TITLE).count()
    page.get_by_label("Phường, xã").select_option(label="Phường Hoàn Kiếm")
    page.wait_for_url("**/tra-loi?*unit_code=00070*")
    page.get_by_role("link", name=TITLE).first.click()
    text = page.locator("main").inner_text()
    assert "Đã thông cống." in text
    assert PHONE_NUMBER not in text
    assert "Nguyễn Thị Hoa" not in text
    assert_accessible(page)
    page.goto("/")  # the latest answers on the home page
    assert page.get_by_role("link", name=TITLE).first.is_visible()
    assert_accessible(page)


def test_the_honeypot_refuses(page: Any) -> None:
    opened = fill_petition(page)
    # What a form-filling bot does: every input, the hidden one too.
    page.locator("input[name=website]").fill("http://spam.example", force=True)
    send(page, opened)
    assert "Không thể nhận biểu mẫu này." in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Tiêu đề").input_value() == TITLE
    assert_accessible(page)


def test_an_unknown_report_code_and_a_wrong_secret_say_so(page: Any) -> None:
    page.goto("/xac-minh")
    assert_accessible(page)
    page.get_by_label("Mã xác thực").fill("ZZZZ-ZZZZ")
    page.get_by_role("button", name="Xác minh").click()
    assert page.locator("#f-ma-error").is_visible()
    assert_accessible(page)
    page.goto("/tra-cuu")
    page.get_by_label("Mã tra cứu").fill("HN-2026-999999")
    page.get_by_label("Mã bí mật").fill("wrong")
    page.get_by_role("button", name="Tra cứu").click()
    assert "Không tìm thấy đơn" in page.get_by_role("alert").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", "/gui-kien-nghi", "/tra-cuu", "/tra-loi", "/xac-minh"])
def test_portal_pages_on_a_phone(page: Any, path: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(path)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert_accessible(page)
