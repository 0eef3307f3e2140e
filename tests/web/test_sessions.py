"""The console's cookie session over plain HTTP: the rules a browser cannot see."""

import time
from dataclasses import replace

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import service as auth_service
from service.auth.models import Role, StaffUser
from service.auth.schemas import UserUpdate
from service.directory.models import AdminUnit
from service.settings import Settings
from service.web.sessions import COOKIE, CookieCodec, safe_next
from tests.factories import HOAN_KIEM, PASSWORD, create_user
from tests.factories import login as api_login
from tests.web.support import console_login, csrf_token


async def test_a_console_page_without_a_session_goes_to_the_login_with_next(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/console/password")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Fpassword"
    login = await client.get(response.headers["location"])
    assert login.status_code == 200
    assert 'name="next" value="/console/password"' in login.text


async def test_login_opens_the_console_with_an_opaque_httponly_lax_cookie(
    client: httpx.AsyncClient, officer: StaffUser
) -> None:
    response = await console_login(client, officer.username, next_path="/console/password")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/password"
    set_cookie = next(
        value for value in response.headers.get_list("set-cookie") if value.startswith(COOKIE)
    )
    lowered = set_cookie.lower()
    assert "httponly" in lowered
    assert "samesite=lax" in lowered
    assert "path=/console" in lowered
    value = client.cookies.get(COOKIE, path="/console")
    assert value
    assert officer.username not in value
    assert str(officer.id) not in value
    home = await client.get("/console")
    assert home.status_code == 200
    assert officer.full_name in home.text
    assert "cán bộ Mặt trận" in home.text


async def test_the_cookie_is_secure_outside_development(settings: Settings) -> None:
    from service.web.sessions import session_cookie

    assert not session_cookie(settings, "x").secure  # tests run as development
    production = settings.model_copy(update={"environment": "production"})
    assert session_cookie(production, "x").secure


async def test_a_wrong_password_is_said_on_the_page(
    client: httpx.AsyncClient, officer: StaffUser
) -> None:
    response = await console_login(client, officer.username, password="not the password")
    assert response.status_code == 422
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.text
    assert "not the password" not in response.text
    assert COOKIE not in response.headers.get("set-cookie", "")


async def test_empty_fields_are_reported_next_to_them(client: httpx.AsyncClient) -> None:
    response = await console_login(client, "", password="")
    assert response.status_code == 422
    assert response.text.count('class="field-error"') == 2


@pytest.mark.parametrize(
    "target",
    ["//evil.example/console", "https://evil.example/", "/\\evil.example", "/consolex", "/api/v1"],
)
async def test_next_never_leaves_the_console(
    client: httpx.AsyncClient, session: AsyncSession, target: str
) -> None:
    assert safe_next(target) == "/console"
    user = await create_user(session, Role.front_officer)
    response = await console_login(client, user.username, next_path=target)
    assert response.headers["location"] == "/console"


async def test_the_cookie_does_not_authenticate_the_api(
    client: httpx.AsyncClient, officer: StaffUser
) -> None:
    await console_login(client, officer.username)
    assert (await client.get("/console")).status_code == 200
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_logout_ends_the_session(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await create_user(session, Role.front_officer)
    await console_login(client, user.username)
    sealed = client.cookies.get(COOKIE, path="/console")
    home = await client.get("/console")
    response = await client.post("/console/logout", data={"_csrf_token": csrf_token(home.text)})
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    assert (await client.get("/console")).status_code == 303
    # The old cookie, replayed, is dead too: its AuthSession is revoked.
    client.cookies.set(COOKIE, sealed or "", path="/console")
    assert (await client.get("/console")).status_code == 303


@pytest.mark.parametrize(
    "change",
    [
        UserUpdate(active=False),
        UserUpdate(role=Role.council_reader),
        UserUpdate(password="an entirely new password"),
    ],
    ids=["deactivated", "role-changed", "password-reset"],
)
async def test_an_account_change_cuts_the_console_at_the_next_request(
    client: httpx.AsyncClient, session: AsyncSession, officer: StaffUser, change: UserUpdate
) -> None:
    await console_login(client, officer.username)
    assert (await client.get("/console")).status_code == 200
    await auth_service.update_user(session, officer.id, change)
    assert (await client.get("/console")).status_code == 303


async def test_an_api_session_revoked_is_the_console_session_revoked(
    client: httpx.AsyncClient, session: AsyncSession, officer: StaffUser
) -> None:
    """The console's session is an ``AuthSession`` like a token's: revoking the officer's
    sessions (what the API's admin and logout paths call) ends it."""
    from service.auth.models import SessionEnd

    await console_login(client, officer.username)
    await auth_service.revoke_sessions(session, SessionEnd.logout, user_id=officer.id)
    assert (await client.get("/console")).status_code == 303


async def test_idle_and_absolute_limits(
    client: httpx.AsyncClient, officer: StaffUser, settings: Settings
) -> None:
    await console_login(client, officer.username)
    codec = CookieCodec(settings.jwt_secret.get_secret_value())
    current = codec.open(client.cookies.get(COOKIE, path="/console") or "")
    assert current is not None
    now = time.time()
    idle = replace(current, seen_at=now - settings.console_idle_minutes * 60 - 1)
    old = replace(current, issued_at=now - settings.console_session_hours * 3600 - 1, seen_at=now)
    recent = replace(current, seen_at=now - 120)
    for value, status in ((idle, 303), (old, 303), (recent, 200)):
        client.cookies.set(COOKIE, codec.seal(value), path="/console")
        response = await client.get("/console")
        assert response.status_code == status
    # A request within the idle time renews it (seen a minute or more ago).
    renewed = codec.open(response.cookies.get(COOKIE) or "")
    assert renewed is not None
    assert renewed.seen_at > recent.seen_at


async def test_a_forged_cookie_is_no_session(client: httpx.AsyncClient) -> None:
    client.cookies.set(COOKIE, "bm90IGEgc2Vzc2lvbg==", path="/console")
    assert (await client.get("/console")).status_code == 303


async def test_a_form_without_its_csrf_token_is_refused_with_a_page(
    client: httpx.AsyncClient, officer: StaffUser
) -> None:
    await client.get("/console/login")  # the CSRF cookie, but no token in the form
    response = await client.post(
        "/console/login", data={"username": officer.username, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Biểu mẫu đã hết hạn" in response.text
    # The API is not concerned: no cookie authenticates it, so no token is asked.
    assert await api_login(client, officer)


async def test_password_change(
    client: httpx.AsyncClient, session: AsyncSession, hanoi: AdminUnit
) -> None:
    user = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
    await console_login(client, user.username)
    page = await client.get("/console/password")
    token = csrf_token(page.text)

    async def change(current: str, new: str) -> httpx.Response:
        return await client.post(
            "/console/password",
            data={"_csrf_token": token, "current_password": current, "new_password": new},
        )

    wrong = await change("not it", "a long enough password")
    assert wrong.status_code == 422
    assert "Mật khẩu hiện tại không đúng." in wrong.text
    short = await change(PASSWORD, "short")
    assert short.status_code == 422
    assert 'id="f-new_password-error"' in short.text
    done = await change(PASSWORD, "a long enough password")
    assert done.status_code == 303
    assert done.headers["location"] == "/console/login"
    # The flash of the change shows once, on the login page it went to.
    assert "Đã đổi mật khẩu" in (await client.get("/console/login")).text
    assert "Đã đổi mật khẩu" not in (await client.get("/console/login")).text
    assert (await client.get("/console")).status_code == 303
    assert (await console_login(client, user.username)).status_code == 422
    again = await console_login(client, user.username, password="a long enough password")
    assert again.status_code == 303
    assert "Phường Hoàn Kiếm" in (await client.get("/console")).text
