"""Login, refresh rotation, API keys, rate limits and role guards."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.auth.secrets import configure_password_hashing, hash_password, verify_password
from service.directory.models import Agency
from service.settings import Settings
from tests.factories import HOAN_KIEM, PASSWORD, create_api_client, create_user, login


async def test_login_gives_tokens_and_me(client: httpx.AsyncClient, admin: StaffUser) -> None:
    response = await client.post(
        "/api/v1/auth/login", json={"username": admin.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["username"] == admin.username
    assert "password_hash" not in me.json()


async def test_wrong_password_and_unknown_user_look_the_same(
    client: httpx.AsyncClient, admin: StaffUser
) -> None:
    wrong = await client.post(
        "/api/v1/auth/login", json={"username": admin.username, "password": "nope-nope"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"username": "ghost", "password": "nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_password_is_stored_as_argon2(admin: StaffUser) -> None:
    assert admin.password_hash.startswith("$argon2id$")


def test_default_password_cost_is_the_production_profile(settings: Settings) -> None:
    defaults = Settings()
    try:
        configure_password_hashing(
            time_cost=defaults.password_hash_time_cost,
            memory_kib=defaults.password_hash_memory_kib,
        )
        password_hash = hash_password("mật khẩu đủ dài")
    finally:
        configure_password_hashing(
            time_cost=settings.password_hash_time_cost,
            memory_kib=settings.password_hash_memory_kib,
        )
    assert password_hash.startswith("$argon2id$v=19$m=65536,t=3,")
    assert verify_password(password_hash, "mật khẩu đủ dài")


async def test_refresh_rotates_and_old_token_dies(
    client: httpx.AsyncClient, admin: StaffUser
) -> None:
    first = (
        await client.post(
            "/api/v1/auth/login", json={"username": admin.username, "password": PASSWORD}
        )
    ).json()
    second = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    replay = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 401


async def test_logout_revokes_refresh_tokens(client: httpx.AsyncClient, admin: StaffUser) -> None:
    tokens = (
        await client.post(
            "/api/v1/auth/login", json={"username": admin.username, "password": PASSWORD}
        )
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 200
    again = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert again.status_code == 401


async def test_garbage_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer abc.def.ghi"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_no_credentials_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_admin_routes_refuse_other_roles(
    client: httpx.AsyncClient, session: AsyncSession, agency: Agency
) -> None:
    for role in (Role.front_officer, Role.agency_officer, Role.supervisor, Role.council_reader):
        user = await create_user(
            session, role, agency=agency if role is Role.agency_officer else None
        )
        headers = await login(client, user)
        response = await client.get("/api/v1/admin/users", headers=headers)
        assert response.status_code == 403, role


async def test_admin_creates_a_ward_officer(client: httpx.AsyncClient, admin: StaffUser) -> None:
    headers = await login(client, admin)
    response = await client.post(
        "/api/v1/admin/users",
        headers=headers,
        json={
            "username": "canbo.hoankiem",
            "full_name": "Nguyễn Thị Lan",
            "password": "mat-khau-du-dai",
            "role": "front_officer",
            "unit_code": HOAN_KIEM,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["unit_code"] == HOAN_KIEM
    duplicate = await client.post(
        "/api/v1/admin/users",
        headers=headers,
        json={
            "username": "canbo.hoankiem",
            "full_name": "X",
            "password": "mat-khau-du-dai",
            "role": "front_officer",
        },
    )
    assert duplicate.status_code == 409


async def test_agency_officer_needs_an_agency(client: httpx.AsyncClient, admin: StaffUser) -> None:
    headers = await login(client, admin)
    response = await client.post(
        "/api/v1/admin/users",
        headers=headers,
        json={
            "username": "no.agency",
            "full_name": "X",
            "password": "mat-khau-du-dai",
            "role": "agency_officer",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "agency_id"


async def test_api_key_authenticates_a_client_not_staff_routes(
    client: httpx.AsyncClient, session: AsyncSession, admin: StaffUser
) -> None:
    api_client, key = await create_api_client(session)
    assert key.startswith("gs_")
    assert api_client.key_hash != key
    response = await client.get("/api/v1/auth/me", headers={"X-API-Key": key})
    assert response.status_code == 403
    bad = await client.get("/api/v1/auth/me", headers={"X-API-Key": key[:-2] + "xx"})
    assert bad.status_code == 401


async def test_api_key_rate_limit(client: httpx.AsyncClient, session: AsyncSession) -> None:
    _, key = await create_api_client(session, rate_limit=3)
    statuses = [
        (await client.get("/api/v1/auth/me", headers={"X-API-Key": key})).status_code
        for _ in range(4)
    ]
    assert statuses[:3] == [403, 403, 403]
    assert statuses[3] == 429


async def test_revoked_api_key_stops_working(
    client: httpx.AsyncClient, session: AsyncSession, admin: StaffUser
) -> None:
    api_client, key = await create_api_client(session)
    headers = await login(client, admin)
    revoke = await client.post(f"/api/v1/admin/api-clients/{api_client.id}/revoke", headers=headers)
    assert revoke.status_code == 200
    assert (await client.get("/api/v1/auth/me", headers={"X-API-Key": key})).status_code == 401


async def test_disabled_user_cannot_log_in(
    client: httpx.AsyncClient, session: AsyncSession, admin: StaffUser
) -> None:
    user = await create_user(session, Role.supervisor, unit_code=HOAN_KIEM)
    headers = await login(client, admin)
    await client.patch(f"/api/v1/admin/users/{user.id}", headers=headers, json={"active": False})
    response = await client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 401


async def test_nulls_for_required_fields_are_422(
    client: httpx.AsyncClient, session: AsyncSession, admin: StaffUser
) -> None:
    user = await create_user(session, Role.supervisor)
    headers = await login(client, admin)
    for field in ("role", "full_name", "password", "active"):
        response = await client.patch(
            f"/api/v1/admin/users/{user.id}", headers=headers, json={field: None}
        )
        assert response.status_code == 422, field
        assert response.json()["errors"][0]["field"] == field
