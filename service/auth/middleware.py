"""Authentication: Litestar's JWT middleware, extended to accept API keys.

``Authorization: Bearer <jwt>`` identifies staff (stateless: the claims carry role and
scope, and tokens are short-lived). ``X-API-Key`` identifies an API client, looked up by
key prefix and checked against its stored digest, then rate-limited per key.
"""

import time
import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AuthenticationResult
from litestar.security.jwt import JWTAuthenticationMiddleware, Token
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from service.auth.models import ApiClient, Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.auth.secrets import digest_matches, split_api_key
from service.errors import RateLimited, Unauthenticated
from service.i18n import msg

API_KEY_HEADER = "X-API-Key"


async def staff_from_token(token: Token, _: ASGIConnection[Any, Any, Any, Any]) -> StaffPrincipal:
    extras = token.extras
    agency = extras.get("agency_id")
    return StaffPrincipal(
        user_id=uuid.UUID(token.sub),
        username=str(extras.get("username", "")),
        role=Role(extras["role"]),
        unit_code=extras.get("unit_code"),
        agency_id=uuid.UUID(agency) if agency else None,
    )


class StaffOrClientAuthenticationMiddleware(JWTAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        key = connection.headers.get(API_KEY_HEADER)
        if key:
            client = await _client_for_key(connection, key)
            await _enforce_rate_limit(connection, client)
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
    prefix = split_api_key(key)
    if prefix is None:
        raise Unauthenticated(msg("api_key_invalid"))
    sessions: async_sessionmaker[AsyncSession] = connection.app.state.sessions
    async with sessions() as session:
        client = (
            await session.execute(select(ApiClient).where(col(ApiClient.key_prefix) == prefix))
        ).scalar_one_or_none()
    if client is None or not client.active or not digest_matches(client.key_hash, key):
        raise Unauthenticated(msg("api_key_invalid"))
    return ClientPrincipal(
        client_id=client.id,
        name=client.name,
        scopes=frozenset(client.scopes),
        rate_limit_per_minute=client.rate_limit_per_minute,
    )


async def _enforce_rate_limit(
    connection: ASGIConnection[Any, Any, Any, Any], client: ClientPrincipal
) -> None:
    """A fixed one-minute window per key, counted in the app's rate-limit store."""
    window = int(time.time() // 60)
    store = connection.app.stores.get("api_client_rate_limit")
    counter_key = f"{client.client_id}:{window}"
    raw = await store.get(counter_key)
    count = int(raw or 0) + 1
    await store.set(counter_key, str(count).encode(), expires_in=61)
    if count > client.rate_limit_per_minute:
        raise RateLimited(
            msg("api_key_rate_limited", limit=client.rate_limit_per_minute),
        )
