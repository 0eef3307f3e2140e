"""The wards and categories the portal's forms and lists name (the directory's services)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.directory import service as directory
from service.directory.models import UnitLevel
from service.directory.reference_data import HANOI


async def place_names(session: AsyncSession) -> dict[str, Any]:
    """``wards`` (the city's, by code) and ``categories`` (the active ones, in their order),
    for selects and for naming a ward or a category in a list."""
    wards = await directory.list_units(session, province=HANOI, level=UnitLevel.commune, limit=1000)
    categories = await directory.list_categories(session, active=True)
    return {
        "wards": wards,
        "ward_names": {ward.code: ward.name for ward in wards},
        "categories": categories,
        "category_names": {c.code: (c.name_vi, c.name_en) for c in categories},
    }
