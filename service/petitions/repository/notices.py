"""Who a staff notice goes to and what it is about (the mail job sends one letter each)."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.auth.models import Role, StaffUser
from service.petitions.models import Petition


async def staff_notice_petitions(
    session: AsyncSession, petition_ids: list[uuid.UUID]
) -> list[tuple[str, str, str, datetime | None]]:
    """``(tracking_code, title, unit_code, due_at)`` of the petitions a staff notice is about."""
    rows = await session.execute(
        sa.select(
            col(Petition.tracking_code),
            col(Petition.title),
            col(Petition.unit_code),
            col(Petition.due_at),
        )
        .where(col(Petition.id).in_(petition_ids))
        .order_by(col(Petition.tracking_code))
    )
    return [(code, title, unit, due) for code, title, unit, due in rows.all()]


async def front_officer_addresses(session: AsyncSession) -> list[tuple[str, str | None]]:
    """``(email, unit_code)`` of every active Front officer with an address (``None``: the
    city Front)."""
    rows = await session.execute(
        sa.select(col(StaffUser.email), col(StaffUser.unit_code))
        .where(
            col(StaffUser.role) == Role.front_officer.value,
            col(StaffUser.active).is_(True),
            col(StaffUser.email).is_not(None),
        )
        .order_by(col(StaffUser.email))
    )
    return [(email, unit) for email, unit in rows.all() if email is not None]
