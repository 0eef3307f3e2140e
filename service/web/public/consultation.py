"""``/gop-y-du-thao``: the public consultation on drafts the Front submits to social
criticism (issue 14 §2). The list shows the drafts whose consultation is open (and those
whose outcome the Front made public); a draft's page shows its sections, the comments
moderation showed (redacted) and, once public, the points of the criticism with the drafting
agency's answers. A comment goes through the petition form's bot defences (``antibot``: the
signed form token, the honeypot, the per-address limit) and waits for moderation."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter
from sqlalchemy.ext.asyncio import AsyncSession

import service.web.public.antibot as antibot
from service.criticism import service
from service.criticism.models import CriticismDraft, OpinionStatus
from service.criticism.schemas import PublicComment
from service.criticism.views import public_opinion, public_points
from service.i18n import msg
from service.readonly import ReadSession
from service.settings import Settings
from service.web.forms import post_form
from service.web.pages import Form, HTMXTemplate, PageVisit, Visit, redirect, render

PATH = "/gop-y-du-thao"
Code = Annotated[str, PathParameter(pattern=r"^[A-Za-z0-9][A-Za-z0-9./-]{1,39}$")]


async def _context(session: AsyncSession, draft: CriticismDraft) -> dict[str, Any]:
    opinions = await service.opinions_of(session, draft, statuses=[OpinionStatus.shown])
    points = await service.points_of(session, draft)
    return {
        "draft": draft,
        "comments": [public_opinion(o) for o in opinions],
        "points": public_points(draft, points),
        "open": str(draft.state) == "consulting",
    }


PAGE = antibot.GuardedPage("portal/consultation.html", _context)


class ConsultationController(Controller):
    path = PATH

    @get("/")
    async def drafts(
        self, request: Request[Any, Any, Any], read_session: ReadSession
    ) -> HTMXTemplate:
        items = await service.consulting_drafts(read_session)
        return render(request, "portal/consultations.html", items=items)

    @get("/{code:str}")
    async def draft(
        self,
        request: Request[Any, Any, Any],
        read_session: ReadSession,
        settings: NamedDependency[Settings],
        code: Code,
    ) -> HTMXTemplate:
        found = await service.public_draft(read_session, code)
        reading = PageVisit(request, read_session, settings)
        return await PAGE.render(reading, Form(values={}), draft=found)

    @post("/{code:str}", status_code=303)
    async def comment(self, visit: Visit, code: Code) -> Response[Any]:
        found = await service.public_draft(visit.session, code)
        await antibot.count_filing(visit.request)

        async def send(data: PublicComment) -> Response[Any]:
            antibot.check_form(visit.settings, data, msg("web.portal.form_refused"))
            await service.comment(visit.session, code, data)
            return redirect(f"{PATH}/{code}", flash="web.consultation.thanks")

        def refill(form: Form[PublicComment], _: int) -> Awaitable[HTMXTemplate]:
            return PAGE.render(visit, form, status_code=422, draft=found)

        return await post_form(visit.request, PublicComment, send, refill)
