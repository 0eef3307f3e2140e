"""``/``: the portal's home: this year's figures for the city and each ward, a chart of the
busiest wards (``reports.charts``, the one chart module of paper and screen), and the latest
published answers (the public feed)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, get
from litestar.di import NamedDependency

from reports.charts import Series, bar_chart
from service.channels import service as channels
from service.db import utcnow
from service.directory.reference_data import HANOI
from service.i18n import translate
from service.petitions.repository import figures
from service.readonly import ReadSession
from service.replies import views
from service.settings import Settings
from service.web.pages import HTMXTemplate, render
from service.web.templating import page_locale

CHART_WARDS = 10
LATEST_ANSWERS = 5


def _chart(wards: list[figures.WardFigures], locale: str, year: int) -> Any:
    busiest = sorted(wards, key=lambda ward: (-ward.received, ward.code))[:CHART_WARDS]
    busiest = [ward for ward in busiest if ward.received]
    if not busiest:
        return None
    return bar_chart(
        translate("web.portal.chart_title", locale, count=len(busiest), year=year),
        [ward.name for ward in busiest],
        [
            Series(translate("web.portal.received", locale), [w.received for w in busiest]),
            Series(translate("web.portal.answered", locale), [w.answered for w in busiest]),
        ],
        width_mm=170.0,
    )


LATEST_ANNOUNCEMENTS = 3


class HomeController(Controller):
    path = "/"

    @get("/")
    async def home(
        self,
        request: Request[Any, Any, Any],
        read_session: ReadSession,
        settings: NamedDependency[Settings],
    ) -> HTMXTemplate:
        year = utcnow().astimezone(ZoneInfo(settings.timezone)).year
        locale = page_locale(request)
        wards = await figures.year_by_ward(read_session, HANOI, year)
        city = figures.city_total(wards, HANOI, translate("web.portal.city", locale))
        latest = await views.public_feed(
            read_session, views.PublicFilter(), cursor=None, limit=LATEST_ANSWERS
        )
        return render(
            request,
            "portal/home.html",
            year=year,
            city=city,
            ward_figures=sorted(wards, key=lambda ward: (-ward.received, ward.name)),
            ward_names={ward.code: ward.name for ward in wards},
            chart=_chart(wards, locale, year),
            latest=latest.items,
            announcements=await channels.portal_announcements(read_session, LATEST_ANNOUNCEMENTS),
        )
