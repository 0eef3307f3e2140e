"""Revocation takes effect on the next request; a reused refresh token revokes its family."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar.security.jwt import Token
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.audit.models import AuditEvent
from service.auth.models import AuthSession, RefreshToken, Role, SessionEnd, StaffUser
from service.db import utcnow
from service.settings import Settings
from tests.factories import BA_DINH, HOAN_KIEM, PASSWORD, create_user

# Staff routes that read data without changing it (the report).
READ_ROUTES = ("/api/v1/auth/me", "/api/v1/reports", "/api/v1/petitions/dashboard")


async def _login(client: httpx.AsyncClient, user: StaffUser) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


async def _reads(client: httpx.AsyncClient, tokens: dict[str, Any]) -> list[int]:
    return [(await client.get(route, headers=_bearer(tokens))).status_code for route in READ_ROUTES]


@pytest.fixture
async def officer(session: AsyncSession, hanoi: Any) -> StaffUser:
    return await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)


class TestAccountChangesCutAccessOnTheNextRequest:
    @pytest.mark.parametrize(
        ("change", "reason"),
        [
            ({"active": False}, SessionEnd.deactivated),
            ({"role": "supervisor"}, SessionEnd.role_or_scope_changed),
            ({"unit_code": BA_DINH}, SessionEnd.role_or_scope_changed),
            ({"unit_code": None}, SessionEnd.role_or_scope_changed),
            ({"password": "another horse battery"}, SessionEnd.password_changed),
        ],
    )
    async def test_change_refuses_the_old_tokens(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        admin: StaffUser,
        officer: StaffUser,
        change: dict[str, Any],
        reason: SessionEnd,
    ) -> None:
        tokens = await _login(client, officer)
        assert await _reads(client, tokens) == [200, 200, 200]
        admin_headers = _bearer(await _login(client, admin))
        response = await client.patch(
            f"/api/v1/admin/users/{officer.id}", headers=admin_headers, json=change
        )
        assert response.status_code == 200, response.text
        assert await _reads(client, tokens) == [401, 401, 401]
        assert (await _refresh(client, tokens["refresh_token"])).status_code == 401
        sessions = (
            await session.execute(select(AuthSession).where(col(AuthSession.user_id) == officer.id))
        ).scalars()
        assert {(s.revoked_at is not None, s.revoked_reason) for s in sessions} == {(True, reason)}
        live = await session.execute(
            select(RefreshToken).where(
                col(RefreshToken.user_id) == officer.id, col(RefreshToken.revoked_at).is_(None)
            )
        )
        assert live.first() is None
        audit = await session.execute(
            select(AuditEvent).where(
                col(AuditEvent.action) == "staff_user.access_changed",
                col(AuditEvent.entity_id) == str(officer.id),
            )
        )
        assert audit.scalar_one().actor_id == str(admin.id)

    async def test_a_change_of_name_keeps_the_session(
        self, client: httpx.AsyncClient, admin: StaffUser, officer: StaffUser
    ) -> None:
        tokens = await _login(client, officer)
        admin_headers = _bearer(await _login(client, admin))
        await client.patch(
            f"/api/v1/admin/users/{officer.id}", headers=admin_headers, json={"full_name": "Lê B"}
        )
        assert await _reads(client, tokens) == [200, 200, 200]

    async def test_a_change_made_outside_the_api_is_seen_too(
        self, client: httpx.AsyncClient, session: AsyncSession, officer: StaffUser
    ) -> None:
        """The token's claims are checked against the row, not only against revocations."""
        tokens = await _login(client, officer)
        await session.execute(
            text("UPDATE staff_user SET unit_code = :unit WHERE id = :id"),
            {"unit": BA_DINH, "id": officer.id},
        )
        assert await _reads(client, tokens) == [401, 401, 401]
        # The session itself lives: a refresh hands out a token with the new area.
        fresh = await _refresh(client, tokens["refresh_token"])
        assert fresh.status_code == 200
        me = await client.get("/api/v1/auth/me", headers=_bearer(fresh.json()))
        assert me.json()["unit_code"] == BA_DINH
        await session.execute(
            text("UPDATE staff_user SET active = false WHERE id = :id"), {"id": officer.id}
        )
        assert await _reads(client, fresh.json()) == [401, 401, 401]

    async def test_a_token_without_a_session_is_refused(
        self, client: httpx.AsyncClient, settings: Settings, officer: StaffUser
    ) -> None:
        """As issued before sessions existed: valid signature, role claims, no ``sid``."""
        token = Token(
            sub=str(officer.id),
            exp=utcnow() + timedelta(minutes=5),
            extras={"username": officer.username, "role": "front_officer", "unit_code": HOAN_KIEM},
        ).encode(secret=settings.jwt_secret.get_secret_value(), algorithm="HS256")
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


class TestLogout:
    async def test_logout_cuts_this_session_at_once_and_only_this_one(
        self, client: httpx.AsyncClient, officer: StaffUser
    ) -> None:
        office, phone = await _login(client, officer), await _login(client, officer)
        logout = await client.post("/api/v1/auth/logout", headers=_bearer(office))
        assert logout.status_code == 200
        assert await _reads(client, office) == [401, 401, 401]
        assert (await _refresh(client, office["refresh_token"])).status_code == 401
        assert await _reads(client, phone) == [200, 200, 200]
        assert (await _refresh(client, phone["refresh_token"])).status_code == 200


class TestRefreshTokenReuse:
    async def test_reusing_a_spent_token_revokes_the_family_and_is_audited(
        self, client: httpx.AsyncClient, session: AsyncSession, officer: StaffUser
    ) -> None:
        first = await _login(client, officer)
        other_login = await _login(client, officer)
        second = await _refresh(client, first["refresh_token"])
        assert second.status_code == 200
        newer = second.json()
        assert await _reads(client, newer) == [200, 200, 200]

        reuse = await _refresh(client, first["refresh_token"])  # the spent one, e.g. stolen
        assert reuse.status_code == 401
        assert reuse.headers["content-type"].startswith("application/problem+json")

        # Every token of the family is dead: the newer refresh token and its access token.
        assert (await _refresh(client, newer["refresh_token"])).status_code == 401
        assert await _reads(client, newer) == [401, 401, 401]
        assert await _reads(client, first) == [401, 401, 401]
        # Another login of the same person is another family.
        assert await _reads(client, other_login) == [200, 200, 200]

        event = (
            await session.execute(
                select(AuditEvent).where(col(AuditEvent.action) == "auth.refresh_token_reused")
            )
        ).scalar_one()
        revoked = await session.get(AuthSession, uuid.UUID(event.entity_id))
        assert revoked is not None
        assert revoked.user_id == officer.id
        assert revoked.revoked_reason == SessionEnd.refresh_token_reused
        assert event.after is not None
        assert event.after["user_id"] == str(officer.id)

    async def test_a_token_of_a_logged_out_session_is_not_reuse(
        self, client: httpx.AsyncClient, session: AsyncSession, officer: StaffUser
    ) -> None:
        tokens = await _login(client, officer)
        await client.post("/api/v1/auth/logout", headers=_bearer(tokens))
        assert (await _refresh(client, tokens["refresh_token"])).status_code == 401
        reused = await session.execute(
            select(AuditEvent).where(col(AuditEvent.action) == "auth.refresh_token_reused")
        )
        assert reused.first() is None
