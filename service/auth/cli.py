"""Command-line account management."""

from sqlmodel import col, select

from service.auth import service
from service.auth.models import Role
from service.auth.schemas import ApiClientCreate, UserCreate
from service.db import command_session
from service.directory.models import Agency
from service.errors import Invalid
from service.i18n import msg
from service.settings import Settings


async def create_user_command(
    settings: Settings,
    username: str,
    full_name: str,
    role: str,
    unit_code: str | None,
    agency_code: str | None,
    password: str,
) -> None:
    async with command_session(settings) as session:
        agency_id = None
        if agency_code:
            agency_id = (
                await session.execute(select(col(Agency.id)).where(col(Agency.code) == agency_code))
            ).scalar_one_or_none()
            if agency_id is None:
                raise Invalid(msg("agency_code_unknown", code=agency_code), field="agency_code")
        await service.create_user(
            session,
            UserCreate(
                username=username,
                full_name=full_name,
                password=password,
                role=Role(role),
                unit_code=unit_code,
                agency_id=agency_id,
            ),
        )


async def create_api_client_command(
    settings: Settings, name: str, scopes: list[str], rate_limit: int, webhook_url: str | None
) -> str:
    """Creates an API client and returns its key (shown once, stored only as a digest)."""
    async with command_session(settings) as session:
        _, key = await service.create_api_client(
            session,
            ApiClientCreate(
                name=name, scopes=scopes, rate_limit_per_minute=rate_limit, webhook_url=webhook_url
            ),
        )
    return key
