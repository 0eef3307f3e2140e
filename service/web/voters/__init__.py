"""``/console/voter-meetings``: the council sessions, a session's meetings and its compiled
recommendations with their sources and states (views of ``service.voters.service``), and the
minutes spreadsheet template to download."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.http.cursor import MAX_LENGTH as CURSOR_MAX_LENGTH
from service.voters import service as voters
from service.voters.controllers import XLSX
from service.voters.spreadsheet import template_xlsx
from service.web.pages import HTMXTemplate, render

PAGE = 30
StaffRequest = Request[StaffPrincipal, Any, Any]


class VoterMeetingPagesController(Controller):
    path = "/voter-meetings"
    guards = [staff(Role.front_officer)]

    @get("/")
    async def sessions(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        cursor: Annotated[str | None, QueryParameter(max_length=CURSOR_MAX_LENGTH)] = None,
    ) -> HTMXTemplate:
        rows, next_cursor = await voters.list_council_sessions(
            db_session, request.user, cursor=cursor, limit=PAGE
        )
        return render(request, "console/voters/sessions.html", rows=rows, next_cursor=next_cursor)

    @get("/template.xlsx")
    async def template(self) -> Response[bytes]:
        return Response(
            template_xlsx(),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="mau-y-kien-cu-tri.xlsx"'},
        )

    @get("/{session_id:uuid}")
    async def session_page(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        session_id: FromPath[uuid.UUID],
    ) -> HTMXTemplate:
        council_session = await voters.load_council_session(db_session, session_id, request.user)
        meetings = await voters.list_meetings(db_session, session_id, request.user)
        recs = await voters.list_recommendations(db_session, session_id, request.user)
        return render(
            request,
            "console/voters/session.html",
            council_session=council_session,
            meetings=meetings,
            recommendations=await voters.recommendation_reads(db_session, recs),
        )


controllers = [VoterMeetingPagesController]
