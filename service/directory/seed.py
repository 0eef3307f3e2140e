"""Idempotent seeding of the reference data (``giamsat seed``, the demo, the test fixture).

Units come from the ``vietnam-provinces`` package and are upserted on every run (the package
is the source of truth: a renamed ward is renamed here too). Everything an administrator can
edit (categories, agencies, routing rules, office hours, calendar days) is seeded once per
named *set* recorded in ``reference_seed``: re-seeding never undoes an administrator's
change or brings back a day they deleted, and a new set (say ``calendar:2028``) added to
``reference_data.py`` is applied to existing databases on the next run. Every insert is
``INSERT ... ON CONFLICT`` so a lost marker still yields no duplicates.
"""

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from vietnam_provinces import Province, Ward

from service.directory import reference_data as ref
from service.directory.calendar import notify_calendar_change
from service.directory.models import (
    AdminUnit,
    Agency,
    AgencyKind,
    AgencyLevel,
    CalendarDay,
    OfficeHours,
    PetitionCategory,
    ReferenceSeed,
    RoutingRule,
    UnitLevel,
)

_CHUNK = 1000  # rows per INSERT (asyncpg allows 32767 bind parameters per statement)


@dataclass
class SeedReport:
    """Row counts after seeding, and what this run changed."""

    provinces: int = 0
    communes: int = 0  # wards, communes and special zones, country-wide
    hanoi_units: int = 0
    agencies: int = 0
    categories: int = 0
    routing_rules: int = 0
    calendar_days: int = 0
    units_written: int = 0  # unit rows inserted or changed by this run
    sets_applied: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "provinces": self.provinces,
            "communes": self.communes,
            "hanoi_units": self.hanoi_units,
            "agencies": self.agencies,
            "categories": self.categories,
            "routing_rules": self.routing_rules,
            "calendar_days": self.calendar_days,
        }


def unit_rows() -> list[dict[str, Any]]:
    """Every province, then every ward/commune/special zone, as ``admin_unit`` rows."""
    rows: list[dict[str, Any]] = []
    for province in sorted(Province.iter_all(), key=lambda p: int(p.code)):
        rows.append(
            {
                "code": f"{int(province.code):02d}",
                "name": ref.nfc(province.name),
                "division_type": ref.nfc(province.division_type.value),
                "level": UnitLevel.province.value,
                "codename": province.codename,
                "parent_code": None,
            }
        )
    for ward in sorted(Ward.iter_all(), key=lambda w: int(w.code)):
        rows.append(
            {
                "code": f"{int(ward.code):05d}",
                "name": ref.nfc(ward.name),
                "division_type": ref.nfc(ward.division_type.value),
                "level": UnitLevel.commune.value,
                "codename": ward.codename,
                "parent_code": f"{int(ward.province_code):02d}",
            }
        )
    return rows


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]


async def _upsert_units(session: AsyncSession) -> int:
    written = 0
    columns = ("name", "division_type", "level", "codename", "parent_code")
    for chunk in _chunks(unit_rows()):
        stmt = insert(AdminUnit).values(list(chunk))
        table = AdminUnit.__table__  # type: ignore[attr-defined]
        upsert = stmt.on_conflict_do_update(
            index_elements=["code"],
            set_={name: stmt.excluded[name] for name in columns},
            where=sa.tuple_(*(table.c[name] for name in columns)).is_distinct_from(
                sa.tuple_(*(stmt.excluded[name] for name in columns))
            ),
        ).returning(table.c.code)
        written += len((await session.execute(upsert)).all())
    return written


async def _claim(session: AsyncSession, name: str) -> bool:
    """Marks a seed set as applied; False when it already was."""
    stmt = (
        insert(ReferenceSeed)
        .values(name=name)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(ReferenceSeed.__table__.c.name)  # type: ignore[attr-defined]
    )
    return (await session.execute(stmt)).first() is not None


async def _seed_office_hours(session: AsyncSession) -> None:
    await session.execute(
        insert(OfficeHours)
        .values(
            id=1,
            weekdays=ref.OFFICE_WEEKDAYS,
            periods=ref.OFFICE_PERIODS,
            timezone="Asia/Ho_Chi_Minh",
        )
        .on_conflict_do_nothing()
    )


async def _seed_categories(session: AsyncSession) -> None:
    await session.execute(
        insert(PetitionCategory)
        .values(
            [
                {
                    "code": c.code,
                    "name_vi": ref.nfc(c.name_vi),
                    "name_en": c.name_en,
                    "sort_order": c.sort_order,
                    "active": True,
                }
                for c in ref.CATEGORIES
            ]
        )
        .on_conflict_do_nothing()
    )


async def _agency_ids(session: AsyncSession, codes: Iterable[str]) -> dict[str, Any]:
    table = Agency.__table__  # type: ignore[attr-defined]
    rows = await session.execute(
        sa.select(table.c.code, table.c.id).where(table.c.code.in_(list(codes)))
    )
    return {row.code: row.id for row in rows}


def _agency_row(
    code: str,
    name: str,
    kind: AgencyKind,
    level: AgencyLevel,
    unit_code: str,
    parent_id: Any,
) -> dict[str, Any]:
    return {
        "code": code,
        "name": ref.nfc(name),
        "kind": kind.value,
        "level": level.value,
        "unit_code": unit_code,
        "parent_id": parent_id,
        "channels": {},
        "active": True,
    }


async def _insert_agencies(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        # No conflict target: an existing code or an existing People's Committee of the same
        # unit (a partial unique index) both mean "already there".
        await session.execute(
            insert(Agency)
            .values([{"id": uuid.uuid4(), **row} for row in chunk])
            .on_conflict_do_nothing()
        )


async def _seed_hanoi_agencies(session: AsyncSession) -> None:
    city = next(a for a in ref.CITY_AGENCIES if a.code == ref.CITY_PEOPLE_COMMITTEE)
    await _insert_agencies(
        session, [_agency_row(city.code, city.name, city.kind, city.level, city.unit_code, None)]
    )
    city_id = (await _agency_ids(session, [city.code])).get(city.code)
    others = [a for a in ref.CITY_AGENCIES if a.code != city.code]
    await _insert_agencies(
        session,
        [
            _agency_row(
                a.code, a.name, a.kind, a.level, a.unit_code, city_id if a.parent_code else None
            )
            for a in others
        ],
    )
    table = AdminUnit.__table__  # type: ignore[attr-defined]
    wards = await session.execute(
        sa.select(table.c.code, table.c.name, table.c.division_type)
        .where(table.c.parent_code == ref.HANOI)
        .order_by(table.c.code)
    )
    await _insert_agencies(
        session,
        [
            _agency_row(
                ref.people_committee_code(ward.code),
                ref.people_committee_name(ward.name, ward.division_type),
                AgencyKind.people_committee,
                AgencyLevel.commune,
                ward.code,
                city_id,
            )
            for ward in wards
        ],
    )


async def _seed_routing_rules(session: AsyncSession) -> None:
    ids = await _agency_ids(session, {r.agency_code for r in ref.ROUTING_RULES if r.agency_code})
    rows = []
    for rule in ref.ROUTING_RULES:
        agency_id = ids.get(rule.agency_code) if rule.agency_code else None
        if rule.agency_code and agency_id is None:
            continue  # the administrator removed that agency's code: skip its rule
        rows.append(
            {
                "id": rule.id,
                "category_code": rule.category_code,
                "unit_code": None,
                "unit_level": rule.unit_level.value if rule.unit_level else None,
                "agency_id": agency_id,
                "agency_of_unit": rule.agency_code is None,
                "priority": rule.priority,
                "is_fallback": rule.is_fallback,
                "active": True,
                "note": ref.nfc(rule.note) if rule.note else None,
            }
        )
    if rows:
        await session.execute(insert(RoutingRule).values(rows).on_conflict_do_nothing())


async def _seed_calendar_year(session: AsyncSession, year: int) -> None:
    await session.execute(
        insert(CalendarDay)
        .values([{"day": d.day, "kind": d.kind.value, "name": d.name} for d in ref.CALENDAR[year]])
        .on_conflict_do_nothing(index_elements=["day"])
    )


async def _count(session: AsyncSession, model: Any, *where: Any) -> int:
    table = model.__table__
    stmt = sa.select(sa.func.count()).select_from(table)
    for condition in where:
        stmt = stmt.where(condition(table))
    return int((await session.execute(stmt)).scalar_one())


async def seed_reference_data(session: AsyncSession) -> SeedReport:
    """Load or refresh all reference data; safe to run any number of times. Flushes only."""
    report = SeedReport()
    report.units_written = await _upsert_units(session)

    sets: list[tuple[str, Callable[[AsyncSession], Awaitable[None]]]] = [
        ("office_hours:v1", _seed_office_hours),
        ("categories:v1", _seed_categories),
        ("agencies:hanoi:v1", _seed_hanoi_agencies),
        ("routing:hanoi:v1", _seed_routing_rules),
    ]
    sets += [
        (f"calendar:{year}", partial(_seed_calendar_year, year=year))
        for year in sorted(ref.CALENDAR)
    ]
    for name, apply in sets:
        if await _claim(session, name):
            await apply(session)
            report.sets_applied.append(name)
    await session.flush()
    if any(name.startswith(("calendar:", "office_hours:")) for name in report.sets_applied):
        await notify_calendar_change(session)

    report.provinces = await _count(session, AdminUnit, lambda t: t.c.level == "province")
    report.communes = await _count(session, AdminUnit, lambda t: t.c.level == "commune")
    report.hanoi_units = await _count(session, AdminUnit, lambda t: t.c.parent_code == ref.HANOI)
    report.agencies = await _count(session, Agency)
    report.categories = await _count(session, PetitionCategory)
    report.routing_rules = await _count(session, RoutingRule)
    report.calendar_days = await _count(session, CalendarDay)
    return report
