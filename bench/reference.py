"""The seeded reference data that both the generator and the intake benchmark read: the
communes of the city the bench database is seeded for, and the active petition categories."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

HANOI = "01"


async def communes(session: AsyncSession) -> list[tuple[str, str]]:
    """(code, name) of every ward and commune of Hanoi, by code."""
    rows = await session.execute(
        sa.text(
            "SELECT code, name FROM admin_unit WHERE parent_code = :city "
            "AND level = 'commune' ORDER BY code"
        ),
        {"city": HANOI},
    )
    return [(code, name) for code, name in rows.all()]


async def active_categories(session: AsyncSession) -> list[str]:
    """The codes of the categories a petition may be filed under, in their display order."""
    rows = await session.execute(
        sa.text("SELECT code FROM petition_category WHERE active ORDER BY sort_order")
    )
    return [code for (code,) in rows.all()]
