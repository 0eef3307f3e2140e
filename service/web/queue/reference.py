"""The directory's names the Front's pages show beside codes (categories, wards, agencies),
read through the directory's own service functions, once per page."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.directory import service as directory
from service.directory.models import PetitionCategory
from service.directory.reference_data import HANOI
from service.i18n import label

# Hanoi has 126 wards and communes and about 150 agencies: one page of each lists them all.
_LIMIT = 500


@dataclass(frozen=True)
class Reference:
    categories: list[PetitionCategory]
    units: dict[str, str]  # the wards the officer may filter by: code -> name
    agencies: dict[uuid.UUID, str] = field(default_factory=dict)

    def category_name(self, code: str, locale: str) -> str:
        for category in self.categories:
            if category.code == code:
                return category.name_en if locale == "en" else category.name_vi
        return code

    def unit_name(self, code: str | None) -> str:
        return self.units.get(code or "", code or "")

    def agency_name(self, agency_id: uuid.UUID | None) -> str:
        return self.agencies.get(agency_id, "") if agency_id else ""


async def load_reference(
    session: AsyncSession, viewer: StaffPrincipal, *, for_triage: bool = False
) -> Reference:
    """Categories and wards (for the queue's filter a ward officer's own ward only: the only
    one they see); ``for_triage``: every ward and the active agencies (a reclassification's
    and a referral's choices)."""
    categories = await directory.list_categories(session)
    if viewer.unit_code is not None and not for_triage:
        unit = await directory.get_unit(session, viewer.unit_code)
        units = {unit.code: unit.name}
    else:
        rows = await directory.list_units(session, province=HANOI, limit=_LIMIT)
        units = {unit.code: unit.name for unit in rows}
    names: dict[uuid.UUID, str] = {}
    if for_triage:
        names = {
            agency.id: agency.name
            for agency in await directory.list_agencies(session, active=True, limit=_LIMIT)
        }
    return Reference(categories=categories, units=units, agencies=names)


Options = list[tuple[str, str]]  # (value, the reader's text) of a <select>


def enum_options(members: Iterable[Enum], locale: str) -> Options:
    return [(str(member.value), label(member, locale)) for member in members]


def category_options(reference: Reference, locale: str) -> Options:
    return [
        (category.code, category.name_en if locale == "en" else category.name_vi)
        for category in reference.categories
    ]


def unit_options(reference: Reference) -> Options:
    return sorted(reference.units.items(), key=_second)


def agency_options(reference: Reference) -> Options:
    return sorted(((str(key), name) for key, name in reference.agencies.items()), key=_second)


def _second(item: tuple[str, str]) -> str:
    return item[1]
