"""Pages over plain HTTP: locale, filters, errors, CSP, the catalogue behind the templates."""

import re
from datetime import UTC, date, datetime

import httpx
import pytest
from litestar import Litestar, Router, get
from litestar.testing import AsyncTestClient

from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.errors import Conflict, NotFound
from service.i18n import LOCALES, catalogue, msg
from service.web.nav import NAV, NavItem, console_nav
from service.web.pages import page_exception_handlers
from service.web.templating import TEMPLATES, environment, format_date, format_datetime
from service.web.templating import template_config as web_template_config
from tests.web.support import csrf_token


async def test_portal_home_is_vietnamese_and_passes_the_csp(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    assert "Cổng thông tin kiến nghị" in response.text
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    assert "<style" not in response.text
    assert " style=" not in response.text
    assert re.search(r'href="/static/web/site\.css\?v=[0-9a-f]{12}"', response.text)
    asset = re.search(r'src="(/static/vendor/htmx\.org@[^"]+)"', response.text)
    assert asset
    assert (await client.get(asset.group(1))).status_code == 200


async def test_language_from_accept_language_and_from_the_switch(
    client: httpx.AsyncClient,
) -> None:
    english = await client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text
    assert "petitions portal" in english.text
    home = await client.get("/")
    switched = await client.post(
        "/lang",
        data={"_csrf_token": csrf_token(home.text), "lang": "en", "next": "/console/login"},
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == "/console/login"
    login = await client.get("/console/login", headers={"Accept-Language": "vi"})
    assert '<html lang="en">' in login.text
    assert "Log in" in login.text
    # Not a path of this site: back to the home page; an unknown language changes nothing.
    away = await client.post(
        "/lang", data={"_csrf_token": csrf_token(home.text), "lang": "vi", "next": "//evil"}
    )
    assert away.headers["location"] == "/"
    odd = await client.post("/lang", data={"_csrf_token": csrf_token(home.text), "lang": "xx"})
    assert odd.status_code == 303
    assert "lang=xx" not in odd.headers.get("set-cookie", "")


def test_filters_write_dates_and_numbers_as_vietnam_does() -> None:
    moment = datetime(2026, 12, 31, 20, 5, tzinfo=UTC)  # already 1 January in Hanoi
    assert format_date(moment) == "01/01/2027"
    assert format_datetime(moment) == "01/01/2027 03:05"
    assert format_date(date(2026, 3, 9)) == "09/03/2026"
    env = environment()
    number = env.from_string("{{ 1234.5|number }}|{{ 1234567|number(0) }}")
    assert number.render(locale="vi") == "1.234,5|1.234.567"
    assert number.render(locale="en") == "1,234.5|1,234,567"


def test_every_code_in_the_templates_is_in_the_catalogue() -> None:
    code = re.compile(r"""_\(\s*["']([a-z0-9_.\-]+)["']\s*[,)]""")
    used = {
        match
        for path in TEMPLATES.rglob("*.html")
        for match in code.findall(path.read_text(encoding="utf-8"))
    }
    used |= {f"web.lang.{locale}" for locale in LOCALES}  # built in base.html
    assert len(used) > 20
    for locale in LOCALES:
        assert not used - set(catalogue(locale)), locale
    for item in NAV:
        assert all(item.label in catalogue(locale) for locale in LOCALES)


def test_the_nav_shows_only_built_sections_the_role_may_use() -> None:
    items = (
        NavItem("web.nav.queue", "/console/queue", frozenset({Role.front_officer})),
        NavItem("web.nav.agency_inbox", "/console/inbox", frozenset({Role.agency_officer})),
        NavItem("web.nav.admin", "/console/admin", frozenset()),
        NavItem("web.nav.reports", None, frozenset({Role.front_officer})),
    )

    def paths(role: Role) -> list[str | None]:
        principal = StaffPrincipal(user_id=__import__("uuid").uuid4(), username="x", role=role)
        return [item.path for item in console_nav(principal, items)]

    assert paths(Role.front_officer) == ["/console/queue"]
    assert paths(Role.agency_officer) == ["/console/inbox"]
    assert paths(Role.council_reader) == []
    assert paths(Role.admin) == ["/console/queue", "/console/inbox", "/console/admin"]


@get("/not-yours", sync_to_thread=False)
def _not_yours() -> None:
    raise NotFound(msg("petition_not_found"))


@get("/conflict", sync_to_thread=False)
def _conflict() -> None:
    raise Conflict(msg("http_403"))


@pytest.mark.parametrize(("path", "status"), [("/not-yours", 404), ("/conflict", 409)])
async def test_a_service_error_on_a_page_is_a_vietnamese_page(path: str, status: int) -> None:
    app = Litestar(
        route_handlers=[
            Router(
                path="/",
                route_handlers=[_not_yours, _conflict],
                exception_handlers=page_exception_handlers,
            )
        ],
        template_config=web_template_config(),
    )
    async with AsyncTestClient(app) as test_client:
        response = await test_client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "Không thực hiện được yêu cầu" in response.text


async def test_an_unknown_page_is_a_page_and_the_api_keeps_its_problems(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy nội dung" in page.text
    api = await client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


async def test_bad_input_on_a_page_is_never_a_500(client: httpx.AsyncClient) -> None:
    raw = await client.get("/console/login?next=%ff%fe%01")
    assert raw.status_code == 200
    assert 'name="next" value="/console"' in raw.text
    home = await client.get("/")
    token = csrf_token(home.text)
    for data in ({"lang": ["vi", "en"]}, {"lang": "\x00"}, {}):
        response = await client.post("/lang", data={"_csrf_token": token, **data})
        assert response.status_code < 500
    junk = await client.post(
        "/console/login",
        content=b"\xff\xfe=\x00",
        headers={"content-type": "application/x-www-form-urlencoded", "x-csrftoken": token},
    )
    assert junk.status_code < 500
