"""What looking at the screenshots (scripts/console_screenshots.py) found, kept fixed: the
console's styles at desktop width (three phone-width blocks of the stylesheet were left open,
so a desktop had none of the queue's, petition page's, oversight's or dashboard's rules), the
queue's results not boxed in, the console's sections in rows on a phone, buttons that look
like buttons, and the admin's list of accounts in words rather than codes."""

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from service.demo_accounts import DEMO_API_KEY
from tests.petitions.conftest import petition_body

LoginAs = Callable[..., None]
PHONE = {"width": 390, "height": 844}


def _style(page: Any, locator: Any, name: str) -> str:
    return str(locator.evaluate(f"(node) => getComputedStyle(node).{name}"))


def test_the_queue_has_its_styles_at_desktop_width(
    page: Any, login_as: LoginAs, live_server: str
) -> None:
    # One petition of its own: the results table is drawn only when the queue is not empty,
    # and this file may run alone on a fresh database.
    filed = httpx.post(
        f"{live_server}/api/v1/petitions",
        json=petition_body(),
        headers={"X-API-Key": DEMO_API_KEY, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert filed.status_code == 201, filed.text
    page.set_viewport_size({"width": 1280, "height": 800})
    login_as(page, "mttq.hoankiem")
    page.goto("/console/queue")
    search = page.get_by_label("Tìm kiếm")
    kind = page.get_by_label("Loại đơn")
    # The filters side by side in their grid, not one under another down the page.
    assert kind.bounding_box()["width"] < search.bounding_box()["width"] / 2
    tab = page.get_by_role("link", name="Tất cả")
    assert _style(page, tab, "display") == "block"  # a tab, not an inline link
    # The page of results is not clipped to a small box scrolled inside the page.
    assert _style(page, page.locator("#queue-results .table-scroll"), "maxHeight") == "none"


def test_the_console_sections_wrap_in_rows_on_a_phone(page: Any, login_as: LoginAs) -> None:
    page.set_viewport_size(PHONE)
    login_as(page, "admin")  # the longest list of sections
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    first, second = (nav.get_by_role("link").nth(n).bounding_box() for n in (0, 1))
    assert first["y"] == second["y"]  # side by side
    header = page.locator("header").first.bounding_box()
    assert header["height"] < PHONE["height"] / 3
    for link in nav.get_by_role("link").all():
        assert link.bounding_box()["height"] >= 24  # WCAG 2.5.8's smallest target


def test_an_unstyled_button_still_looks_like_one(page: Any, login_as: LoginAs) -> None:
    login_as(page, "admin")
    page.goto("/console/admin/users")
    create = page.get_by_role("button", name="Tạo tài khoản")
    assert _style(page, create, "borderTopStyle") == "solid"
    assert _style(page, create, "backgroundColor") == "rgb(255, 255, 255)"


def test_the_accounts_list_says_roles_and_areas_in_words(page: Any, login_as: LoginAs) -> None:
    login_as(page, "admin")
    page.goto("/console/admin/users")
    table = page.get_by_role("table")
    row = table.get_by_role("row", name="mttq.hoankiem")
    assert "Cán bộ Mặt trận" in row.inner_text()
    assert "Phường Hoàn Kiếm" in row.inner_text()
    text = table.inner_text()
    for code in ("front_officer", "agency_officer", "council_reader", "supervisor", "00070"):
        assert code not in text
