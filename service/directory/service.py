"""Directory operations: read units, manage agencies, categories, routing rules and the
calendar. Functions flush, never commit. Calendar writes call ``notify_calendar_change``
(the wiring's calendar hooks); every write calls ``reference_changed`` (the per-process
reference cache of ``service.directory.cache`` lets its copy go)."""

import uuid
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from service.db import narrowed, utcnow
from service.directory.cache import changed as reference_changed
from service.directory.calendar import OfficeSchedule, notify_calendar_change
from service.directory.models import (
    AdminUnit,
    Agency,
    AgencyKind,
    CalendarDay,
    OfficeHours,
    PetitionCategory,
    RoutingRule,
    UnitLevel,
)
from service.directory.reference_data import HANOI, OFFICE_PERIODS, OFFICE_WEEKDAYS
from service.directory.schemas import (
    AgencyCreate,
    AgencyUpdate,
    CalendarDayCreate,
    CalendarDayWrite,
    CategoryCreate,
    CategoryUpdate,
    OfficeHoursWrite,
    RoutingRuleCreate,
    RoutingRuleUpdate,
    plausible_day,
)
from service.errors import Conflict, Invalid, NotFound, ServiceError
from service.i18n import msg

M = TypeVar("M", bound=SQLModel)
T = TypeVar("T")


def _contains(text: str) -> sa.ColumnElement[str]:
    """A diacritic- and case-insensitive LIKE pattern for ``immutable_unaccent`` (migration
    0001), with LIKE's wildcards in the user's text escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.concat("%", sa.func.immutable_unaccent(escaped), "%")


def _code_page(
    model: type[AdminUnit] | type[Agency], *, q: str | None, cursor: str | None, limit: int
) -> Select[Any]:
    """One page of units or agencies in code order, with one row more than ``limit`` (to tell
    whether there is a next page): those after ``cursor`` whose name contains ``q``."""
    stmt = sa.select(model).order_by(col(model.code)).limit(limit + 1)
    if q:
        stmt = stmt.where(sa.func.immutable_unaccent(col(model.name)).like(_contains(q)))
    if cursor is not None:
        stmt = stmt.where(col(model.code) > cursor)
    return stmt


async def _rows(session: AsyncSession, stmt: Select[Any]) -> list[Any]:
    return list((await session.execute(stmt)).scalars())


async def _found(session: AsyncSession, model: type[M], key: object, missing: ServiceError) -> M:
    """The row of ``model`` with this key; ``missing`` raised when there is none."""
    row = await session.get(model, key)
    if row is None:
        raise missing
    return row


async def _written(session: AsyncSession, row: T, *, calendar: bool = False) -> T:
    """After every directory write: flushed, the calendar hooks told when the working days
    may have changed (``calendar``), the reference cache let go; ``row`` handed back."""
    await session.flush()
    if calendar:
        await notify_calendar_change(session)
    await reference_changed(session)
    return row


# --- units ---------------------------------------------------------------------------------


async def list_units(
    session: AsyncSession,
    *,
    province: str | None = None,
    level: UnitLevel | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 200,
) -> list[AdminUnit]:
    """Units ordered by code, after ``cursor`` (a code); ``limit + 1`` rows tell the caller
    whether there is a next page."""
    stmt = narrowed(
        _code_page(AdminUnit, q=q, cursor=cursor, limit=limit),
        (col(AdminUnit.parent_code), province),
        (col(AdminUnit.level), level),
    )
    return await _rows(session, stmt)


async def city_wards(session: AsyncSession) -> list[AdminUnit]:
    """The city's wards and communes, by code: what a form or a filter chooses from and
    names (the directory holds every province's, 3,321 communes, of which this deployment's
    staff, wards and petitions are the city's)."""
    return await list_units(session, province=HANOI, level=UnitLevel.commune, limit=1000)


async def get_unit(session: AsyncSession, code: str) -> AdminUnit:
    return await _found(session, AdminUnit, code, NotFound(msg("unit_not_found_code", code=code)))


async def _require_unit(session: AsyncSession, code: str, field: str) -> AdminUnit:
    unknown = Invalid(msg("unit_unknown", code=code), field=field)
    return await _found(session, AdminUnit, code, unknown)


async def get_unit_for_routing(session: AsyncSession, code: str) -> AdminUnit:
    return await _require_unit(session, code, "unit")


# --- agencies ------------------------------------------------------------------------------


async def list_agencies(
    session: AsyncSession,
    *,
    unit_code: str | None = None,
    kind: AgencyKind | None = None,
    parent_id: uuid.UUID | None = None,
    active: bool | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 200,
) -> list[Agency]:
    stmt = narrowed(
        _code_page(Agency, q=q, cursor=cursor, limit=limit),
        (col(Agency.unit_code), unit_code),
        (col(Agency.kind), kind),
        (col(Agency.parent_id), parent_id),
        (col(Agency.active), active),
    )
    return await _rows(session, stmt)


async def get_agency(session: AsyncSession, agency_id: uuid.UUID) -> Agency:
    return await _found(session, Agency, agency_id, NotFound(msg("agency_not_found")))


async def get_agency_by_code(session: AsyncSession, code: str) -> Agency:
    agency = (
        await session.execute(sa.select(Agency).where(col(Agency.code) == code))
    ).scalar_one_or_none()
    if agency is None:
        raise NotFound(msg("agency_code_not_found", code=code))
    return agency


async def _check_agency(session: AsyncSession, agency: Agency) -> None:
    await _require_unit(session, agency.unit_code, "unit_code")
    if agency.parent_id is not None:
        seen = {agency.id}
        parent_id: uuid.UUID | None = agency.parent_id
        while parent_id is not None:
            if parent_id in seen:
                raise Invalid(msg("agency_own_superior"), field="parent_id")
            seen.add(parent_id)
            parent = await session.get(Agency, parent_id)
            if parent is None:
                raise Invalid(msg("parent_agency_unknown"), field="parent_id")
            parent_id = parent.parent_id
    if agency.kind == AgencyKind.people_committee:
        other = (
            await session.execute(
                sa.select(col(Agency.code)).where(
                    col(Agency.unit_code) == agency.unit_code,
                    col(Agency.kind) == AgencyKind.people_committee.value,
                    col(Agency.id) != agency.id,
                )
            )
        ).scalar_one_or_none()
        if other is not None:
            raise Conflict(msg("people_committee_exists", unit=agency.unit_code, other=other))


async def create_agency(session: AsyncSession, data: AgencyCreate) -> Agency:
    taken = await session.execute(sa.select(col(Agency.id)).where(col(Agency.code) == data.code))
    if taken.first() is not None:
        raise Conflict(msg("agency_code_taken", code=data.code))
    agency = Agency(**data.model_dump())
    await _check_agency(session, agency)
    session.add(agency)
    return await _written(session, agency)


async def update_agency(session: AsyncSession, agency_id: uuid.UUID, data: AgencyUpdate) -> Agency:
    agency = await get_agency(session, agency_id)
    with session.no_autoflush:  # checked before it is written (an unknown unit is a 422)
        for name, value in data.model_dump(exclude_unset=True).items():
            if value is None and name in {
                "name",
                "level",
                "kind",
                "unit_code",
                "channels",
                "active",
            }:
                raise Invalid(msg("field_empty", field=name), field=name)
            setattr(agency, name, value)
        await _check_agency(session, agency)
    return await _written(session, agency)


async def deactivate_agency(session: AsyncSession, agency_id: uuid.UUID) -> Agency:
    """Agencies are never deleted (referrals and users point at them): they stop receiving."""
    agency = await get_agency(session, agency_id)
    agency.active = False
    return await _written(session, agency)


# --- categories ----------------------------------------------------------------------------


async def list_categories(
    session: AsyncSession, *, active: bool | None = None
) -> list[PetitionCategory]:
    stmt = sa.select(PetitionCategory).order_by(
        col(PetitionCategory.sort_order), col(PetitionCategory.code)
    )
    return await _rows(session, narrowed(stmt, (col(PetitionCategory.active), active)))


async def get_category(session: AsyncSession, code: str) -> PetitionCategory:
    missing = NotFound(msg("category_not_found", code=code))
    return await _found(session, PetitionCategory, code, missing)


async def get_category_for_routing(session: AsyncSession, code: str) -> PetitionCategory:
    unknown = Invalid(msg("category_unknown", code=code), field="category")
    return await _found(session, PetitionCategory, code, unknown)


async def create_category(session: AsyncSession, data: CategoryCreate) -> PetitionCategory:
    if await session.get(PetitionCategory, data.code) is not None:
        raise Conflict(msg("category_code_taken", code=data.code))
    category = PetitionCategory(**data.model_dump())
    session.add(category)
    return await _written(session, category)


async def update_category(
    session: AsyncSession, code: str, data: CategoryUpdate
) -> PetitionCategory:
    category = await get_category(session, code)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is None:
            raise Invalid(msg("field_empty", field=name), field=name)
        setattr(category, name, value)
    return await _written(session, category)


async def deactivate_category(session: AsyncSession, code: str) -> PetitionCategory:
    """Categories are never deleted (petitions keep theirs): they leave the pick lists."""
    category = await get_category(session, code)
    category.active = False
    return await _written(session, category)


# --- routing rules -------------------------------------------------------------------------


async def list_rules(
    session: AsyncSession,
    *,
    category_code: str | None = None,
    agency_id: uuid.UUID | None = None,
    active: bool | None = None,
) -> list[RoutingRule]:
    stmt = sa.select(RoutingRule).order_by(
        col(RoutingRule.is_fallback),
        sa.nulls_last(col(RoutingRule.category_code)),
        col(RoutingRule.priority),
        col(RoutingRule.created_at),
        col(RoutingRule.id),
    )
    stmt = narrowed(
        stmt,
        (col(RoutingRule.category_code), category_code),
        (col(RoutingRule.agency_id), agency_id),
        (col(RoutingRule.active), active),
    )
    return await _rows(session, stmt)


async def get_rule(session: AsyncSession, rule_id: uuid.UUID) -> RoutingRule:
    return await _found(session, RoutingRule, rule_id, NotFound(msg("routing_rule_not_found")))


async def _check_rule(session: AsyncSession, rule: RoutingRule) -> None:
    if (rule.agency_id is not None) == rule.agency_of_unit:
        raise Invalid(
            msg("rule_agency_either"),
            field="agency_id",
        )
    if rule.unit_code is not None and rule.unit_level is not None:
        raise Invalid(msg("rule_unit_either"), field="unit_level")
    if rule.category_code is not None and (
        await session.get(PetitionCategory, rule.category_code) is None
    ):
        raise Invalid(msg("category_unknown", code=rule.category_code), field="category_code")
    if rule.unit_code is not None:
        await _require_unit(session, rule.unit_code, "unit_code")
    if rule.agency_id is not None and await session.get(Agency, rule.agency_id) is None:
        raise Invalid(msg("agency_unknown"), field="agency_id")


async def create_rule(session: AsyncSession, data: RoutingRuleCreate) -> RoutingRule:
    rule = RoutingRule(**data.model_dump())
    await _check_rule(session, rule)
    session.add(rule)
    return await _written(session, rule)


async def update_rule(
    session: AsyncSession, rule_id: uuid.UUID, data: RoutingRuleUpdate
) -> RoutingRule:
    rule = await get_rule(session, rule_id)
    changes = data.model_dump(exclude_unset=True)
    for name in ("agency_of_unit", "priority", "is_fallback", "active"):
        if name in changes and changes[name] is None:
            raise Invalid(msg("field_empty", field=name), field=name)
    with session.no_autoflush:  # checked before it is written (an unknown code is a 422)
        for name, value in changes.items():
            setattr(rule, name, value)
        # Switching to the unit's People's Committee clears a fixed agency, and the reverse.
        if changes.get("agency_of_unit") is True and "agency_id" not in changes:
            rule.agency_id = None
        if changes.get("agency_id") is not None and "agency_of_unit" not in changes:
            rule.agency_of_unit = False
        await _check_rule(session, rule)
    return await _written(session, rule)


async def delete_rule(session: AsyncSession, rule_id: uuid.UUID) -> None:
    rule = await get_rule(session, rule_id)
    await session.delete(rule)
    await _written(session, rule)


# --- calendar ------------------------------------------------------------------------------


async def list_days(session: AsyncSession, *, year: int | None = None) -> list[CalendarDay]:
    stmt = sa.select(CalendarDay).order_by(col(CalendarDay.day))
    if year is not None:
        stmt = stmt.where(
            col(CalendarDay.day) >= date(year, 1, 1), col(CalendarDay.day) <= date(year, 12, 31)
        )
    return await _rows(session, stmt)


async def get_day(session: AsyncSession, day: date) -> CalendarDay:
    missing = NotFound(msg("calendar_day_not_found", day=day))
    return await _found(session, CalendarDay, day, missing)


async def add_day(session: AsyncSession, data: CalendarDayCreate) -> CalendarDay:
    if await session.get(CalendarDay, data.day) is not None:
        raise Conflict(msg("calendar_day_exists", day=data.day))
    row = CalendarDay(day=data.day, kind=data.kind, name=data.name)
    session.add(row)
    return await _written(session, row, calendar=True)


async def put_day(session: AsyncSession, day: date, data: CalendarDayWrite) -> CalendarDay:
    """Create or replace the entry of one day (in the years the calendar keeps, as when one
    is added)."""
    if not plausible_day(day):
        raise Invalid(msg("date_out_of_range"), field="path.day")
    row = await session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, kind=data.kind, name=data.name)
        session.add(row)
    else:
        row.kind, row.name = data.kind, data.name
    return await _written(session, row, calendar=True)


async def delete_day(session: AsyncSession, day: date) -> None:
    row = await get_day(session, day)
    await session.delete(row)
    await _written(session, row, calendar=True)


async def get_office_hours(session: AsyncSession) -> OfficeHours:
    """The office-hours row; the defaults (Mon-Fri 08:00-12:00, 13:00-17:00) if none yet."""
    row = await session.get(OfficeHours, 1)
    if row is None:
        row = OfficeHours(id=1, weekdays=list(OFFICE_WEEKDAYS), periods=list(OFFICE_PERIODS))
    return row


async def set_office_hours(session: AsyncSession, data: OfficeHoursWrite) -> OfficeHours:
    schedule = OfficeSchedule(
        weekdays=frozenset(data.weekdays),
        periods=tuple((p.start, p.end) for p in data.periods),
        timezone=data.timezone,
    )
    row = await session.get(OfficeHours, 1)
    if row is None:
        row = OfficeHours(id=1)
        session.add(row)
    row.weekdays = sorted(schedule.weekdays)
    row.periods = schedule.periods_json()
    row.timezone = schedule.timezone
    row.updated_at = utcnow()
    return await _written(session, row, calendar=True)
