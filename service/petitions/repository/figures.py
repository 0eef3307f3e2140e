"""The public portal's figures of a year, per ward of the city: received, answered, and
routed within the Front's deadline.

Read as the dashboard reads them (``repository.dashboard``): the year's summary rows of
``petition_count`` plus the changes not folded yet, so the figures are exact at every moment
and cost a few hundred summary rows, not a pass over the petitions. Every ward of the city
is listed, with zeros where nothing was filed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.petitions.models import PetitionStatus

# A petition counts as answered once its answer was published (and stays so when closed).
ANSWERED = (PetitionStatus.answered.value, PetitionStatus.closed.value)

_YEAR_BY_WARD = sa.text(
    """
SELECT u.code, u.name,
       coalesce(sum(c.n), 0)::bigint AS received,
       coalesce(sum(c.n) FILTER (WHERE c.status IN :answered), 0)::bigint AS answered,
       coalesce(sum(c.routed), 0)::bigint AS routed,
       coalesce(sum(c.on_time), 0)::bigint AS on_time
  FROM admin_unit u
  LEFT JOIN (
        SELECT unit_code, status, n, routed, on_time
          FROM petition_count
         WHERE grain = 'year' AND period = :first_day
        UNION ALL
        SELECT unit_code, status, n, routed, on_time
          FROM petition_count_change
         WHERE day >= :first_day AND day < :next_year
       ) c ON c.unit_code = u.code
 WHERE u.parent_code = :city AND u.level = 'commune'
 GROUP BY u.code, u.name
 ORDER BY u.code
"""
).bindparams(sa.bindparam("answered", expanding=True))


@dataclass(frozen=True, slots=True)
class WardFigures:
    code: str
    name: str
    received: int
    answered: int
    routed: int
    on_time: int

    @property
    def on_time_rate(self) -> float | None:
        """Share of the decided petitions routed by their deadline (None: none decided)."""
        return self.on_time / self.routed if self.routed else None


async def year_by_ward(session: AsyncSession, city_code: str, year: int) -> list[WardFigures]:
    """The figures of every ward of ``city_code`` for petitions filed in ``year`` (local)."""
    rows = await session.execute(
        _YEAR_BY_WARD,
        {
            "answered": list(ANSWERED),
            "first_day": date(year, 1, 1),
            "next_year": date(year + 1, 1, 1),
            "city": city_code,
        },
    )
    return [WardFigures(*row) for row in rows]


def city_total(wards: list[WardFigures], code: str, name: str) -> WardFigures:
    return WardFigures(
        code,
        name,
        sum(w.received for w in wards),
        sum(w.answered for w in wards),
        sum(w.routed for w in wards),
        sum(w.on_time for w in wards),
    )
