"""The rest of the admin console: the home of the section, the working-day calendar
(holidays, swapped days, office hours), the routing rules, failed jobs (retry) and the
audit chain's verification: the services the admin API calls (``service.directory``,
``service.jobs``, ``service.audit``)."""

import uuid
from datetime import date
from functools import partial
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, PathParameter, QueryParameter
from litestar.response import Redirect
from pydantic import model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.chain import verify
from service.auth.principals import StaffPrincipal
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
from service.jobs import service as jobs
from service.jobs.controllers import MAX_ID
from service.settings import Settings
from service.web.admin.common import ADMIN, FromForm, submitted
from service.web.pages import Form, HTMXTemplate, redirect, render

StaffRequest = Request[StaffPrincipal, Any, Any]
CALENDAR = "/console/admin/calendar"
RULES = "/console/admin/routing"
JOBS_PAGE = 50


class AdminHomePage(Controller):
    path = "/admin"
    guards = ADMIN

    @get("/")
    async def home(self, request: StaffRequest) -> HTMXTemplate:
        return render(request, "console/admin/index.html", result=None)

    @post("/audit/verify", status_code=200)
    async def verify_audit(
        self, request: StaffRequest, db_session: NamedDependency[AsyncSession]
    ) -> HTMXTemplate:
        """Walks the sealed chain (``giamsat audit verify`` without the sealing, which is the
        sealer job's): intact, or the first broken link."""
        return render(request, "console/admin/index.html", result=await verify(db_session))


class OfficeHoursForm(FromForm, OfficeHoursWrite):
    """Office hours from the form: weekday boxes, periods as ``08:00-12:00, 13:00-17:00``."""

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        values = dict(values)
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


def periods_text(schedule: OfficeSchedule) -> str:
    return ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in schedule.periods)


async def _calendar_page(
    request: StaffRequest,
    session: AsyncSession,
    settings: Settings,
    year: int | None = None,
    day_form: Form[Any] | None = None,
    hours_form: Form[Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMXTemplate:
    year = year or utcnow().astimezone(ZoneInfo(settings.timezone)).year
    schedule = OfficeSchedule.from_row(await directory.get_office_hours(session))
    hours = {
        "weekdays": [str(d) for d in sorted(schedule.weekdays)],
        "periods": periods_text(schedule),
    }
    return render(
        request,
        "console/admin/calendar.html",
        status_code=status_code,
        year=year,
        years=CALENDAR_YEARS,
        days=await directory.list_days(session, year=year),
        kinds=list(DayKind),
        day_form=day_form or Form(values={}),
        hours_form=hours_form or Form(values=hours),
    )


class CalendarAdminPages(Controller):
    path = "/admin/calendar"
    guards = ADMIN

    @get("/")
    async def calendar(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        year: Annotated[
            int | None, QueryParameter(ge=CALENDAR_YEARS[0], le=CALENDAR_YEARS[1])
        ] = None,
    ) -> HTMXTemplate:
        return await _calendar_page(request, db_session, settings, year)

    @post("/days", status_code=303)
    async def add_day(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Redirect | HTMXTemplate:
        return await submitted(
            request,
            CalendarDayCreate,
            partial(directory.add_day, db_session),
            done=CALENDAR,
            flash="web.admin.day_added",
            again=lambda form: _calendar_page(
                request, db_session, settings, day_form=form, status_code=422
            ),
        )

    @post("/days/{day:date}/delete", status_code=303)
    async def delete_day(
        self,
        db_session: NamedDependency[AsyncSession],
        day: Annotated[date, PathParameter()],
    ) -> Redirect:
        await directory.delete_day(db_session, day)
        return redirect(f"{CALENDAR}?year={day.year}", flash="web.admin.day_deleted")

    @post("/office-hours", status_code=303)
    async def office_hours(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Redirect | HTMXTemplate:
        return await submitted(
            request,
            OfficeHoursForm,
            partial(directory.set_office_hours, db_session),
            done=CALENDAR,
            flash="web.admin.hours_saved",
            again=lambda form: _calendar_page(
                request, db_session, settings, hours_form=form, status_code=422
            ),
        )


async def _rules_page(
    request: StaffRequest, session: AsyncSession, form: Form[Any], *, status_code: int = 200
) -> HTMXTemplate:
    agencies = await directory.list_agencies(session, limit=5000)
    return render(
        request,
        "console/admin/routing.html",
        status_code=status_code,
        rules=await directory.list_rules(session),
        categories=await directory.list_categories(session),
        agencies=agencies,
        agency_names={agency.id: agency.name for agency in agencies},
        levels=list(UnitLevel),
        form=form,
    )


class RoutingAdminPages(Controller):
    path = "/admin/routing"
    guards = ADMIN

    @get("/")
    async def rules(
        self, request: StaffRequest, db_session: NamedDependency[AsyncSession]
    ) -> HTMXTemplate:
        return await _rules_page(request, db_session, Form(values={}))

    @post("/", status_code=303)
    async def create(
        self, request: StaffRequest, db_session: NamedDependency[AsyncSession]
    ) -> Redirect | HTMXTemplate:
        return await submitted(
            request,
            RuleForm,
            partial(directory.create_rule, db_session),
            done=RULES,
            flash="web.admin.rule_created",
            again=partial(_rules_page, request, db_session, status_code=422),
        )

    @post("/{rule_id:uuid}/delete", status_code=303)
    async def delete(
        self, db_session: NamedDependency[AsyncSession], rule_id: FromPath[uuid.UUID]
    ) -> Redirect:
        await directory.delete_rule(db_session, rule_id)
        return redirect(RULES, flash="web.admin.rule_deleted")


class JobAdminPages(Controller):
    path = "/admin/jobs"
    guards = ADMIN

    @get("/")
    async def failed(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        cursor: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
    ) -> HTMXTemplate:
        failures, next_cursor = await jobs.list_failures(
            db_session, cursor=cursor, limit=JOBS_PAGE, include_retried=True
        )
        return render(
            request,
            "console/admin/jobs.html",
            failures=failures,
            next_cursor=next_cursor,
            outbox=await jobs.outbox_stats(db_session),
        )

    @post("/{failure_id:int}/retry", status_code=303)
    async def retry(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        failure_id: Annotated[int, PathParameter(ge=1, le=MAX_ID)],
    ) -> Redirect:
        await jobs.retry_failure(db_session, failure_id, actor=request.user)
        return redirect("/console/admin/jobs", flash="web.admin.job_retried")
