"""The agency inbox and the Front review in a real Chromium: the agency officer acknowledges
and answers with an attachment, the Front officer returns it with a comment, the agency sees
the comment and submits again, the Front accepts and publishes after the preview; another
agency's referral is a 404; a stale form says so; axe on every page, desktop and phone."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from service.demo_accounts import DEMO_API_KEY, DEMO_PASSWORD
from service.i18n import label
from service.replies.models import ReferralState
from tests.petitions.conftest import IDENTIFIED, petition_body
from tests.storage import samples
from tests.web.browser.conftest import assert_accessible

LoginAs = Callable[..., None]
PHONE = {"width": 360, "height": 740}
TITLE = "Ngập nước đường Hàng Bông sau mưa"


def refer(
    live_server: str, agency_code: str = "ubnd-00070", title: str = TITLE, **body: Any
) -> str:
    """What the portal and the queue do before the inbox: a petition filed by the demo app,
    accepted and referred by the ward Front to ``agency_code``; the referral's id."""
    with httpx.Client(base_url=live_server) as api:
        filed = api.post(
            "/api/v1/petitions",
            json=petition_body(
                title=title, petitioner=dict(IDENTIFIED), consent_to_publish=True, **body
            ),
            headers={"X-API-Key": DEMO_API_KEY, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert filed.status_code == 201, filed.text
        token = api.post(
            "/api/v1/auth/login", json={"username": "mttq.hoankiem", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        front = {"Authorization": f"Bearer {token}"}
        agencies = api.get("/api/v1/directory/agencies", params={"limit": 200}, headers=front)
        agency = next(a for a in agencies.json()["items"] if a["code"] == agency_code)
        url = f"/api/v1/petitions/{filed.json()['id']}"
        for action, body in (
            ("accept", {}),
            ("refer", {"agency_id": agency["id"], "reason": "Thuộc thẩm quyền giải quyết"}),
        ):
            tag = api.get(url, headers=front).headers["etag"]
            done = api.post(f"{url}/{action}", json=body, headers={**front, "If-Match": tag})
            assert done.status_code == 200, done.text
        referral_id: str = done.json()["referral_id"]
        return referral_id


def test_answer_return_resubmit_publish(page: Any, login_as: LoginAs, live_server: str) -> None:
    referral_id = refer(live_server)

    # The agency officer: the inbox, the referral, thụ lý.
    login_as(page, "ubnd.hoankiem")
    page.get_by_role("link", name="Hộp thư cơ quan").first.click()
    assert_accessible(page)
    # The filters swap the results in place (htmx), and the address keeps them.
    page.get_by_label("Trạng thái").select_option("sent")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**/console/inbox?state=sent")
    assert page.get_by_role("heading", level=1).count() == 1
    page.locator(f'a[href="/console/inbox/{referral_id}"]').click()
    page.wait_for_url(f"**/console/inbox/{referral_id}")
    assert "Nguyễn Văn An" not in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_label("Số thụ lý của cơ quan").fill("15/UBND-HK")
    page.get_by_role("button", name="Thụ lý", exact=True).click()
    assert page.get_by_role("status").inner_text() == "Đã thụ lý vụ việc."

    # The signed answer as PDF, then the draft with it, then submission.
    page.get_by_label("Chọn tệp").set_input_files(
        {"name": "tra-loi.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()}
    )
    page.get_by_role("button", name="Tải lên").click()
    assert page.get_by_role("status").inner_text() == "Đã tải tệp lên."
    page.get_by_label("Kết quả").select_option("resolved")
    page.get_by_label("Nội dung trả lời").fill(
        "UBND phường đã nạo vét cống thoát nước trước số 12 Hàng Bông."
    )
    page.get_by_label("Số văn bản").fill("45/UBND-HK")
    page.get_by_label("Ngày văn bản").fill("2026-11-30")
    page.get_by_label("Họ tên người ký").fill("Lê Văn Cường")
    page.get_by_label("Chức vụ người ký").fill("Phó Chủ tịch UBND phường")
    page.get_by_label("tra-loi.pdf").check()
    page.get_by_role("button", name="Lưu dự thảo").click()
    assert page.get_by_role("status").inner_text() == "Đã lưu dự thảo trả lời."
    assert_accessible(page)  # the draft form with its attachment
    page.get_by_role("button", name="Gửi trả lời", exact=True).click()
    assert page.get_by_role("status").inner_text() == "Đã gửi trả lời cho Mặt trận."

    # The Front officer returns it with a comment.
    login_as(page, "mttq.hoankiem")
    page.goto("/console/review")
    assert_accessible(page)
    page.locator(f'a[href="/console/review/{referral_id}"]').click()
    assert_accessible(page)
    assert page.get_by_role("link", name="tra-loi.pdf").count() == 1
    page.get_by_label("Ý kiến gửi cơ quan").fill("Đề nghị nêu rõ thời gian hoàn thành.")
    page.get_by_role("button", name="Trả lại trả lời").click()
    assert page.get_by_role("status").inner_text() == "Đã trả lại trả lời cho cơ quan."

    # The agency sees the comment; the draft starts from the returned answer.
    login_as(page, "ubnd.hoankiem")
    page.goto(f"/console/inbox/{referral_id}")
    feedback = page.get_by_role("region", name="Ý kiến của Mặt trận về trả lời")
    assert "Đề nghị nêu rõ thời gian hoàn thành." in feedback.inner_text()
    assert page.get_by_label("Số văn bản").input_value() == "45/UBND-HK"
    text = page.get_by_label("Nội dung trả lời")
    text.fill(text.input_value() + " Hoàn thành ngày 05/12/2026.")
    page.get_by_role("button", name="Lưu dự thảo").click()
    page.get_by_role("button", name="Gửi trả lời", exact=True).click()
    assert page.get_by_role("status").inner_text() == "Đã gửi trả lời cho Mặt trận."

    # The Front accepts, reads the public text as it will be published, then publishes.
    login_as(page, "mttq.hoankiem")
    page.goto(f"/console/review/{referral_id}")
    page.get_by_role("button", name="Chấp nhận", exact=True).click()
    preview = page.get_by_role("region", name="Xem trước bản công khai")
    assert "Hoàn thành ngày 05/12/2026." in preview.inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Công bố", exact=True).click()
    assert page.get_by_role("status").inner_text() == "Đã công bố trả lời."
    state = page.locator(".facts .state").first.inner_text()
    assert state == label(ReferralState.published, "vi")


def test_a_stale_form_and_another_agencys_referral(
    page: Any, login_as: LoginAs, live_server: str
) -> None:
    ours = refer(live_server, title="Đèn đường hỏng ở phố Hàng Gai")
    theirs = refer(live_server, agency_code="ubnd-00004", title="Rác thải ở Ba Đình")
    login_as(page, "ubnd.hoankiem")
    response = page.goto(f"/console/inbox/{theirs}")
    assert response.status == 404
    assert_accessible(page)  # the error page

    page.goto(f"/console/inbox/{ours}")
    other_tab = page.context.new_page()
    other_tab.goto(f"/console/inbox/{ours}")
    other_tab.get_by_label("Số thụ lý của cơ quan").fill("20/UBND-HK")
    other_tab.get_by_role("button", name="Thụ lý", exact=True).click()
    other_tab.close()
    # This tab still shows the referral as it was: its form is stale.
    page.get_by_label("Lý do").last.fill("Không thuộc thẩm quyền của phường")
    page.get_by_role("button", name="Từ chối vụ việc").click()
    alert = page.locator(".conflict")
    assert "Vụ việc đã thay đổi" in alert.inner_text()
    assert "20/UBND-HK" in page.locator(".facts").first.inner_text()  # as it is now
    assert_accessible(page)


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("ubnd.hoankiem", "/console/inbox"),
        ("ubnd.hoankiem", "/console/inbox/{id}"),
        ("mttq.hoankiem", "/console/review"),
        ("mttq.hoankiem", "/console/review/{id}"),
    ],
)
def test_the_pages_at_phone_width(
    page: Any, live_server: str, login_as: LoginAs, username: str, path: str
) -> None:
    referral_id = refer(live_server, title="Vỉa hè bị lấn chiếm ở phố Hàng Đào")
    page.set_viewport_size(PHONE)
    login_as(page, username)
    assert page.goto(path.format(id=referral_id)).status == 200
    if "{id}" in path:
        assert "Vỉa hè bị lấn chiếm" in page.get_by_role("heading", level=1).inner_text()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert_accessible(page)


def test_a_denouncer_is_revealed_only_by_an_explicit_audited_step(
    page: Any, login_as: LoginAs, live_server: str
) -> None:
    referral_id = refer(
        live_server,
        title="Tố cáo cán bộ địa chính nhận tiền",
        kind="denunciation",
        category="officials_conduct",
    )
    login_as(page, "ubnd.hoankiem")
    page.goto(f"/console/inbox/{referral_id}")
    assert IDENTIFIED["full_name"] not in page.content()
    assert_accessible(page)
    page.get_by_label("Lý do cần biết danh tính").fill(
        "Xác minh nhân thân người tố cáo theo Điều 28 Luật Tố cáo"
    )
    page.get_by_role("button", name="Xem danh tính").click()
    assert IDENTIFIED["full_name"] in page.locator("main").inner_text()
    assert_accessible(page)
    page.goto(f"/console/inbox/{referral_id}")
    assert IDENTIFIED["full_name"] not in page.content()
