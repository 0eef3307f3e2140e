"""Staff accounts and API clients the benchmarks log in with.

Created through ``service.auth.service`` like any account. Staff share one known password
(the bench database is scratch data on a loopback server); every benchmark run creates its
own API client, whose key is shown only once, with the highest rate limit allowed (100,000
a minute per worker process).
"""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth import service as auth_service
from service.auth.models import ApiClient, Role, StaffUser
from service.auth.schemas import ApiClientCreate, UserCreate

PASSWORD = "bench-password-2026"
ADMIN = "bench-admin"
CITY_OFFICER = "bench-front-city"
GENERATOR_CLIENT = "bench generator"
# The highest limit an API client may have (per worker process and minute).
HIGHEST_RATE_LIMIT = 100_000


def bearer(client: httpx.Client, username: str) -> dict[str, str]:
    """Log ``username`` in on the benchmark's server: the headers of its requests."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def ensure_staff(
    session: AsyncSession, username: str, role: Role, *, unit_code: str | None = None
) -> StaffUser:
    existing = (
        await session.execute(select(StaffUser).where(col(StaffUser.username) == username))
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    return await auth_service.create_user(
        session,
        UserCreate(
            username=username,
            full_name=f"Bench {role.value}",
            password=PASSWORD,
            role=role,
            unit_code=unit_code,
        ),
    )


async def new_api_client(session: AsyncSession, purpose: str) -> tuple[ApiClient, str]:
    """A fresh client (``petitions:write``); returns it and its key."""
    return await auth_service.create_api_client(
        session,
        ApiClientCreate(
            name=f"{purpose} {uuid.uuid4().hex[:8]}",
            scopes=["petitions:write"],
            rate_limit_per_minute=HIGHEST_RATE_LIMIT,
            webhook_url=None,
        ),
    )
