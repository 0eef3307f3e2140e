"""The directory rows petitions refer to (units, categories, agencies), read by key."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from service.directory.models import AdminUnit, Agency, PetitionCategory


async def unit(session: AsyncSession, code: str) -> AdminUnit | None:
    return await session.get(AdminUnit, code)


async def category(session: AsyncSession, code: str) -> PetitionCategory | None:
    return await session.get(PetitionCategory, code)


async def agency(session: AsyncSession, agency_id: uuid.UUID) -> Agency | None:
    return await session.get(Agency, agency_id)
