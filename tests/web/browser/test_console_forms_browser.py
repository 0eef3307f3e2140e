"""The console's newer forms in a real Chromium: the reclassify form's denounced fields follow
the chosen kind (a script, under the CSP), and a new supervision plan from the list; axe on
both pages."""

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from service.demo_accounts import DEMO_API_KEY
from tests.petitions.conftest import IDENTIFIED, petition_body
from tests.web.browser.conftest import assert_accessible

LoginAs = Callable[..., None]


@pytest.fixture(scope="module")
def api(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server) as client:
        yield client


def test_the_denounced_fields_follow_the_chosen_kind(
    page: Any, login_as: LoginAs, api: httpx.Client
) -> None:
    filed = api.post(
        "/api/v1/petitions",
        json=petition_body(petitioner=dict(IDENTIFIED)),
        headers={"X-API-Key": DEMO_API_KEY, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert filed.status_code == 201, filed.text
    login_as(page, "mttq.hoankiem")
    page.goto(f"/console/queue/{filed.json()['id']}?action=reclassify")
    group = page.locator("fieldset.field-group")
    assert group.is_hidden()  # still feedback: nothing of it is sent
    page.get_by_label("Loại đơn").select_option("denunciation")
    assert group.is_visible()
    assert_accessible(page)
    agency = page.get_by_label("Cơ quan nơi người bị tố cáo công tác")
    agency.select_option(index=1)
    page.get_by_label("Chức vụ của người bị tố cáo").select_option("official")
    page.get_by_label("Lý do (bắt buộc)").fill("Nội dung là tố cáo cán bộ phường")
    page.get_by_role("button", name="Lưu phân loại").click()
    page.wait_for_load_state()
    assert "Đã lưu phân loại mới." in page.content()


def test_a_supervisor_creates_a_plan_from_the_list(page: Any, login_as: LoginAs) -> None:
    login_as(page, "giamsat.hoankiem")
    page.goto("/console/oversight")
    page.get_by_text("Lập kế hoạch giám sát", exact=True).first.click()  # the <summary>
    assert_accessible(page)
    code = f"KH-GS-{uuid.uuid4().hex[:6]}"
    page.get_by_label("Số hiệu").fill(code)
    page.get_by_label("Nội dung giám sát").fill("Giám sát việc thu gom rác thải sinh hoạt")
    page.get_by_label("Từ ngày").fill("2026-12-01")
    page.get_by_label("Đến ngày").fill("2027-02-28")
    page.get_by_label("Căn cứ").fill("Luật MTTQ Việt Nam 2015 (sửa đổi 2025), Điều 27")
    page.get_by_label("Cơ quan được giám sát").select_option(index=0)
    page.get_by_role("button", name="Lập kế hoạch giám sát").click()
    page.wait_for_load_state()
    assert "Đã lập dự thảo kế hoạch giám sát." in page.content()
    assert code in page.locator("h1").inner_text()
    assert_accessible(page)
