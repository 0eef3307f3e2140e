"""The console and the portal in a real Chromium (see conftest.py for the harness)."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from service.auth.models import Role
from service.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from service.i18n import label
from tests.web.browser.conftest import assert_accessible

LoginAs = Callable[..., None]
PHONE = {"width": 360, "height": 740}


def test_login_and_logout(page: Any, login_as: LoginAs) -> None:
    page.goto("/console/password")
    assert page.url.endswith("/console/login?next=%2Fconsole%2Fpassword")
    page.get_by_label("Tên đăng nhập").fill("mttq.hoankiem")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/console/password")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/console/login")
    assert page.get_by_role("status").inner_text() == "Bạn đã đăng xuất."
    page.goto("/console")
    assert page.url.endswith("/console/login")


def test_a_wrong_password_is_said_next_to_the_form(page: Any) -> None:
    page.goto("/console/login")
    page.get_by_label("Tên đăng nhập").fill("mttq.hoankiem")
    page.get_by_label("Mật khẩu").fill("not the password")
    page.get_by_role("button", name="Đăng nhập").click()
    assert "Sai tên đăng nhập hoặc mật khẩu." in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Tên đăng nhập").input_value() == "mttq.hoankiem"
    assert page.get_by_label("Mật khẩu").input_value() == ""


@pytest.mark.parametrize("target", ["https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example"])
def test_next_to_another_site_is_refused(page: Any, live_server: str, target: str) -> None:
    page.goto(f"/console/login?next={target}")
    page.get_by_label("Tên đăng nhập").fill("mttq.thanhpho")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/console")
    assert page.url == f"{live_server}/console"


def test_deactivation_through_the_api_cuts_the_console(
    page: Any, login_as: LoginAs, live_server: str
) -> None:
    login_as(page, "giamsat.hoankiem")
    with httpx.Client(base_url=live_server) as api:
        token = api.post(
            "/api/v1/auth/login", json={"username": "admin", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        users = api.get("/api/v1/admin/users", headers=headers).json()
        target = next(user for user in users if user["username"] == "giamsat.hoankiem")
        path = f"/api/v1/admin/users/{target['id']}"
        assert api.patch(path, json={"active": False}, headers=headers).status_code == 200
        try:
            page.reload()
            assert "/console/login" in page.url
        finally:
            api.patch(path, json={"active": True}, headers=headers).raise_for_status()


def test_a_form_without_its_csrf_token_is_refused(page: Any) -> None:
    page.goto("/console/login")
    page.evaluate("document.querySelector('main input[name=_csrf_token]').remove()")
    page.get_by_label("Tên đăng nhập").fill("mttq.hoankiem")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    with page.expect_response("**/console/login") as answer:
        page.get_by_role("button", name="Đăng nhập").click()
    assert answer.value.status == 403
    assert "Biểu mẫu đã hết hạn" in page.locator("main").inner_text()


def test_the_language_switch(page: Any) -> None:
    page.goto("/console/login")
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/console/login")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Tiếng Việt").click()
    assert page.locator("html").get_attribute("lang") == "vi"


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda account: account.username)
def test_console_home_per_role(page: Any, login_as: LoginAs, account: Any) -> None:
    login_as(page, account.username)
    main = page.locator("main").inner_text()
    assert account.full_name in main
    assert label(Role(account.role), "vi") in main
    assert ("Phường Hoàn Kiếm" in main) == (account.unit_code == "00070")
    assert ("Cấp thành phố" in main) == (account.unit_code is None)


def test_pages_are_accessible(page: Any, login_as: LoginAs) -> None:
    page.goto("/")
    assert_accessible(page)
    page.goto("/console/login")
    assert_accessible(page)
    page.get_by_role("button", name="Đăng nhập").click()  # the form with its errors
    assert_accessible(page)
    login_as(page, "mttq.hoankiem")
    assert_accessible(page)
    page.goto("/console/password")
    assert_accessible(page)


def test_the_skip_link_is_the_first_stop_and_reaches_the_content(page: Any) -> None:
    page.goto("/console/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Chuyển đến nội dung chính"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("path", ["/", "/console/login", "/console"])
def test_phone_width_has_no_horizontal_scroll(
    browser: Any, live_server: str, login_as: LoginAs, path: str
) -> None:
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="vi-VN")
    try:
        view = context.new_page()
        if path == "/console":
            login_as(view, "ubnd.hoankiem")
        view.goto(path)
        overflow = view.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
    finally:
        context.close()


def test_htmx_runs_under_the_csp_and_sends_the_csrf_header(page: Any, login_as: LoginAs) -> None:
    """htmx is loaded on every page, configured by the meta tag (no inline style of its own);
    the page fixture fails on any CSP violation the browser reports."""
    login_as(page, "mttq.hoankiem")
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("htmx.config.allowEval") is False
    # A request htmx sends carries the CSRF token from <body hx-headers>: a POST passes it.
    with page.expect_response("**/console/logout") as answer:
        page.evaluate("htmx.ajax('POST', '/console/logout', {target: 'main', swap: 'none'})")
    assert answer.value.status in (200, 303)
    page.goto("/console")
    assert "/console/login" in page.url
