"""The rest of the admin console: the home of the section with the audit chain's
verification, the working-day calendar (holidays, swapped days, office hours), the routing
rules and failed jobs (retry): the services the admin API calls (``service.directory``,
``service.jobs``, ``service.audit``)."""

import uuid
from datetime import date
from functools import partial
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Router, get, post
from litestar.di import NamedDependency
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.chain import verify
from service.db import utcnow
from service.directory import service as directory
from service.directory.calendar import OfficeSchedule
from service.directory.models import DayKind, UnitLevel
from service.directory.schemas import (
    CALENDAR_YEARS,
    CalendarDayCreate,
    OfficeHoursWrite,
    RoutingRuleCreate,
)
from service.errors import NotFound
from service.http.params import AnyRequest
from service.i18n import READERS_TIMEZONE, msg
from service.jobs import service as jobs
from service.jobs.controllers import MAX_ID
from service.web.admin.common import ADMIN, FromForm, admin_section
from service.web.forms import reshapes_form
from service.web.pages import Form, HTMXTemplate, read_query, render
from service.web.routes import ButtonSpec, FormSpec, Shown, form_page

CALENDAR = "/console/admin/calendar"
RULES = "/console/admin/routing"
JOBS = "/console/admin/jobs"
JOBS_PAGE = 50


@get("/")
async def admin_home(request: AnyRequest) -> HTMXTemplate:
    return render(request, "console/admin/index.html", result=None)


@post("/audit/verify", status_code=200)
async def verify_audit(
    request: AnyRequest, db_session: NamedDependency[AsyncSession]
) -> HTMXTemplate:
    """Walks the sealed chain (``giamsat audit verify`` without the sealing, which is the
    sealer job's): intact, or the first broken link."""
    return render(request, "console/admin/index.html", result=await verify(db_session))


class OfficeHoursForm(FromForm, OfficeHoursWrite):
    """Office hours from the form: weekday boxes, periods as ``08:00-12:00, 13:00-17:00``."""

    @reshapes_form
    def _flat(cls, values: dict[str, Any]) -> dict[str, Any]:
        if isinstance(values.get("weekdays"), str):
            values["weekdays"] = [values["weekdays"]]
        if isinstance(values.get("periods"), str):
            values["periods"] = [
                dict(zip(("start", "end"), part.strip().split("-", 1), strict=False))
                for part in values["periods"].split(",")
                if part.strip()
            ]
        return values


class RuleForm(FromForm, RoutingRuleCreate):
    pass


class YearQuery(BaseModel):
    year: Annotated[int, Field(ge=CALENDAR_YEARS[0], le=CALENDAR_YEARS[1])] | None = None


class CursorQuery(BaseModel):
    cursor: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


def periods_text(schedule: OfficeSchedule) -> str:
    return ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in schedule.periods)


async def calendar_page(
    request: AnyRequest,
    session: AsyncSession,
    form: Form[Any] | None = None,
    *,
    which: str = "day_form",
    status_code: int = 200,
) -> HTMXTemplate:
    """The year's special days and the office hours, with a form for each (``which`` is
    the one ``form`` fills after a refusal)."""
    query = read_query(request, YearQuery)
    this_year = utcnow().astimezone(ZoneInfo(READERS_TIMEZONE)).year
    year = (query.data.year if query.data else None) or this_year
    schedule = OfficeSchedule.from_row(await directory.get_office_hours(session))
    forms: dict[str, Any] = {
        "day_form": Form(values={}),
        "hours_form": Form(
            values={
                "weekdays": [str(day) for day in sorted(schedule.weekdays)],
                "periods": periods_text(schedule),
            }
        ),
    }
    if form is not None:
        forms[which] = form
    return render(
        request,
        "console/admin/calendar.html",
        status_code=status_code if query.ok else 422,
        year=year,
        years=CALENDAR_YEARS,
        year_form=query,
        days=await directory.list_days(session, year=year),
        kinds=list(DayKind),
        **forms,
    )


async def _rules(_: AnyRequest, session: AsyncSession) -> Shown:
    agencies = await directory.list_agencies(session, limit=5000)
    shown = {
        "rules": await directory.list_rules(session),
        "categories": await directory.list_categories(session),
        "agencies": agencies,
        "agency_names": {agency.id: agency.name for agency in agencies},
        "levels": list(UnitLevel),
    }
    return shown, {}


rules_page = form_page("console/admin/routing.html", _rules)


async def jobs_page(
    request: AnyRequest, session: AsyncSession, form: Form[Any] | None = None
) -> HTMXTemplate:
    query = read_query(request, CursorQuery)
    failures, next_cursor = await jobs.list_failures(
        session,
        cursor=query.data.cursor if query.data else None,
        limit=JOBS_PAGE,
        include_retried=True,
    )
    return render(
        request,
        "console/admin/jobs.html",
        status_code=query.status_code,
        failures=failures,
        next_cursor=next_cursor,
        outbox=await jobs.outbox_stats(session),
    )


# The services of the forms and buttons, as (session, request, data or the path's id).
async def _add_day(session: AsyncSession, _: AnyRequest, data: CalendarDayCreate) -> Any:
    return await directory.add_day(session, data)


async def _delete_day(session: AsyncSession, _: AnyRequest, day: Any) -> Any:
    return await directory.delete_day(session, _day(day))


async def _set_hours(session: AsyncSession, _: AnyRequest, data: OfficeHoursWrite) -> Any:
    return await directory.set_office_hours(session, data)


async def _create_rule(session: AsyncSession, _: AnyRequest, data: RoutingRuleCreate) -> Any:
    return await directory.create_rule(session, data)


async def _delete_rule(session: AsyncSession, _: AnyRequest, rule_id: uuid.UUID) -> Any:
    return await directory.delete_rule(session, rule_id)


async def _retry_job(session: AsyncSession, request: AnyRequest, failure_id: int) -> Any:
    if failure_id > MAX_ID:  # the path takes any integer; the table's ids are bigints
        raise NotFound(msg("failed_job_not_found", id=failure_id))
    return await jobs.retry_failure(session, failure_id, actor=request.user)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


CALENDAR_FORMS: list[FormSpec | ButtonSpec] = [
    FormSpec("/days", CalendarDayCreate, _add_day, "web.admin.day_added"),
    ButtonSpec("/days/{day:date}/delete", "day", _delete_day, "web.admin.day_deleted"),
    FormSpec(
        "/office-hours",
        OfficeHoursForm,
        _set_hours,
        "web.admin.hours_saved",
        page=partial(calendar_page, which="hours_form"),
    ),
]
RULE_FORMS: list[FormSpec | ButtonSpec] = [
    FormSpec("/", RuleForm, _create_rule, "web.admin.rule_created"),
    ButtonSpec("/{rule_id:uuid}/delete", "rule_id", _delete_rule, "web.admin.rule_deleted"),
]
JOB_FORMS = [
    ButtonSpec("/{failure_id:int}/retry", "failure_id", _retry_job, "web.admin.job_retried")
]

routers = [
    Router("/admin", guards=ADMIN, route_handlers=[admin_home, verify_audit]),
    admin_section("/admin/calendar", calendar_page, CALENDAR, CALENDAR_FORMS),
    admin_section("/admin/routing", rules_page, RULES, RULE_FORMS),
    admin_section("/admin/jobs", jobs_page, JOBS, JOB_FORMS),
]
