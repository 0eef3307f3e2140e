"""Authentication: Litestar's JWT middleware, extended to accept API keys.

``Authorization: Bearer <jwt>`` identifies staff. The signature proves the claims, and one
lookup per request (two primary keys, on the request's own database session, which the
handler then reuses) proves they still hold: the token's session is not revoked and the
account is active with the role and scope the token claims. So logout, deactivation and a
change of role or area cut access on the next request, on every replica, with no cache to
invalidate. ``X-API-Key`` identifies an API client, looked up by key prefix (on the same
request session, one indexed row) and checked against its stored digest, then rate-limited
per key.
"""

import uuid
from typing import Any

import sqlalchemy as sa
from litestar.connection import ASGIConnection
from litestar.middleware import AuthenticationResult
from litestar.security.jwt import JWTAuthenticationMiddleware, Token
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.models import ApiClient, AuthSession, Role, StaffUser
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.auth.secrets import digest_matches, split_api_key
from service.errors import Unauthenticated
from service.i18n import msg
from service.ratelimit import Limit, counters_of, too_many

API_KEY_HEADER = "X-API-Key"


def _request_session(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
    """The request's own session (the one handlers get as ``db_session``)."""
    state = connection.app.state
    session: AsyncSession = state.db_config.provide_session(state, connection.scope)
    return session


async def staff_from_token(
    token: Token, connection: ASGIConnection[Any, Any, Any, Any]
) -> StaffPrincipal:
    extras = token.extras
    session_id, user_id = uuid.UUID(str(extras.get("sid"))), uuid.UUID(token.sub)
    agency = extras.get("agency_id")
    claimed = (extras.get("role"), extras.get("unit_code"), uuid.UUID(agency) if agency else None)
    return await staff_for_session(_request_session(connection), session_id, user_id, claimed)


async def staff_for_session(
    db: AsyncSession,
    session_id: uuid.UUID,
    user_id: uuid.UUID,
    claimed: tuple[Any, str | None, uuid.UUID | None],
) -> StaffPrincipal:
    """The principal of a live login session whose account still has the claimed ``(role,
    unit_code, agency_id)``; else ``Unauthenticated``. Bearer tokens and the console's cookie
    (service/web/sessions.py) both end here, so both end with the session."""
    row = (
        await db.execute(
            select(
                col(StaffUser.username),
                col(StaffUser.role),
                col(StaffUser.unit_code),
                col(StaffUser.agency_id),
            )
            .join(AuthSession, col(AuthSession.user_id) == col(StaffUser.id))
            .where(
                col(AuthSession.id) == session_id,
                col(StaffUser.id) == user_id,
                col(AuthSession.revoked_at).is_(None),
                col(StaffUser.active).is_(True),
            )
        )
    ).one_or_none()
    if row is None or (Role(row.role).value, row.unit_code, row.agency_id) != claimed:
        raise Unauthenticated(msg("session_ended"))
    return StaffPrincipal(
        user_id=user_id,
        username=row.username,
        role=Role(row.role),
        unit_code=row.unit_code,
        agency_id=row.agency_id,
        session_id=session_id,
    )


class StaffOrClientAuthenticationMiddleware(JWTAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        key = connection.headers.get(API_KEY_HEADER)
        if key:
            client = await _client_for_key(connection, key)
            await enforce_rate_limit(connection, client)
            return AuthenticationResult(user=client, auth=key)
        header = connection.headers.get(self.auth_header, "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated(msg("credentials_required"))
        try:
            return await self.authenticate_token(encoded_token=token, connection=connection)
        except (KeyError, ValueError) as exc:
            raise Unauthenticated(msg("token_invalid")) from exc


async def _client_for_key(
    connection: ASGIConnection[Any, Any, Any, Any], key: str
) -> ClientPrincipal:
    # On the request's own session (the handler reuses it and its pooled connection): no
    # second checkout, no second pre-ping.
    return await client_for_key(_request_session(connection), key)


async def client_for_key(session: AsyncSession, key: str) -> ClientPrincipal:
    """The active API client whose key ``key`` is (else ``Unauthenticated``): the header's
    check, and Open311's, whose key arrives in the form as ``api_key``. Only the columns the
    principal needs."""
    prefix = split_api_key(key)
    if prefix is None:
        raise Unauthenticated(msg("api_key_invalid"))
    client = (
        await session.execute(
            sa.select(
                col(ApiClient.id),
                col(ApiClient.name),
                col(ApiClient.active),
                col(ApiClient.key_hash),
                col(ApiClient.scopes),
                col(ApiClient.rate_limit_per_minute),
            ).where(col(ApiClient.key_prefix) == prefix)
        )
    ).one_or_none()
    if client is None or not client.active or not digest_matches(client.key_hash, key):
        raise Unauthenticated(msg("api_key_invalid"))
    return ClientPrincipal(
        client_id=client.id,
        name=client.name,
        scopes=frozenset(client.scopes),
        rate_limit_per_minute=client.rate_limit_per_minute,
    )


async def enforce_rate_limit(
    connection: ASGIConnection[Any, Any, Any, Any], client: ClientPrincipal
) -> None:
    """A one-minute window per client, counted once for all processes (``service.ratelimit``).

    Keyed on the authenticated client: nobody without its key can spend its allowance.
    """
    limit = Limit(allowed=client.rate_limit_per_minute, window_seconds=60)
    usage = await counters_of(connection).hit(f"api-client:{client.client_id}", 60)
    if usage.exceeds(limit):
        raise too_many(
            msg("api_key_rate_limited", limit=limit.allowed),
            usage,
        )
