"""The admin console over HTTP: the admin API's rules through its services (a key shown once,
a revoked or rotated key refused at once, a deactivated account cut off), validation next to
the fields, and only admins let in."""

import re
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from service.auth.models import ApiClient, Role, StaffUser
from service.directory.models import AdminUnit, CalendarDay, UnitLevel
from tests.factories import HOAN_KIEM, PASSWORD, create_user, ensure_unit
from tests.web.support import console_login, csrf_token

ADMIN_PAGES = [
    "/console/admin",
    "/console/admin/users",
    "/console/admin/api-clients",
    "/console/admin/calendar",
    "/console/admin/routing",
    "/console/admin/jobs",
]


@pytest.fixture
async def admin_client(
    client: httpx.AsyncClient, session: AsyncSession, seeded: Any
) -> httpx.AsyncClient:
    admin = await create_user(session, Role.admin)
    response = await console_login(client, admin.username)
    assert response.status_code == 303
    return client


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, Any]
) -> httpx.Response:
    token = csrf_token((await client.get(page)).text)
    return await client.post(action, data={"_csrf_token": token, **data})


@pytest.mark.parametrize("role", [Role.front_officer, Role.council_reader, Role.supervisor])
async def test_only_admins(
    client: httpx.AsyncClient, session: AsyncSession, seeded: Any, role: Role
) -> None:
    user = await create_user(session, role)
    await console_login(client, user.username)
    for path in ADMIN_PAGES:
        assert (await client.get(path)).status_code == 403, path
    home = await client.get("/console")
    assert 'href="/console/admin"' not in home.text


async def test_every_admin_page_opens(admin_client: httpx.AsyncClient) -> None:
    for path in ADMIN_PAGES:
        page = await admin_client.get(path)
        assert page.status_code == 200, (path, page.text[:500])


async def test_create_a_user_then_deactivate_them(
    admin_client: httpx.AsyncClient, session: AsyncSession
) -> None:
    users = "/console/admin/users"
    created = await post_form(
        admin_client,
        users,
        users,
        {
            "username": "mttq.moi",
            "full_name": "Nguyễn Văn Mới",
            "password": PASSWORD,
            "role": "front_officer",
            "unit_code": HOAN_KIEM,
            "agency_id": "-",
        },
    )
    assert created.status_code == 303, created.text
    user = (
        await session.execute(select(StaffUser).where(StaffUser.username == "mttq.moi"))
    ).scalar_one()
    assert user.unit_code == HOAN_KIEM
    assert user.role == Role.front_officer

    other = httpx.AsyncClient(transport=admin_client._transport, base_url=admin_client.base_url)
    async with other:
        assert (await console_login(other, "mttq.moi")).status_code == 303
        assert (await other.get("/console")).status_code == 200
        page = f"{users}/{user.id}"
        assert (await post_form(admin_client, page, page, {"active": "false"})).status_code == 303
        await session.refresh(user)
        assert user.active is False
        # The API's rule: deactivation ends the account's sessions.
        assert (await other.get("/console")).status_code == 303


async def test_the_user_form_offers_the_citys_wards_only(
    admin_client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """The directory holds every province's communes; staff of this deployment are the
    city's, so the form lists Hanoi's (about 126), not the country's 3,321."""
    elsewhere = AdminUnit(
        code="26734",
        name="Phường Bến Thành",
        division_type="phường",
        level=UnitLevel.commune,
        codename="ben_thanh",
        parent_code="79",
    )
    await ensure_unit(session, "79", "Thành phố Hồ Chí Minh", province=True)
    session.add(elsewhere)
    await session.commit()
    page = await admin_client.get("/console/admin/users")
    assert page.status_code == 200
    assert f'<option value="{HOAN_KIEM}"' in page.text
    assert 'value="26734"' not in page.text


async def test_a_bad_user_form_is_said_next_to_its_fields(
    admin_client: httpx.AsyncClient,
) -> None:
    users = "/console/admin/users"
    page = await post_form(
        admin_client,
        users,
        users,
        {"username": "Có Dấu", "full_name": "", "password": "short", "role": "emperor"},
    )
    assert page.status_code == 422
    for name in ("username", "full_name", "password", "role"):
        assert f'id="f-{name}-error"' in page.text, name
    unknown = await post_form(
        admin_client,
        users,
        users,
        {
            "username": "ai.do",
            "full_name": "Ai Đó",
            "password": PASSWORD,
            "role": "front_officer",
            "unit_code": "99999",
        },
    )
    assert unknown.status_code == 422
    assert 'id="f-unit_code-error"' in unknown.text


async def test_an_api_key_is_shown_once_rotated_and_revoked(
    admin_client: httpx.AsyncClient, session: AsyncSession
) -> None:
    clients = "/console/admin/api-clients"
    created = await post_form(admin_client, clients, clients, {"name": "Cổng Zalo phường"})
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    key = re.search(r'id="new-key" class="secret" readonly value="([^"]+)"', created.text)
    assert key
    api_key = key.group(1)
    # A staff route: a working key is known and refused (403), a dead one unknown (401).
    assert (
        await admin_client.get("/api/v1/auth/me", headers={"X-API-Key": api_key})
    ).status_code == 403
    listing = await admin_client.get(clients)
    assert api_key not in listing.text  # never again

    client = (
        await session.execute(select(ApiClient).where(ApiClient.name == "Cổng Zalo phường"))
    ).scalar_one()
    rotated = await post_form(admin_client, clients, f"{clients}/{client.id}/rotate", {})
    assert rotated.status_code == 201
    new_key = re.search(r'id="new-key" class="secret" readonly value="([^"]+)"', rotated.text)
    assert new_key
    assert new_key.group(1) != api_key
    me = "/api/v1/auth/me"
    assert (await admin_client.get(me, headers={"X-API-Key": api_key})).status_code == 401
    assert (await admin_client.get(me, headers={"X-API-Key": new_key.group(1)})).status_code == 403

    revoked = await post_form(admin_client, clients, f"{clients}/{client.id}/revoke", {})
    assert revoked.status_code == 303
    assert (await admin_client.get(me, headers={"X-API-Key": new_key.group(1)})).status_code == 401
    again = await post_form(admin_client, clients, f"{clients}/{client.id}/rotate", {})
    assert again.status_code == 409


async def test_the_calendar_says_deadlines_are_recomputed_and_adds_a_day(
    admin_client: httpx.AsyncClient, session: AsyncSession
) -> None:
    calendar = "/console/admin/calendar"
    page = await admin_client.get(calendar, params={"year": 2027})
    assert "tính lại thời hạn" in page.text
    added = await post_form(
        admin_client,
        calendar,
        f"{calendar}/days",
        {"day": "2027-10-16", "kind": "working_day", "name": "Làm bù ngày nghỉ"},
    )
    assert added.status_code == 303, added.text
    assert await session.get(CalendarDay, date(2027, 10, 16))
    twice = await post_form(
        admin_client,
        calendar,
        f"{calendar}/days",
        {"day": "2027-10-16", "kind": "working_day", "name": "Làm bù ngày nghỉ"},
    )
    assert twice.status_code == 409  # the API's conflict, said on the form
    assert "Lịch làm việc đã có mục cho ngày 16/10/2027." in twice.text
    hours = await post_form(
        admin_client,
        calendar,
        f"{calendar}/office-hours",
        {"weekdays": ["1", "2", "3", "4", "5"], "periods": "08:00-11:30, 13:30-17:00"},
    )
    assert hours.status_code == 303, hours.text
    assert "08:00-11:30, 13:30-17:00" in (await admin_client.get(calendar)).text
    bad = await post_form(
        admin_client, calendar, f"{calendar}/office-hours", {"periods": "17:00-08:00"}
    )
    assert bad.status_code == 422
    assert 'id="f-weekdays-error"' in bad.text or 'id="f-periods-error"' in bad.text
    assert (await admin_client.get(calendar, params={"year": "99999"})).status_code == 422


async def test_a_form_without_its_csrf_token_is_refused(admin_client: httpx.AsyncClient) -> None:
    refused = await admin_client.post("/console/admin/api-clients", data={"name": "x"})
    assert refused.status_code == 403
