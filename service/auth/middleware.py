"""Authentication: Litestar's JWT middleware, extended to accept API keys.

``Authorization: Bearer <jwt>`` identifies staff (stateless: the claims carry role and
scope, and tokens are short-lived). ``X-API-Key`` identifies an API client, looked up by
key prefix and checked against its stored digest, then rate-limited per key.
"""

import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AuthenticationResult
from litestar.security.jwt import JWTAuthenticationMiddleware, Token
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from service.auth.models import ApiClient, Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.auth.secrets import digest_matches, split_api_key
from service.ratelimit import Limit, counters_of, too_many

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
            raise NotAuthorizedException("Send a Bearer token or an X-API-Key header.")
        try:
            return await self.authenticate_token(encoded_token=token, connection=connection)
        except (KeyError, ValueError) as exc:
            raise NotAuthorizedException("Invalid token.") from exc


async def _client_for_key(
    connection: ASGIConnection[Any, Any, Any, Any], key: str
) -> ClientPrincipal:
    prefix = split_api_key(key)
    if prefix is None:
        raise NotAuthorizedException("Invalid API key.")
    sessions: async_sessionmaker[AsyncSession] = connection.app.state.sessions
    async with sessions() as session:
        client = (
            await session.execute(select(ApiClient).where(col(ApiClient.key_prefix) == prefix))
        ).scalar_one_or_none()
    if client is None or not client.active or not digest_matches(client.key_hash, key):
        raise NotAuthorizedException("Invalid API key.")
    return ClientPrincipal(
        client_id=client.id,
        name=client.name,
        scopes=frozenset(client.scopes),
        rate_limit_per_minute=client.rate_limit_per_minute,
    )


async def _enforce_rate_limit(
    connection: ASGIConnection[Any, Any, Any, Any], client: ClientPrincipal
) -> None:
    """A one-minute window per client, counted once for all processes (``service.ratelimit``).

    Keyed on the authenticated client: nobody without its key can spend its allowance.
    """
    limit = Limit(allowed=client.rate_limit_per_minute, window_seconds=60)
    usage = await counters_of(connection).hit(f"api-client:{client.client_id}", 60)
    if usage.exceeds(limit):
        raise too_many(
            f"Khóa API này đã dùng hết {limit.allowed} yêu cầu mỗi phút. Vui lòng thử lại sau.",
            usage,
        )
