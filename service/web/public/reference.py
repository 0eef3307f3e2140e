"""The wards and categories the portal's forms and lists name (the directory's services)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.directory import service as directory


async def place_names(session: AsyncSession) -> dict[str, Any]:
    """``wards`` (the city's, by code) and ``categories`` (the active ones, in their order),
    for selects and for naming a ward or a category in a list."""
    wards = await directory.city_wards(session)
    categories = await directory.list_categories(session, active=True)
    return {
        "wards": wards,
        "ward_names": {ward.code: ward.name for ward in wards},
        "categories": categories,
        "category_names": {c.code: (c.name_vi, c.name_en) for c in categories},
    }
