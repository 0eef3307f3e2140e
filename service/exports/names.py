"""The names a list shows beside codes (categories, wards, agencies), read once per export
through the directory's own service functions, not once per page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from service.directory import service as directory
from service.directory.reference_data import HANOI

# Hanoi's 126 wards and communes and its agencies fit in one read each.
_DIRECTORY_LIMIT = 2000


@dataclass
class DirectoryNames:
    """The names shown beside codes, read once per export (not once per page)."""

    categories: dict[str, tuple[str, str]]  # code -> (Vietnamese, English)
    units: dict[str, str]
    agencies: dict[uuid.UUID, str]

    @classmethod
    async def load(cls, session: AsyncSession) -> DirectoryNames:
        categories = {
            c.code: (c.name_vi, c.name_en) for c in await directory.list_categories(session)
        }
        units = await directory.list_units(session, province=HANOI, limit=_DIRECTORY_LIMIT)
        agencies = await directory.list_agencies(session, limit=_DIRECTORY_LIMIT)
        return cls(
            categories=categories,
            units={unit.code: unit.name for unit in units},
            agencies={agency.id: agency.name for agency in agencies},
        )

    @classmethod
    def none(cls) -> DirectoryNames:
        """No names, for a list that shows none beside its codes."""
        return cls(categories={}, units={}, agencies={})

    @staticmethod
    def lazy() -> LazyDirectoryNames:
        """The names of a paged export, read by its first page (see the class)."""
        return LazyDirectoryNames()

    def category(self, code: str, locale: str) -> str:
        names = self.categories.get(code)
        if names is None:
            return code
        return names[1] if locale == "en" else names[0]

    def unit(self, code: str | None) -> str:
        return self.units.get(code or "", code or "")

    def agency(self, agency_id: uuid.UUID | None) -> str:
        return self.agencies.get(agency_id, "") if agency_id else ""


class LazyDirectoryNames:
    """The names of a paged export: read by its first page, in that page's session (the
    request's), and kept for the pages the stream reads on sessions of its own."""

    def __init__(self) -> None:
        self._names: DirectoryNames | None = None

    async def get(self, session: AsyncSession) -> DirectoryNames:
        if self._names is None:
            self._names = await DirectoryNames.load(session)
        return self._names
