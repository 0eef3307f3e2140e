"""``/console/dashboard``: the People's Council's and the Front leaders' figures for a period
and a ward, as charts with their tables (``figures``); the filters are a GET form."""

from datetime import date, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.directory import service as directory
from service.i18n import label, translate, value_error
from service.readonly import ReadSession
from service.settings import Settings
from service.web.dashboard.cache import FiguresCache
from service.web.dashboard.figures import Overview, Translate, overview
from service.web.pages import HTMXTemplate, read_query, render, render_fragment
from service.web.templating import page_locale

DASHBOARD_ROLES = (Role.council_reader, Role.front_officer)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # the API's bounds of a period


class DashboardQuery(BaseModel):
    """The filters: local days from..to (inclusive) and a ward; empty = the defaults."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", str_strip_whitespace=True)

    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    unit_code: str | None = Field(default=None, max_length=16, pattern=r"^[0-9]{2,16}$")

    @field_validator("from_", "to")
    @classmethod
    def _in_range(cls, value: date | None) -> date | None:
        if value is not None and not FIRST_DAY <= value <= LAST_DAY:
            raise value_error("date_out_of_range")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> "DashboardQuery":
        if self.from_ and self.to and self.from_ > self.to:
            raise value_error("web.dashboard.period_reversed")
        return self


def translator(locale: str) -> Translate:
    """``t(code, **params)`` in ``locale``; an enum member gives its label."""

    def t(code: str | Enum, /, **params: Any) -> str:
        if isinstance(code, Enum):
            return label(code, locale)
        return translate(code, locale, **params)

    return t


def default_period(settings: Settings, query: DashboardQuery) -> tuple[date, date]:
    """The twelve months to today unless the form says otherwise."""
    last = query.to or utcnow().astimezone(ZoneInfo(settings.timezone)).date()
    if query.from_ is not None:
        # A start after today (with no end) is the one day of today, not an empty period.
        return min(query.from_, last), last
    start = date(last.year - 1, last.month, 1) + timedelta(days=31)
    return start.replace(day=1), last


class DashboardController(Controller):
    path = "/dashboard"
    guards = [staff(*DASHBOARD_ROLES)]

    @get("/")
    async def dashboard(
        self,
        request: Request[StaffPrincipal, Any, Any],
        read_session: ReadSession,
        settings: NamedDependency[Settings],
        figures_cache: NamedDependency[FiguresCache],
    ) -> HTMXTemplate:
        viewer = request.user
        form = read_query(request, DashboardQuery)
        query = form.data or DashboardQuery()
        first, last = default_period(settings, query)
        # A ward's reader sees their ward (as the API's scope does); the city, any ward.
        unit_code = viewer.unit_code or query.unit_code
        wards = (
            [await directory.get_unit(read_session, viewer.unit_code)]
            if viewer.unit_code
            else await directory.city_wards(read_session)
        )
        locale = page_locale(request)
        scope = (viewer.role, viewer.unit_code, viewer.agency_id, unit_code, first, last, locale)

        async def compute_with(session: AsyncSession) -> tuple[Overview, Markup]:
            result = await overview(
                session,
                settings,
                viewer,
                first=first,
                last=last,
                unit_code=unit_code,
                t=translator(locale),
            )
            grid = render_fragment(request, "console/dashboard/_grid.html", overview=result)
            return result, grid

        async def compute() -> tuple[Overview, Markup]:
            return await compute_with(read_session)

        sessions = request.app.state.sessions

        async def refresh() -> tuple[Overview, Markup]:
            # After the response: a session of its own, not the request's (closed by then).
            async with sessions() as session:
                return await compute_with(session)

        computed = await figures_cache.get(scope, compute, refresh)
        choices = [(ward.code, ward.name) for ward in wards]
        return render(
            request,
            "console/dashboard/index.html",
            status_code=form.status_code,
            form=form,
            period=(first, last),
            wards=choices,
            computed=computed,
        )
