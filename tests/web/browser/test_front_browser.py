"""The Front officer's queue and petition page in a real Chromium: the ward officer's day
(accept, refer), what they may not see, a stale decision, a denunciation and the audited
reveal, the CSRF refusal, and axe on both pages at desktop and phone width."""

import io
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from service.demo_accounts import DEMO_API_KEY, DEMO_PASSWORD
from tests.factories import BA_DINH
from tests.petitions.conftest import IDENTIFIED, petition_body
from tests.web.browser.conftest import assert_accessible

LoginAs = Callable[..., None]
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def api(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server) as client:
        yield client


def file_petition(api: httpx.Client, **overrides: Any) -> dict[str, Any]:
    """A petition filed through the API by the demo's citizen app."""
    response = api.post(
        "/api/v1/petitions",
        json=petition_body(**overrides),
        headers={"X-API-Key": DEMO_API_KEY, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def opened(page: Any, api: httpx.Client, action: str = "", **overrides: Any) -> dict[str, Any]:
    """A new petition, open on the page (with ``action``'s form)."""
    petition = file_petition(api, **overrides)
    page.goto(f"/console/queue/{petition['id']}?action={action}")
    return petition


@pytest.fixture
def officer(page: Any, login_as: LoginAs) -> Any:
    """The page, logged in as the Front officer of Hoàn Kiếm ward."""
    login_as(page, "mttq.hoankiem")
    return page


def as_staff(api: httpx.Client, username: str) -> dict[str, str]:
    login = api.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def test_the_ward_officer_accepts_and_refers(officer: Any, api: httpx.Client) -> None:
    page = officer
    title = "Cống thoát nước phố Hàng Gai bị tắc"
    petition = file_petition(api, title=title, latitude=21.03, longitude=105.85)
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Hàng đợi"
    ).click()
    page.get_by_label("Tìm kiếm").fill("cong thoat nuoc hang gai")
    page.get_by_role("button", name="Lọc").click()
    page.get_by_role("link", name=petition["tracking_code"]).click()
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert page.get_by_role("img", name="Vị trí trong địa bàn Hà Nội").is_visible()
    assert "ngày làm việc" in page.locator(".deadline-clock").inner_text()
    page.get_by_role("link", name="Tiếp nhận", exact=True).click()
    page.get_by_role("button", name="Xác nhận tiếp nhận").click()
    assert page.get_by_role("status").inner_text() == "Đã tiếp nhận hồ sơ."
    page.get_by_role("link", name="Chuyển cơ quan xử lý").click()
    assert page.get_by_label("Cơ quan nhận").input_value()  # the suggestion, chosen
    page.get_by_label("Ghi chú cho cơ quan").fill("Đề nghị kiểm tra trong tuần.")
    page.get_by_role("button", name="Xác nhận chuyển").click()
    assert page.get_by_role("status").inner_text() == "Đã chuyển hồ sơ đến cơ quan xử lý."
    assert "đã chuyển cơ quan" in page.locator(".petition-facts").inner_text()
    assert "UBND phường Hoàn Kiếm" in page.locator(".petition-facts").inner_text()


def test_another_wards_petition_is_404(officer: Any, api: httpx.Client) -> None:
    page = officer
    elsewhere = file_petition(api, unit_code=BA_DINH, title="Đèn đường phố Quán Thánh hỏng")
    answer = page.goto(f"/console/queue/{elsewhere['id']}")
    assert answer.status == 404
    assert elsewhere["tracking_code"] not in page.content()


def test_a_stale_version_shows_the_conflict(officer: Any, api: httpx.Client) -> None:
    page = officer
    petition = opened(page, api, "reject", title="Vỉa hè phố Hàng Bạc bị lấn chiếm")
    page.get_by_label("Lý do từ chối (bắt buộc)").select_option("other")
    page.get_by_label("Lý do (bắt buộc)", exact=True).fill("Đã có hồ sơ khác cùng nội dung")
    # Meanwhile the city's Front officer accepts it.
    headers = as_staff(api, "mttq.thanhpho")
    current = api.get(f"/api/v1/petitions/{petition['id']}", headers=headers)
    accepted = api.post(
        f"/api/v1/petitions/{petition['id']}/accept",
        json={},
        headers={**headers, "If-Match": current.headers["etag"]},
    )
    assert accepted.status_code == 200, accepted.text
    with page.expect_response("**/actions/reject") as answer:
        page.get_by_role("button", name="Xác nhận từ chối").click()
    assert answer.value.status == 412
    alert = page.get_by_role("alert").first.inner_text()
    assert "Người khác đã thay đổi hồ sơ" in alert
    assert "đang phân loại" in alert  # what changed
    assert (
        page.get_by_label("Lý do (bắt buộc)", exact=True).input_value()
        == "Đã có hồ sơ khác cùng nội dung"
    )
    assert_accessible(page)


def test_a_denunciation_shows_no_identity_and_the_reveal_is_audited(
    officer: Any, api: httpx.Client
) -> None:
    page = officer
    signed = f"Tôi là {IDENTIFIED['full_name']}, cán bộ địa chính phường nhận tiền."
    denunciation = opened(
        page,
        api,
        kind="denunciation",
        category="officials_conduct",
        petitioner=IDENTIFIED,
        title="Tố cáo cán bộ địa chính nhận tiền",
        description=signed,
    )
    for value in IDENTIFIED.values():
        assert value not in page.content()
    assert "được giữ bí mật" in page.locator("main").inner_text()
    page.get_by_label("Lý do cần biết danh tính (bắt buộc)").fill(
        "Xác minh nhân thân người tố cáo theo Điều 28"
    )
    page.get_by_role("button", name="Xem danh tính (có ghi nhật ký)").click()
    assert IDENTIFIED["full_name"] in page.locator(".revealed").inner_text()
    assert "Xem danh tính người tố cáo" in page.locator(".timeline").inner_text()
    page.goto(f"/console/queue/{denunciation['id']}")
    assert IDENTIFIED["full_name"] not in page.content()


def test_a_decision_without_its_csrf_token_is_refused(officer: Any, api: httpx.Client) -> None:
    page = officer
    opened(page, api, "accept", title="Rác thải tập kết sai nơi quy định")
    page.evaluate("document.querySelector('#action-form input[name=_csrf_token]').remove()")
    with page.expect_response("**/actions/accept") as answer:
        page.get_by_role("button", name="Xác nhận tiếp nhận").click()
    assert answer.value.status == 403
    assert "Biểu mẫu đã hết hạn" in page.locator("main").inner_text()


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 80, 40)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_queue_and_the_petition_page_are_accessible(
    page: Any, login_as: LoginAs, api: httpx.Client, viewport: Any
) -> None:
    petition = file_petition(api, title="Cây xanh đổ chắn lối đi", latitude=21.02, longitude=105.84)
    url = f"/api/v1/track/{petition['tracking_code']}/evidence?filename=cay-do.jpg"
    secret = {"X-Tracking-Secret": petition["tracking_secret"]}
    api.post(url, content=_photo(), headers=secret).raise_for_status()
    if viewport:
        page.set_viewport_size(viewport)
    login_as(page, "mttq.hoankiem")
    page.goto("/console/queue?tab=all")
    assert_accessible(page)
    page.goto(f"/console/queue/{petition['id']}?action=refer")
    preview = page.get_by_role("img", name="Ảnh xem trước: cay-do.jpg")
    preview.scroll_into_view_if_needed()  # a lazy image loads when it comes into view
    preview.evaluate(
        "(img) => img.complete || new Promise((done) => img.addEventListener('load', done))"
    )
    assert preview.evaluate("(img) => img.naturalWidth") > 0
    assert_accessible(page)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_tabs_and_pages_swap_the_results_with_htmx(officer: Any, api: httpx.Client) -> None:
    page = officer
    file_petition(api, title="Tiếng ồn karaoke ban đêm")
    page.goto("/console/queue")
    with page.expect_response("**/console/queue?tab=all*") as answer:
        page.get_by_role("link", name="Tất cả").click()
    assert answer.value.request.headers.get("hx-request") == "true"
    page.wait_for_url("**/console/queue?tab=all*")
    assert page.locator("#queue-results [aria-current=page]").inner_text().startswith("Tất cả")
