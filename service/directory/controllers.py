"""The directory API: any staff member reads, administrators write."""

import uuid
from datetime import date
from typing import Annotated

from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter, RequestBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import admin_only, staff
from service.directory import service
from service.directory.calendar import OfficeSchedule
from service.directory.models import AgencyKind, OfficeHours, UnitLevel
from service.directory.routing import suggest_route
from service.directory.schemas import (
    CALENDAR_DAY_PATTERN,
    AgencyCreate,
    AgencyRead,
    AgencyUpdate,
    CalendarDayCreate,
    CalendarDayRead,
    CalendarDayWrite,
    CategoryCreate,
    CategoryRead,
    CategoryUpdate,
    OfficeHoursRead,
    OfficeHoursWrite,
    OfficePeriod,
    Page,
    RouteSuggestionRead,
    RoutingRuleCreate,
    RoutingRuleRead,
    RoutingRuleUpdate,
    UnitRead,
)

Limit = Annotated[int, QueryParameter(ge=1, le=1000, description="Page size.")]
Cursor = Annotated[
    str | None, QueryParameter(max_length=64, description="next_cursor of the previous page.")
]
Search = Annotated[
    str | None,
    QueryParameter(max_length=100, description="Diacritic-insensitive search in the name."),
]


class UnitController(Controller):
    path = "/directory/units"
    tags = ["directory"]
    guards = [staff()]

    @get("/")
    async def list_units(
        self,
        db_session: NamedDependency[AsyncSession],
        province: Annotated[str | None, QueryParameter(max_length=16)] = None,
        level: FromQuery[UnitLevel | None] = None,
        q: Search = None,
        cursor: Cursor = None,
        limit: Limit = 200,
    ) -> Page[UnitRead]:
        units = await service.list_units(
            db_session, province=province, level=level, q=q, cursor=cursor, limit=limit
        )
        items = [UnitRead.model_validate(u) for u in units[:limit]]
        return Page(items=items, next_cursor=items[-1].code if len(units) > limit else None)

    @get("/{code:str}")
    async def get_unit(
        self, code: FromPath[str], db_session: NamedDependency[AsyncSession]
    ) -> UnitRead:
        return UnitRead.model_validate(await service.get_unit(db_session, code))


class AgencyController(Controller):
    path = "/directory/agencies"
    tags = ["directory"]
    guards = [staff()]

    @get("/")
    async def list_agencies(
        self,
        db_session: NamedDependency[AsyncSession],
        unit: Annotated[str | None, QueryParameter(max_length=16)] = None,
        kind: FromQuery[AgencyKind | None] = None,
        parent_id: FromQuery[uuid.UUID | None] = None,
        active: FromQuery[bool | None] = None,
        q: Search = None,
        cursor: Cursor = None,
        limit: Limit = 200,
    ) -> Page[AgencyRead]:
        agencies = await service.list_agencies(
            db_session,
            unit_code=unit,
            kind=kind,
            parent_id=parent_id,
            active=active,
            q=q,
            cursor=cursor,
            limit=limit,
        )
        items = [AgencyRead.model_validate(a) for a in agencies[:limit]]
        return Page(items=items, next_cursor=items[-1].code if len(agencies) > limit else None)

    @get("/{agency_id:uuid}")
    async def get_agency(
        self, agency_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> AgencyRead:
        return AgencyRead.model_validate(await service.get_agency(db_session, agency_id))

    @post("/", guards=[admin_only], status_code=HTTP_201_CREATED)
    async def create_agency(
        self, data: RequestBody[AgencyCreate], db_session: NamedDependency[AsyncSession]
    ) -> AgencyRead:
        return AgencyRead.model_validate(await service.create_agency(db_session, data))

    @patch("/{agency_id:uuid}", guards=[admin_only])
    async def update_agency(
        self,
        agency_id: FromPath[uuid.UUID],
        data: RequestBody[AgencyUpdate],
        db_session: NamedDependency[AsyncSession],
    ) -> AgencyRead:
        return AgencyRead.model_validate(await service.update_agency(db_session, agency_id, data))

    @delete("/{agency_id:uuid}", guards=[admin_only])
    async def deactivate_agency(
        self, agency_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> None:
        """Deactivates: the agency stays for the records but receives nothing new."""
        await service.deactivate_agency(db_session, agency_id)


class CategoryController(Controller):
    path = "/directory/categories"
    tags = ["directory"]
    guards = [staff()]

    @get("/")
    async def list_categories(
        self, db_session: NamedDependency[AsyncSession], active: FromQuery[bool | None] = None
    ) -> list[CategoryRead]:
        return [
            CategoryRead.model_validate(c)
            for c in await service.list_categories(db_session, active=active)
        ]

    @get("/{code:str}")
    async def get_category(
        self, code: FromPath[str], db_session: NamedDependency[AsyncSession]
    ) -> CategoryRead:
        return CategoryRead.model_validate(await service.get_category(db_session, code))

    @post("/", guards=[admin_only], status_code=HTTP_201_CREATED)
    async def create_category(
        self, data: RequestBody[CategoryCreate], db_session: NamedDependency[AsyncSession]
    ) -> CategoryRead:
        return CategoryRead.model_validate(await service.create_category(db_session, data))

    @patch("/{code:str}", guards=[admin_only])
    async def update_category(
        self,
        code: FromPath[str],
        data: RequestBody[CategoryUpdate],
        db_session: NamedDependency[AsyncSession],
    ) -> CategoryRead:
        return CategoryRead.model_validate(await service.update_category(db_session, code, data))

    @delete("/{code:str}", guards=[admin_only])
    async def deactivate_category(
        self, code: FromPath[str], db_session: NamedDependency[AsyncSession]
    ) -> None:
        """Deactivates: petitions keep their category, new ones cannot pick it."""
        await service.deactivate_category(db_session, code)


class RoutingRuleController(Controller):
    path = "/directory/routing-rules"
    tags = ["directory"]
    guards = [staff()]

    @get("/")
    async def list_rules(
        self,
        db_session: NamedDependency[AsyncSession],
        category: Annotated[str | None, QueryParameter(max_length=64)] = None,
        agency_id: FromQuery[uuid.UUID | None] = None,
        active: FromQuery[bool | None] = None,
    ) -> list[RoutingRuleRead]:
        rules = await service.list_rules(
            db_session, category_code=category, agency_id=agency_id, active=active
        )
        return [RoutingRuleRead.model_validate(r) for r in rules]

    @get("/{rule_id:uuid}")
    async def get_rule(
        self, rule_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> RoutingRuleRead:
        return RoutingRuleRead.model_validate(await service.get_rule(db_session, rule_id))

    @post("/", guards=[admin_only], status_code=HTTP_201_CREATED)
    async def create_rule(
        self, data: RequestBody[RoutingRuleCreate], db_session: NamedDependency[AsyncSession]
    ) -> RoutingRuleRead:
        return RoutingRuleRead.model_validate(await service.create_rule(db_session, data))

    @patch("/{rule_id:uuid}", guards=[admin_only])
    async def update_rule(
        self,
        rule_id: FromPath[uuid.UUID],
        data: RequestBody[RoutingRuleUpdate],
        db_session: NamedDependency[AsyncSession],
    ) -> RoutingRuleRead:
        return RoutingRuleRead.model_validate(await service.update_rule(db_session, rule_id, data))

    @delete("/{rule_id:uuid}", guards=[admin_only])
    async def delete_rule(
        self, rule_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> None:
        await service.delete_rule(db_session, rule_id)


class RoutingController(Controller):
    path = "/directory/routing"
    tags = ["directory"]
    guards = [staff()]

    @get("/suggest")
    async def suggest(
        self,
        db_session: NamedDependency[AsyncSession],
        category: Annotated[str, QueryParameter(min_length=1, max_length=64)],
        unit: Annotated[str, QueryParameter(min_length=1, max_length=16)],
    ) -> RouteSuggestionRead:
        """The agency the routing rules suggest; ``agency`` is null when no rule matches."""
        await service.get_category_for_routing(db_session, category)
        await service.get_unit_for_routing(db_session, unit)
        suggestion = await suggest_route(db_session, category, unit)
        return RouteSuggestionRead(
            category=category,
            unit_code=unit,
            agency=AgencyRead.model_validate(suggestion.agency) if suggestion else None,
            rule_id=suggestion.rule.id if suggestion else None,
        )


def _office_hours(row: OfficeHours) -> OfficeHoursRead:
    schedule = OfficeSchedule.from_row(row)
    return OfficeHoursRead(
        weekdays=sorted(schedule.weekdays),
        periods=[OfficePeriod(start=start, end=end) for start, end in schedule.periods],
        timezone=schedule.timezone,
        updated_at=row.updated_at,
    )


class CalendarController(Controller):
    path = "/directory/calendar"
    tags = ["directory"]
    guards = [staff()]

    @get("/")
    async def list_days(
        self,
        db_session: NamedDependency[AsyncSession],
        year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
    ) -> list[CalendarDayRead]:
        """Holidays, days off and swapped working days (days that differ from the week)."""
        return [
            CalendarDayRead.model_validate(d)
            for d in await service.list_days(db_session, year=year)
        ]

    @post("/", guards=[admin_only], status_code=HTTP_201_CREATED)
    async def add_day(
        self, data: RequestBody[CalendarDayCreate], db_session: NamedDependency[AsyncSession]
    ) -> CalendarDayRead:
        return CalendarDayRead.model_validate(await service.add_day(db_session, data))

    @get("/office-hours")
    async def get_office_hours(self, db_session: NamedDependency[AsyncSession]) -> OfficeHoursRead:
        return _office_hours(await service.get_office_hours(db_session))

    @put("/office-hours", guards=[admin_only])
    async def set_office_hours(
        self, data: RequestBody[OfficeHoursWrite], db_session: NamedDependency[AsyncSession]
    ) -> OfficeHoursRead:
        return _office_hours(await service.set_office_hours(db_session, data))

    @get("/{day:date}")
    async def get_day(
        self, day: FromPath[date], db_session: NamedDependency[AsyncSession]
    ) -> CalendarDayRead:
        return CalendarDayRead.model_validate(await service.get_day(db_session, day))

    @put("/{day:date}", guards=[admin_only])
    async def put_day(
        self,
        day: Annotated[date, PathParameter(schema_extra={"pattern": CALENDAR_DAY_PATTERN})],
        data: RequestBody[CalendarDayWrite],
        db_session: NamedDependency[AsyncSession],
    ) -> CalendarDayRead:
        """Creates or replaces the entry of one day."""
        return CalendarDayRead.model_validate(await service.put_day(db_session, day, data))

    @delete("/{day:date}", guards=[admin_only])
    async def delete_day(
        self, day: FromPath[date], db_session: NamedDependency[AsyncSession]
    ) -> None:
        await service.delete_day(db_session, day)


controllers = [
    UnitController,
    AgencyController,
    CategoryController,
    RoutingRuleController,
    RoutingController,
    CalendarController,
]
