"""``/console/publications``: a view of ``channels.service.list_publications`` (the API's
``GET /publications``) and its retry (``POST /publications/{id}/retry``): the same service
calls, the same area rules."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.channels import service
from service.channels.models import PublicationStatus
from service.http.params import Cursor, StaffRequest
from service.readonly import ReadSession
from service.web.pages import HTMXTemplate, redirect, render

PATH = "/console/publications"
PAGE = 30


class PublicationPagesController(Controller):
    path = "/publications"
    guards = [staff(Role.front_officer)]

    @get("/")
    async def publications(
        self,
        request: StaffRequest,
        read_session: ReadSession,
        status: Annotated[PublicationStatus | None, QueryParameter()] = None,
        cursor: Cursor = None,
    ) -> HTMXTemplate:
        rows, next_cursor = await service.list_publications(
            read_session,
            request.user,
            item_type=None,
            item_id=None,
            statuses=[status] if status else None,
            cursor=cursor,
            limit=PAGE,
        )
        return render(
            request,
            "console/publications.html",
            rows=rows,
            status=status,
            statuses=list(PublicationStatus),
            next_cursor=next_cursor,
        )

    @post("/{publication_id:uuid}/retry", status_code=303)
    async def retry(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        publication_id: FromPath[uuid.UUID],
    ) -> Redirect:
        await service.retry(db_session, request.user, publication_id)
        return redirect(PATH, flash="web.publications.retried")
