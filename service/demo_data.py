"""Demo accounts and the demo API client, created idempotently on every ``giamsat demo``."""

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth import service as auth_service
from service.auth.models import ApiClient, Role, StaffUser
from service.auth.schemas import UserCreate
from service.auth.secrets import split_api_key, token_digest
from service.db import command_session, utcnow
from service.demo_accounts import DemoAccount
from service.directory.models import Agency
from service.settings import Settings

DEMO_CLIENT_NAME = "Demo citizen app"


async def seed_demo(
    settings: Settings, accounts: Iterable[DemoAccount], password: str, api_key: str
) -> None:
    from service.seed import seed_all
    from service.wiring import build_wiring

    # Seeding the calendar awaits the calendar hooks (a deadline recompute job).
    async with command_session(settings, build_wiring(settings).sessions) as session:
        await seed_all(session)
        for account in accounts:
            exists = await session.execute(
                select(col(StaffUser.id)).where(col(StaffUser.username) == account.username)
            )
            if exists.first() is not None:
                continue
            agency_id = None
            if account.agency_code:
                agency_id = (
                    await session.execute(
                        select(col(Agency.id)).where(col(Agency.code) == account.agency_code)
                    )
                ).scalar_one()
            await auth_service.create_user(
                session,
                UserCreate(
                    username=account.username,
                    full_name=account.full_name,
                    password=password,
                    role=Role(account.role),
                    unit_code=account.unit_code,
                    agency_id=agency_id,
                ),
            )
        prefix = split_api_key(api_key)
        assert prefix is not None
        client = (
            await session.execute(select(ApiClient).where(col(ApiClient.key_prefix) == prefix))
        ).scalar_one_or_none()
        if client is None:
            session.add(
                ApiClient(
                    name=DEMO_CLIENT_NAME,
                    key_prefix=prefix,
                    key_hash=token_digest(api_key),
                    scopes=["petitions:write", "petitions:read"],
                    rate_limit_per_minute=600,
                )
            )
        await _demo_reception_schedule(session)


async def _demo_reception_schedule(session: AsyncSession) -> None:
    """Hoàn Kiếm's online reception (``service.reception``) for the next 60 days, once."""
    from service.reception.models import ReceptionSchedule

    exists = await session.execute(
        select(col(ReceptionSchedule.id)).where(col(ReceptionSchedule.unit_code) == "00070")
    )
    officer = (
        await session.execute(
            select(col(StaffUser.id)).where(col(StaffUser.username) == "mttq.hoankiem")
        )
    ).scalar_one_or_none()
    if exists.first() is not None or officer is None:
        return
    today = utcnow().date()
    session.add(
        ReceptionSchedule(
            unit_code="00070",
            title="Tiếp công dân trực tuyến phường Hoàn Kiếm",
            starts_on=today,
            ends_on=today + timedelta(days=60),
            slot_minutes=30,
            capacity=2,
            created_by=officer,
        )
    )
