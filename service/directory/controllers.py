"""The directory API: any staff member reads, administrators write.

Agencies, categories and routing rules are edited the same way (read one, create, update,
remove): ``_add_editing`` makes those four methods of each controller from its key, schemas
and service operations; the lists, with their own filters, stay written methods.
"""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Annotated, Any, TypeVar

from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, PathParameter, QueryParameter, RequestBody
from litestar.status_codes import HTTP_201_CREATED
from pydantic import BaseModel
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
from service.directory.service import (
    create_agency,
    create_category,
    create_rule,
    deactivate_agency,
    deactivate_category,
    delete_rule,
    get_agency,
    get_category,
    get_rule,
    update_agency,
    update_category,
    update_rule,
)
from service.http.generated import as_handler

Limit = Annotated[int, QueryParameter(ge=1, le=1000, description="Page size.")]
Cursor = Annotated[
    str | None, QueryParameter(max_length=64, description="next_cursor of the previous page.")
]
Search = Annotated[
    str | None,
    QueryParameter(max_length=100, description="Diacritic-insensitive search in the name."),
]

Read = TypeVar("Read", UnitRead, AgencyRead)


def _page(rows: Sequence[Any], read: type[Read], limit: int) -> Page[Read]:
    """The first ``limit`` rows (the service reads one more, to know a next page exists),
    with the last one's ``code`` as the cursor of the next."""
    items = [read.model_validate(row) for row in rows[:limit]]
    return Page(items=items, next_cursor=items[-1].code if len(rows) > limit else None)


class _DirectoryController(Controller):
    """Any staff member reads the directory; the writing routes add ``admin_only``."""

    tags = ["directory"]
    guards = [staff()]


class UnitController(_DirectoryController):
    path = "/directory/units"

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
        return _page(units, UnitRead, limit)

    @get("/{code:str}")
    async def get_unit(
        self, code: FromPath[str], db_session: NamedDependency[AsyncSession]
    ) -> UnitRead:
        return UnitRead.model_validate(await service.get_unit(db_session, code))


class AgencyController(_DirectoryController):
    path = "/directory/agencies"

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
        return _page(agencies, AgencyRead, limit)


class CategoryController(_DirectoryController):
    path = "/directory/categories"

    @get("/")
    async def list_categories(
        self, db_session: NamedDependency[AsyncSession], active: FromQuery[bool | None] = None
    ) -> list[CategoryRead]:
        return [
            CategoryRead.model_validate(c)
            for c in await service.list_categories(db_session, active=active)
        ]


class RoutingRuleController(_DirectoryController):
    path = "/directory/routing-rules"

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


class RoutingController(_DirectoryController):
    path = "/directory/routing"

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


class CalendarController(_DirectoryController):
    path = "/directory/calendar"

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


Lookup = Callable[[AsyncSession, Any], Awaitable[Any]]  # (session, key or body) -> row
Change = Callable[[AsyncSession, Any, Any], Awaitable[Any]]  # (session, key, body) -> row


def _add_editing(
    owner: type[Controller],
    key: tuple[str, type],
    schemas: tuple[type[BaseModel], type[BaseModel], type[BaseModel]],
    operations: tuple[Lookup, Lookup, Change, Lookup],
) -> None:
    """``owner``'s methods to read one entry, create, update and remove one (``GET``,
    ``PATCH``, ``DELETE <path>/<key>``, ``POST <path>/``): any staff member reads,
    administrators write. ``key`` is the path parameter and its type; ``schemas`` the read,
    create and update ones; ``operations`` the service's get, create, update and remove
    (entries are deactivated, rules deleted), each handler named as the operation it calls
    and answering with the read schema of the row it returns."""
    key_name, key_type = key
    read, create_body, update_body = schemas
    get_one, create_one, update_one, remove_one = operations
    key_path = f"/{{{key_name}:{'uuid' if key_type is uuid.UUID else 'str'}}}"
    path_key = {key_name: Annotated[key_type, PathParameter()]}
    session = {"db_session": NamedDependency[AsyncSession]}

    def method(
        route: Any, handler: Any, name: str, parameters: dict[str, Any], returns: Any
    ) -> None:
        as_handler(handler, name=name, parameters=parameters, returns=returns, owner=owner)
        setattr(owner, name, route(handler))

    async def read_handler(self: Controller, **kwargs: Any) -> BaseModel:
        return read.model_validate(await get_one(kwargs["db_session"], kwargs[key_name]))

    async def create_handler(self: Controller, **kwargs: Any) -> BaseModel:
        return read.model_validate(await create_one(kwargs["db_session"], kwargs["data"]))

    async def update_handler(self: Controller, **kwargs: Any) -> BaseModel:
        row = await update_one(kwargs["db_session"], kwargs[key_name], kwargs["data"])
        return read.model_validate(row)

    async def remove_handler(self: Controller, **kwargs: Any) -> None:
        await remove_one(kwargs["db_session"], kwargs[key_name])

    method(get(key_path), read_handler, get_one.__name__, {**path_key, **session}, read)
    method(
        post("/", guards=[admin_only], status_code=HTTP_201_CREATED),
        create_handler,
        create_one.__name__,
        {"data": RequestBody[create_body], **session},  # type: ignore[misc,valid-type]
        read,
    )
    method(
        patch(key_path, guards=[admin_only]),
        update_handler,
        update_one.__name__,
        {**path_key, "data": RequestBody[update_body], **session},  # type: ignore[misc,valid-type]
        read,
    )
    removal = delete(key_path, guards=[admin_only])
    method(removal, remove_handler, remove_one.__name__, {**path_key, **session}, None)


_add_editing(
    AgencyController,
    ("agency_id", uuid.UUID),
    (AgencyRead, AgencyCreate, AgencyUpdate),
    # Removal deactivates: the agency stays for the records but receives nothing new.
    (get_agency, create_agency, update_agency, deactivate_agency),
)
_add_editing(
    CategoryController,
    ("code", str),
    (CategoryRead, CategoryCreate, CategoryUpdate),
    # Removal deactivates: petitions keep their category, new ones cannot pick it.
    (get_category, create_category, update_category, deactivate_category),
)
_add_editing(
    RoutingRuleController,
    ("rule_id", uuid.UUID),
    (RoutingRuleRead, RoutingRuleCreate, RoutingRuleUpdate),
    (get_rule, create_rule, update_rule, delete_rule),
)

controllers = [
    UnitController,
    AgencyController,
    CategoryController,
    RoutingRuleController,
    RoutingController,
    CalendarController,
]
