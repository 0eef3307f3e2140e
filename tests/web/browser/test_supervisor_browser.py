"""The supervisor's console in a real Chromium: a plan taken from draft to an open session
through its page, then the live session with two supervisors at once (an entry typed by one
appears for the other within 2 s; a dropped stream resumes without loss or repeat), evidence
uploaded by the browser to S3 (moto) with its SHA-256 shown, the seal and its verification.

The app here runs with the S3 store (the package's ``s3_server``, shared with the journey)."""

import hashlib
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.demo_accounts import DEMO_PASSWORD
from tests.web.browser.conftest import assert_accessible, open_page

LoginAs = Callable[..., None]
PHONE = {"width": 360, "height": 740}
SECOND = "giamsat2.hoankiem"
OTHER_WARD = "mttq.badinh"
# A small PDF (the store sniffs the type from the bytes).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _token(api: httpx.Client, username: str) -> dict[str, str]:
    answer = api.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _new_plan(api: httpx.Client) -> dict[str, Any]:
    """A draft plan of the Hoàn Kiếm ward by ``giamsat.hoankiem`` (its head) with the second
    supervisor as a member, through the API."""
    admin = _token(api, "admin")
    users = {u["username"]: u["id"] for u in api.get("/api/v1/admin/users", headers=admin).json()}
    head = _token(api, "giamsat.hoankiem")
    agencies = api.get("/api/v1/directory/agencies?unit=00070", headers=head).json()["items"]
    agency = next(a for a in agencies if a["code"] == "ubnd-00070")
    created = api.post(
        "/api/v1/oversight/plans",
        json={
            "code": f"KH-GS-{uuid.uuid4().hex[:8]}",
            "subject": "Giám sát việc giải quyết kiến nghị về trật tự xây dựng",
            "legal_basis": "Luật MTTQ Việt Nam, Điều 27",
            "form": "delegation",
            "unit_code": "00070",
            "period_start": date.today().isoformat(),
            "period_end": date(date.today().year + 1, 12, 31).isoformat(),
            "agency_ids": [agency["id"]],
            "members": [
                {"user_id": users["giamsat.hoankiem"], "role": "head"},
                {"user_id": users[SECOND], "role": "member"},
            ],
        },
        headers=head,
    )
    created.raise_for_status()
    return dict(created.json())


@pytest.fixture(scope="module")
def accounts(s3_server: str) -> None:
    """The second supervisor of the ward, and a Front officer of another ward (Ba Đình)."""
    with httpx.Client(base_url=s3_server) as api:
        admin = _token(api, "admin")
        for username, full_name, role, unit in (
            (SECOND, "Vũ Văn Giang (Ban TTND)", "supervisor", "00070"),
            (OTHER_WARD, "Đỗ Thị Hạnh (MTTQ phường Ba Đình)", "front_officer", "00004"),
        ):
            api.post(
                "/api/v1/admin/users",
                json={
                    "username": username,
                    "full_name": full_name,
                    "password": DEMO_PASSWORD,
                    "role": role,
                    "unit_code": unit,
                },
                headers=admin,
            ).raise_for_status()


@pytest.fixture(scope="module")
def plan(s3_server: str, accounts: None) -> dict[str, Any]:
    """A draft plan: the first test takes it to a live session through the pages."""
    with httpx.Client(base_url=s3_server) as api:
        return _new_plan(api)


@pytest.fixture(scope="module")
def open_session(s3_server: str, accounts: None) -> str:
    """The path of an open session of another plan, set up entirely through the API."""
    with httpx.Client(base_url=s3_server) as api:
        draft = _new_plan(api)
        head, approver = _token(api, "giamsat.hoankiem"), _token(api, "mttq.hoankiem")
        plan_path = f"/api/v1/oversight/plans/{draft['id']}"
        submitted = api.post(
            f"{plan_path}/actions/submit", headers={**head, "If-Match": f'"{draft["version"]}"'}
        )
        submitted.raise_for_status()
        api.post(
            f"{plan_path}/actions/approve",
            headers={**approver, "If-Match": f'"{submitted.json()["version"]}"'},
        ).raise_for_status()
        scheduled = api.post(
            f"{plan_path}/sessions",
            json={
                "title": "Phiên tiếp xúc trực tuyến",
                "mode": "online",
                "scheduled_start": "2026-12-03T08:00:00+07:00",
                "meeting_link": "https://meet.example.vn/gs-02",
            },
            headers=head,
        )
        scheduled.raise_for_status()
        session_id = scheduled.json()["id"]
        api.post(
            f"/api/v1/oversight/sessions/{session_id}/actions/open",
            headers={**head, "If-Match": f'"{scheduled.json()["version"]}"'},
        ).raise_for_status()
        api.post(
            f"/api/v1/oversight/sessions/{session_id}/log",
            json={"kind": "statement", "text": "Khai mạc phiên tiếp xúc"},
            headers=head,
        ).raise_for_status()
        return f"/console/oversight/sessions/{session_id}"


def _click(page: Any, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def test_plan_to_live_session_with_two_supervisors(
    browser: Any, s3_server: str, login_as: LoginAs, plan: dict[str, Any], tmp_path: Path
) -> None:
    plan_path = f"/console/oversight/plans/{plan['id']}"
    with open_page(browser, s3_server) as head:
        login_as(head, "giamsat.hoankiem")
        head.goto("/console/oversight")
        assert_accessible(head)
        head.get_by_role("link", name=plan["code"]).click()
        head.wait_for_url(f"**{plan_path}")
        assert "Vũ Văn Giang (Ban TTND)" in head.locator("main").inner_text()
        _click(head, "trình duyệt")
        assert head.get_by_role("status").inner_text() == "Đã thực hiện."

    with open_page(browser, s3_server) as approver:
        login_as(approver, "mttq.hoankiem")
        approver.goto(plan_path)
        _click(approver, "phê duyệt")
        assert approver.locator("#plan-state").inner_text() == "đã phê duyệt"

    with open_page(browser, s3_server) as head, open_page(browser, s3_server) as second:
        login_as(head, "giamsat.hoankiem")
        head.goto(plan_path)
        head.locator("summary", has_text="Lên lịch buổi giám sát").click()
        head.get_by_label("Tên buổi giám sát").fill("Phiên làm việc trực tuyến với UBND phường")
        head.get_by_label("Hình thức họp").select_option("online")
        head.get_by_label("Thời gian bắt đầu").fill("2026-12-02T09:00")
        head.get_by_label("Đường dẫn họp trực tuyến").fill("https://meet.example.vn/gs-01")
        head.get_by_role("button", name="Lên lịch buổi giám sát").click()
        head.wait_for_load_state()
        assert_accessible(head)
        head.get_by_role("link", name="Phiên làm việc trực tuyến với UBND phường").click()
        head.wait_for_url("**/console/oversight/sessions/*")
        assert "02/12/2026 09:00" in head.locator("main").inner_text()
        _click(head, "mở")
        assert head.locator("#session-state").inner_text() == "đang diễn ra"
        session_path = head.url.removeprefix(s3_server)

        login_as(second, SECOND)
        second.goto(session_path)
        assert_accessible(second)

        # An entry typed by one appears for the other within 2 s, without reloading.
        head.locator("#entry-text").fill("Khai mạc buổi giám sát")
        started = time.monotonic()
        head.get_by_role("button", name="Ghi vào biên bản").click()
        second.locator("#log").get_by_text("Khai mạc buổi giám sát").wait_for(timeout=2000)
        assert time.monotonic() - started < 2
        # ... and for the writer too, by the same stream; the box is fresh again.
        head.locator("#log").get_by_text("Khai mạc buổi giám sát").wait_for(timeout=2000)
        assert head.locator("#entry-text").input_value() == ""

        # A dropped stream resumes from the last entry seen: nothing lost, nothing twice.
        second.context.set_offline(True)
        for text in ("UBND phường báo cáo", "Đoàn giám sát chất vấn"):
            head.locator("#entry-text").fill(text)
            head.get_by_role("button", name="Ghi vào biên bản").click()
            head.locator("#log").get_by_text(text).wait_for(timeout=2000)
        second.context.set_offline(False)
        second.locator("#log").get_by_text("Đoàn giám sát chất vấn").wait_for(timeout=10_000)
        seqs = second.locator("#log li").evaluate_all("items => items.map(i => i.dataset.seq)")
        assert seqs == ["1", "2", "3"]

        # Evidence: uploaded by the browser straight to S3, its SHA-256 shown once checked.
        evidence = tmp_path / "bien-ban-ky.pdf"
        evidence.write_bytes(PDF)
        second.get_by_label("Tệp chứng cứ").set_input_files(str(evidence))
        second.get_by_role("button", name="Tải lên").click()
        digest = hashlib.sha256(PDF).hexdigest()
        second.get_by_role("status").filter(has_text=digest).wait_for(timeout=10_000)
        assert second.locator("#upload-progress").get_attribute("value") == "100"
        assert digest in second.locator("#evidence-list").inner_text()

        # Close, seal, and the verification says the record is intact.
        _click(head, "kết thúc")
        _click(head, "niêm phong")
        assert head.locator("#session-state").inner_text() == "đã niêm phong"
        verification = head.locator("#verification").inner_text()
        assert "Niêm phong còn nguyên vẹn" in verification
        assert digest in head.locator("#evidence-list").inner_text()
        assert_accessible(head)


def test_another_wards_session_is_404(
    browser: Any, s3_server: str, login_as: LoginAs, open_session: str
) -> None:
    with open_page(browser, s3_server) as view:
        login_as(view, "mttq.thanhpho")  # city level: every ward's plans
        assert view.goto(open_session).status == 200
        login_as(view, OTHER_WARD)
        assert view.goto(open_session).status == 404
        main = view.locator("main").inner_text()
        assert "Không tìm thấy phiên giám sát này." in main, main
        assert "Khai mạc phiên tiếp xúc" not in main


def test_oversight_pages_at_phone_width(
    browser: Any, s3_server: str, login_as: LoginAs, plan: dict[str, Any], open_session: str
) -> None:
    with open_page(browser, s3_server, viewport=PHONE) as view:
        login_as(view, "giamsat.hoankiem")
        for path in ("/console/oversight", f"/console/oversight/plans/{plan['id']}", open_session):
            view.goto(path)
            assert_accessible(view)
            overflow = view.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, path
