"""Staff accounts, sessions (access + refresh tokens) and API clients.

A login opens an ``AuthSession``; its access tokens name it (``sid``) and the middleware
checks it on every request; its refresh tokens rotate on each use. Logging out, a spent
refresh token presented again, deactivation and a change of role, area, agency or password
revoke sessions, which cuts access on the next request.
"""

import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta

from litestar.security.jwt import Token
from sqlalchemy import ColumnElement, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.audit import service as audit
from service.auth.models import (
    ApiClient,
    AuthSession,
    RefreshToken,
    Role,
    SessionEnd,
    StaffUser,
)
from service.auth.principals import StaffPrincipal
from service.auth.schemas import ApiClientCreate, TokenPair, UserCreate, UserUpdate
from service.auth.secrets import (
    decoy_hash,
    hash_password,
    new_api_key,
    new_refresh_token,
    token_digest,
    verify_password,
)
from service.db import utcnow
from service.directory.models import AdminUnit, Agency
from service.errors import Conflict, Invalid, Unauthenticated, found
from service.i18n import msg
from service.settings import Settings


class RefreshTokenReused(Unauthenticated):
    """A spent refresh token came back: its session is revoked, and that must be committed
    although the request answers 401 (the controller commits before re-raising)."""


def _access_token(user: StaffUser, session_id: uuid.UUID, settings: Settings) -> str:
    token = Token(
        sub=str(user.id),
        exp=utcnow() + timedelta(seconds=settings.access_token_ttl_seconds),
        extras={
            "sid": str(session_id),
            "username": user.username,
            "role": user.role.value if isinstance(user.role, Role) else user.role,
            "unit_code": user.unit_code,
            "agency_id": str(user.agency_id) if user.agency_id else None,
        },
    )
    return token.encode(secret=settings.jwt_secret.get_secret_value(), algorithm="HS256")


async def _issue(
    session: AsyncSession, user: StaffUser, settings: Settings, session_id: uuid.UUID
) -> TokenPair:
    refresh = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            session_id=session_id,
            token_hash=token_digest(refresh),
            expires_at=utcnow() + timedelta(days=settings.refresh_token_ttl_days),
        )
    )
    await session.flush()
    return TokenPair(
        access_token=_access_token(user, session_id, settings),
        refresh_token=refresh,
        expires_in=settings.access_token_ttl_seconds,
    )


async def login(
    session: AsyncSession, settings: Settings, username: str, password: str
) -> TokenPair:
    user, auth_session = await open_session(session, username, password)
    return await _issue(session, user, settings, auth_session.id)


async def open_session(
    session: AsyncSession, username: str, password: str
) -> tuple[StaffUser, AuthSession]:
    """Checks the credentials and opens a login session: the API's login issues tokens naming
    it, the console a cookie naming it (service/web/sessions.py); both end with it."""
    user = (
        await session.execute(select(StaffUser).where(col(StaffUser.username) == username))
    ).scalar_one_or_none()
    if user is None:
        verify_password(decoy_hash(), password)
        raise Unauthenticated(msg("login_failed"))
    if not verify_password(user.password_hash, password) or not user.active:
        raise Unauthenticated(msg("login_failed"))
    auth_session = AuthSession(user_id=user.id)
    session.add(auth_session)
    await session.flush()
    return user, auth_session


async def change_own_password(
    session: AsyncSession, principal: StaffPrincipal, current: str, new: str
) -> StaffUser:
    """A staff member's own change: the current password first, then the admin's path (the
    same policy, audit event and revocation of every session, this one included)."""
    user = await get_user(session, principal.user_id)
    if not verify_password(user.password_hash, current):
        raise Invalid(msg("current_password_wrong"), field="current_password")
    return await update_user(session, user.id, UserUpdate(password=new), actor=principal)


async def refresh(session: AsyncSession, settings: Settings, refresh_token: str) -> TokenPair:
    """Rotates the refresh token: the old one is spent, a new pair of the same session issued.

    Locks the session, then the token (the order revocations take), so two refreshes of one
    token queue: the second finds it spent, which is reuse and revokes the session.
    """
    digest = token_digest(refresh_token)
    session_id = (
        await session.execute(
            select(col(RefreshToken.session_id)).where(col(RefreshToken.token_hash) == digest)
        )
    ).scalar_one_or_none()
    if session_id is None:
        raise Unauthenticated(msg("refresh_token_invalid"))
    auth_session = (
        await session.execute(
            select(AuthSession).where(col(AuthSession.id) == session_id).with_for_update()
        )
    ).scalar_one()
    row = (
        await session.execute(
            select(RefreshToken).where(col(RefreshToken.token_hash) == digest).with_for_update()
        )
    ).scalar_one()
    if auth_session.revoked_at is not None:
        raise Unauthenticated(msg("refresh_token_invalid"))
    if row.revoked_at is not None:
        await revoke_sessions(session, SessionEnd.refresh_token_reused, session_ids=[session_id])
        await audit.record(
            session,
            actor=None,  # whoever presented it: the user or a thief
            action="auth.refresh_token_reused",
            entity_type="auth_session",
            entity_id=session_id,
            after={"user_id": auth_session.user_id, "refresh_token_id": row.id},
        )
        await session.flush()
        raise RefreshTokenReused(msg("refresh_token_reused"))
    if row.expires_at <= utcnow():
        raise Unauthenticated(msg("refresh_token_invalid"))
    user = await session.get(StaffUser, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated(msg("account_disabled"))
    row.revoked_at = utcnow()
    return await _issue(session, user, settings, session_id)


async def revoke_sessions(
    session: AsyncSession,
    reason: SessionEnd,
    *,
    user_id: uuid.UUID | None = None,
    session_ids: Sequence[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """Revokes the live sessions of a user (or the given ones) and their refresh tokens.

    Their access tokens are refused from the next request on (the middleware checks the
    session). Returns the ids revoked.
    """
    now = utcnow()
    which: list[ColumnElement[bool]] = [col(AuthSession.revoked_at).is_(None)]
    if user_id is not None:
        which.append(col(AuthSession.user_id) == user_id)
    if session_ids is not None:
        which.append(col(AuthSession.id).in_(list(session_ids)))
    revoked = list(
        (
            await session.execute(
                update(AuthSession)
                .where(*which)
                .values(revoked_at=now, revoked_reason=reason.value)
                .returning(col(AuthSession.id))
            )
        ).scalars()
    )
    if revoked:
        await session.execute(
            update(RefreshToken)
            .where(
                col(RefreshToken.session_id).in_(revoked),
                col(RefreshToken.revoked_at).is_(None),
            )
            .values(revoked_at=now)
        )
    return revoked


async def logout(session: AsyncSession, principal: StaffPrincipal) -> None:
    """Ends the caller's session: its refresh tokens and access tokens stop working."""
    if principal.session_id is None:
        await revoke_sessions(session, SessionEnd.logout, user_id=principal.user_id)
    else:
        await revoke_sessions(session, SessionEnd.logout, session_ids=[principal.session_id])


async def _check_scope(
    session: AsyncSession, role: Role, unit_code: str | None, agency_id: uuid.UUID | None
) -> None:
    if unit_code is not None and await session.get(AdminUnit, unit_code) is None:
        raise Invalid(msg("unit_unknown", code=unit_code), field="unit_code")
    if role is Role.agency_officer and agency_id is None:
        raise Invalid(msg("agency_officer_needs_agency"), field="agency_id")
    if agency_id is not None and await session.get(Agency, agency_id) is None:
        raise Invalid(msg("agency_unknown"), field="agency_id")


async def create_user(session: AsyncSession, data: UserCreate) -> StaffUser:
    await _check_scope(session, data.role, data.unit_code, data.agency_id)
    taken = await session.execute(
        select(col(StaffUser.id)).where(col(StaffUser.username) == data.username)
    )
    if taken.first() is not None:
        raise Conflict(msg("username_taken", username=data.username))
    user = StaffUser(
        username=data.username,
        full_name=data.full_name,
        email=data.email,
        password_hash=hash_password(data.password),
        role=data.role,
        unit_code=data.unit_code,
        agency_id=data.agency_id if data.role is Role.agency_officer else None,
    )
    session.add(user)
    await session.flush()
    return user


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> StaffUser:
    return found(await session.get(StaffUser, user_id), msg("user_not_found"))


async def list_users(session: AsyncSession) -> list[StaffUser]:
    return list(
        (await session.execute(select(StaffUser).order_by(col(StaffUser.username)))).scalars()
    )


def _access_snapshot(user: StaffUser) -> dict[str, object]:
    return {
        "role": Role(user.role).value,
        "unit_code": user.unit_code,
        "agency_id": user.agency_id,
        "active": user.active,
    }


async def update_user(
    session: AsyncSession,
    user_id: uuid.UUID,
    data: UserUpdate,
    *,
    actor: StaffPrincipal | None = None,
) -> StaffUser:
    """Changes an account; a change of what it may do or of its password revokes its sessions."""
    user = await get_user(session, user_id)
    before = _access_snapshot(user)
    changes = data.model_dump(exclude_unset=True)
    for required in ("full_name", "password", "role", "active"):
        if required in changes and changes[required] is None:
            raise Invalid(msg("field_not_nullable", field=required), field=required)
    password_changed = False
    if "password" in changes:
        password = changes.pop("password")
        if password is not None:
            user.password_hash = hash_password(password)
            password_changed = True
    role = Role(changes.get("role", user.role))
    unit_code = changes.get("unit_code", user.unit_code)
    agency_id = changes.get("agency_id", user.agency_id)
    await _check_scope(session, role, unit_code, agency_id)
    for name, value in changes.items():
        setattr(user, name, value)
    if user.role != Role.agency_officer:
        user.agency_id = None
    after = _access_snapshot(user)
    reason = None
    if not user.active:
        reason = SessionEnd.deactivated
    elif {key: after[key] for key in ("role", "unit_code", "agency_id")} != {
        key: before[key] for key in ("role", "unit_code", "agency_id")
    }:
        reason = SessionEnd.role_or_scope_changed
    elif password_changed:
        reason = SessionEnd.password_changed
    revoked = await revoke_sessions(session, reason, user_id=user.id) if reason else []
    if after != before or password_changed:
        await audit.record(
            session,
            actor=actor,
            action="staff_user.access_changed",
            entity_type="staff_user",
            entity_id=user.id,
            before=before,
            after={**after, "password_changed": password_changed, "sessions_revoked": len(revoked)},
        )
    await session.flush()
    return user


async def create_api_client(session: AsyncSession, data: ApiClientCreate) -> tuple[ApiClient, str]:
    taken = await session.execute(select(col(ApiClient.id)).where(col(ApiClient.name) == data.name))
    if taken.first() is not None:
        raise Conflict(msg("api_client_name_taken", name=data.name))
    key, prefix, digest = new_api_key()
    client = ApiClient(
        name=data.name,
        key_prefix=prefix,
        key_hash=digest,
        scopes=sorted(set(data.scopes)),
        rate_limit_per_minute=data.rate_limit_per_minute,
        webhook_url=data.webhook_url,
        webhook_secret=secrets.token_urlsafe(32) if data.webhook_url else None,
    )
    session.add(client)
    await session.flush()
    return client, key


async def ensure_channel_client(
    session: AsyncSession, client_id: uuid.UUID, name: str, key_prefix: str
) -> None:
    """The client row one of our own channels (the portal's web form) files petitions as:
    written by its migration, and again here should it be gone (a table restored or emptied),
    so a filing never fails on its foreign key. Inactive, with no usable key: nobody can
    authenticate as it."""
    await session.execute(
        insert(ApiClient)
        .values(
            id=client_id,
            name=name,
            key_prefix=key_prefix,
            key_hash="-",
            scopes=[],
            rate_limit_per_minute=0,
            active=False,
        )
        .on_conflict_do_nothing()
    )


async def list_api_clients(session: AsyncSession) -> list[ApiClient]:
    return list((await session.execute(select(ApiClient).order_by(col(ApiClient.name)))).scalars())


async def rotate_api_client(session: AsyncSession, client_id: uuid.UUID) -> tuple[ApiClient, str]:
    """A new key for an active client (the old one stops working at once); the key is
    returned once, as at creation. A revoked client stays revoked: 409."""
    client = found(await session.get(ApiClient, client_id), msg("api_client_not_found"))
    if not client.active:
        raise Conflict(msg("api_client_revoked"))
    key, client.key_prefix, client.key_hash = new_api_key()
    await session.flush()
    return client, key


async def revoke_api_client(session: AsyncSession, client_id: uuid.UUID) -> ApiClient:
    client = found(await session.get(ApiClient, client_id), msg("api_client_not_found"))
    client.active = False
    await session.flush()
    return client
