"""One petition from the portal to the published answer and its rating, through the pages
alone, in a real Chromium, on the real app, PostgreSQL and S3 (moto): the citizen files with
a photo and keeps the receipt; the ward Front officer finds it in the queue, sees the photo,
accepts it and refers it to the suggested agency; the ward People's Committee acknowledges,
answers and submits; the Front accepts and publishes after the preview; the portal shows the
redacted answer, and the citizen, tracking with the code and secret, reads it and rates it.

Each person has a browser context of their own (cookies apart), and each step uses what that
person sees: labels, roles and button texts. The steps the other browser tests cover in depth
(returns, conflicts, denunciations) are not repeated here."""

import io
import re
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from PIL import Image
from playwright.sync_api import expect

from service.settings import Settings
from service.storage.s3 import S3ObjectStore
from service.web.public import antibot
from tests.web.browser.conftest import assert_accessible, open_page

# A step's wait: the slowest here is the first page of a cold server on a busy 2-core machine.
STEP = 15_000
CITIZEN_NAME = "Đặng Thị Lan"
CITIZEN_PHONE = "0987 654 321"
ANSWER = (
    "UBND phường đã thay bóng đèn và kiểm tra đường dây trên phố Hàng Mành. "
    f"Bà {CITIZEN_NAME}, số {CITIZEN_PHONE}, xin báo lại nếu đèn còn hỏng."
)


def _photo(path: Path) -> Path:
    """A real small JPEG on disk, as a phone would send it."""
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 60, 120)).save(out, format="JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return path


def _fact(page: Any, name: str) -> str:
    """The value of a fact on the receipt (a description list: the term, then its value)."""
    return str(page.locator("dt", has_text=re.compile(f"^{name}$")).locator("+ dd").inner_text())


def _login(page: Any, username: str, password: str) -> None:
    page.goto("/console/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/console", timeout=STEP)


def _status(page: Any, text: str) -> None:
    """The page's confirmation of the step just done."""
    expect(page.get_by_role("status")).to_have_text(text, timeout=STEP)


def test_a_petition_from_the_portal_to_its_rated_answer(
    browser: Any, s3_server: str, s3_live_settings: Settings, tmp_path: Path
) -> None:
    from service.demo_accounts import DEMO_PASSWORD

    title = f"Đèn đường phố Hàng Mành không sáng ({uuid.uuid4().hex[:6]})"
    photo = _photo(tmp_path / "den-hong.jpg")

    with (
        open_page(browser, s3_server) as citizen,
        open_page(browser, s3_server) as front,
        open_page(browser, s3_server) as agency,
    ):
        # 1. The citizen files on the portal, with a photo through the file input.
        citizen.goto("/")
        citizen.get_by_role("link", name="Gửi kiến nghị").first.click()
        expect(citizen.get_by_role("heading", level=1)).to_be_visible(timeout=STEP)
        opened = time.monotonic()
        citizen.get_by_label("Phản ánh", exact=True).check()
        citizen.get_by_label("Lĩnh vực").select_option(label="Giao thông, hạ tầng")
        citizen.get_by_label("Phường, xã").select_option(label="Phường Hoàn Kiếm")
        citizen.get_by_label("Tiêu đề").fill(title)
        citizen.get_by_label("Nội dung").fill(
            "Cả dãy đèn đường trước số 20 Hàng Mành tắt từ một tuần nay, tối đi lại rất nguy hiểm."
        )
        citizen.get_by_label("Họ và tên").fill(CITIZEN_NAME)
        citizen.get_by_label("Số điện thoại").fill(CITIZEN_PHONE)
        citizen.get_by_label("Ảnh, tài liệu kèm theo").set_input_files(photo)
        citizen.get_by_label(re.compile("^Tôi đồng ý cho Mặt trận")).check()
        citizen.get_by_label(re.compile("^Tôi đồng ý công khai")).check()
        # The form refuses what is sent within seconds of opening it (a bot's speed).
        wait = antibot.MIN_FILL_SECONDS + 0.2 - (time.monotonic() - opened)
        if wait > 0:
            citizen.wait_for_timeout(wait * 1000)
        citizen.get_by_role("button", name="Gửi kiến nghị").click()
        citizen.wait_for_url("**/gui-kien-nghi/bien-nhan", timeout=STEP)
        code, secret = _fact(citizen, "Mã tra cứu"), _fact(citizen, "Mã bí mật")
        assert re.fullmatch(r"HN-\d{4}-\d{6}", code)
        assert len(secret) >= 20
        assert _fact(citizen, "Tệp đã gửi") == "1"

        # 2. The ward Front officer finds it in the queue and opens it.
        _login(front, "mttq.hoankiem", DEMO_PASSWORD)
        front.get_by_role("navigation", name="Điều hướng chính").get_by_role(
            "link", name="Hàng đợi"
        ).click()
        front.get_by_label("Tìm kiếm").fill(code)
        front.get_by_role("button", name="Lọc").click()
        assert_accessible(front)  # the queue's results for a search
        front.get_by_role("link", name=code).click()
        expect(front.get_by_role("heading", level=1)).to_have_text(title, timeout=STEP)
        # The photo's preview, made on the server from the bytes on S3.
        preview = front.get_by_role("img", name="Ảnh xem trước: den-hong.jpg")
        preview.scroll_into_view_if_needed()
        expect(preview).to_be_visible(timeout=STEP)
        preview.evaluate(
            "(img) => img.complete || new Promise((done) => img.addEventListener('load', done))"
        )
        assert preview.evaluate("(img) => img.naturalWidth") > 0
        # The citizen's identity is for the Front (a feedback, not a denunciation).
        assert CITIZEN_NAME in front.locator("main").inner_text()

        # 3. Accepts it, then refers it to the agency the routing rules suggest.
        front.get_by_role("link", name="Tiếp nhận", exact=True).click()
        front.get_by_role("button", name="Xác nhận tiếp nhận").click()
        _status(front, "Đã tiếp nhận hồ sơ.")
        assert_accessible(front)  # the petition page with its confirmation
        front.get_by_role("link", name="Chuyển cơ quan xử lý").click()
        suggested = front.get_by_label("Cơ quan nhận")
        expect(suggested.locator("option:checked")).to_have_text(
            "UBND phường Hoàn Kiếm", timeout=STEP
        )
        front.get_by_label("Ghi chú cho cơ quan").fill("Đề nghị khắc phục trong tuần.")
        assert_accessible(front)  # the refer form, open
        front.get_by_role("button", name="Xác nhận chuyển").click()
        _status(front, "Đã chuyển hồ sơ đến cơ quan xử lý.")

        # 4. The agency officer acknowledges, writes the answer and submits it.
        _login(agency, "ubnd.hoankiem", DEMO_PASSWORD)
        agency.get_by_role("link", name="Hộp thư cơ quan").first.click()
        agency.get_by_role("link", name=title).click()
        expect(agency.get_by_role("heading", level=1)).to_contain_text(title, timeout=STEP)
        # A referral carries the item, not the citizen: the agency sees no name or number.
        assert CITIZEN_NAME not in agency.locator("main").inner_text()
        assert CITIZEN_PHONE not in agency.locator("main").inner_text()
        agency.get_by_label("Số thụ lý của cơ quan").fill("31/UBND-HK")
        agency.get_by_role("button", name="Thụ lý", exact=True).click()
        _status(agency, "Đã thụ lý vụ việc.")
        assert_accessible(agency)  # the acknowledged referral with its empty answer form
        agency.get_by_label("Kết quả").select_option("resolved")
        agency.get_by_label("Nội dung trả lời").fill(ANSWER)
        agency.get_by_label("Số văn bản").fill("61/UBND-HK")
        agency.get_by_label("Ngày văn bản").fill("2026-12-01")
        agency.get_by_label("Họ tên người ký").fill("Lê Văn Cường")
        agency.get_by_label("Chức vụ người ký").fill("Phó Chủ tịch UBND phường")
        agency.get_by_role("button", name="Lưu dự thảo").click()
        _status(agency, "Đã lưu dự thảo trả lời.")
        agency.get_by_role("button", name="Gửi trả lời", exact=True).click()
        _status(agency, "Đã gửi trả lời cho Mặt trận.")

        # 5. The Front officer reviews: accepts, reads the public text, publishes.
        front.get_by_role("navigation", name="Điều hướng chính").get_by_role(
            "link", name="Duyệt trả lời"
        ).click()
        front.get_by_role("link", name=title).click()
        front.get_by_role("button", name="Chấp nhận", exact=True).click()
        preview_text = front.get_by_role("region", name="Xem trước bản công khai")
        expect(preview_text).to_contain_text("đã thay bóng đèn", timeout=STEP)
        # The preview is the redacted text: the citizen's name and number are gone.
        assert CITIZEN_PHONE not in preview_text.inner_text()
        assert CITIZEN_NAME not in preview_text.inner_text()
        front.get_by_role("button", name="Công bố", exact=True).click()
        _status(front, "Đã công bố trả lời.")
        assert_accessible(front)  # the published referral

        # 6. The portal's published answers show it, redacted.
        citizen.goto("/")
        citizen.get_by_role("navigation", name="Điều hướng chính").get_by_role(
            "link", name="Các trả lời đã công bố"
        ).click()
        citizen.get_by_role("link", name=title).first.click()
        main = citizen.locator("main")
        expect(main).to_contain_text("đã thay bóng đèn", timeout=STEP)
        assert CITIZEN_PHONE not in main.inner_text()
        assert CITIZEN_NAME not in main.inner_text()

        # 7. The citizen tracks it with the code and secret, reads the answer and rates it.
        citizen.get_by_role("navigation", name="Điều hướng chính").get_by_role(
            "link", name="Tra cứu kiến nghị"
        ).click()
        citizen.get_by_label("Mã tra cứu").fill(code)
        citizen.get_by_label("Mã bí mật").fill(secret)
        citizen.get_by_role("button", name="Tra cứu").click()
        citizen.wait_for_url(f"**/tra-cuu/{code}", timeout=STEP)
        answer = citizen.get_by_role("region", name="Trả lời của cơ quan")
        expect(answer).to_contain_text("đã thay bóng đèn", timeout=STEP)
        citizen.get_by_label("Hài lòng", exact=True).check()
        citizen.get_by_label("Ý kiến thêm").fill("Đèn đã sáng, cảm ơn phường.")
        citizen.get_by_role("button", name="Gửi đánh giá").click()
        _status(citizen, "Cảm ơn bạn đã đánh giá.")
        expect(citizen.locator("main")).to_contain_text("Bạn đã đánh giá: hài lòng.")
        assert not citizen.get_by_role("button", name="Gửi đánh giá").count()  # rated once
        assert_accessible(citizen)

    # What the pages said is what was recorded: the rating, and the photo's bytes on S3.
    with psycopg.connect(s3_live_settings.require_database_url()) as db:
        rating = db.execute(
            "SELECT r.state, r.satisfied, r.rating_comment FROM referral r"
            " JOIN petition p ON p.id = r.item_id WHERE p.tracking_code = %s",
            (code,),
        ).fetchone()
        # A satisfied citizen closes the referral.
        assert rating == ("closed", True, "Đèn đã sáng, cảm ơn phường.")
        [(object_key, size)] = db.execute(
            "SELECT e.object_key, e.size_bytes FROM evidence e"
            " JOIN petition_evidence pe ON pe.evidence_id = e.id"
            " JOIN petition p ON p.id = pe.petition_id WHERE p.tracking_code = %s",
            (code,),
        ).fetchall()
    assert size == photo.stat().st_size
    # The store's own client, blocking (this test runs outside any event loop).
    store = S3ObjectStore.from_settings(s3_live_settings)
    stored = store.client.stat_object(store.bucket, object_key)
    assert stored.size == size
