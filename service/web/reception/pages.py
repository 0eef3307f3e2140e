"""The console's reception pages: views of the reception service the API calls, and its
actions through ``service.http.actions.perform`` (the same If-Match, the same workflow)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.errors import NotFound, ServiceError
from service.http.actions import ActionRoute, perform
from service.http.params import Cursor, DbSession, StaffRequest
from service.http.preconditions import IfMatch
from service.petitions.models import PetitionKind
from service.reception import service
from service.reception.controllers import ACTIONS, BOOKING
from service.reception.models import BookingStatus, Outcome
from service.reception.schemas import NoShowRequest
from service.settings import Settings
from service.web.pages import Form, HTMXTemplate, named, read_form, redirect, render

PATH = "/console/reception"
PAGE = 30
ROUTES: dict[str, ActionRoute[Any, Any]] = {route.name: route for route in ACTIONS}
FORMS: dict[str, type[BaseModel]] = {
    name: (NoShowRequest if name == "no_show" else route.body) for name, route in ROUTES.items()
}


class ReceptionPagesController(Controller):
    path = "/reception"
    guards = [staff(Role.front_officer)]

    @get("/")
    async def bookings(
        self,
        request: StaffRequest,
        db_session: DbSession,
        status: Annotated[BookingStatus | None, QueryParameter()] = None,
        cursor: Cursor = None,
    ) -> HTMXTemplate:
        rows, next_cursor = await service.list_bookings(
            db_session,
            request.user,
            statuses=[status] if status else None,
            cursor=cursor,
            limit=PAGE,
        )
        return render(
            request,
            "console/reception/list.html",
            rows=rows,
            status=status,
            statuses=list(BookingStatus),
            stats=await service.stats(db_session, request.user.unit_code),
            next_cursor=next_cursor,
        )

    async def _page(
        self,
        request: StaffRequest,
        session: AsyncSession,
        settings: Settings,
        booking_id: uuid.UUID,
        *,
        status_code: int = 200,
        forms: dict[str, Form[Any]] | None = None,
    ) -> HTMXTemplate:
        booking = await service.load_visible(session, booking_id, request.user, lock=False)
        view = await service.staff_view(session, settings, booking)
        return render(
            request,
            "console/reception/booking.html",
            status_code=status_code,
            booking=view,
            action_forms={name: Form[Any](values={}) for name in ROUTES} | (forms or {}),
            outcomes=list(Outcome),
            kinds=list(PetitionKind),
        )

    @get("/{booking_id:uuid}")
    async def booking(
        self,
        request: StaffRequest,
        db_session: DbSession,
        settings: NamedDependency[Settings],
        booking_id: FromPath[uuid.UUID],
    ) -> HTMXTemplate:
        return await self._page(request, db_session, settings, booking_id)

    @post("/{booking_id:uuid}/actions/{name:str}", status_code=303)
    async def act(
        self,
        request: StaffRequest,
        db_session: DbSession,
        settings: NamedDependency[Settings],
        booking_id: FromPath[uuid.UUID],
        name: FromPath[str],
    ) -> Redirect | HTMXTemplate:
        route = named(ROUTES, name, "web.queue.unknown_action")
        form = await read_form(request, FORMS[name])
        status_code = 422
        if form.ok:
            version = form.values.get("version")
            try:
                await perform(
                    BOOKING,
                    route,
                    request=request,
                    session=db_session,
                    settings=settings,
                    resource_id=booking_id,
                    if_match=IfMatch.parse(version) if isinstance(version, str) else None,
                    data=form.data,
                )
            except NotFound:
                raise
            except ServiceError as exc:
                form, status_code = form.failed(exc), exc.status_code
            else:
                return redirect(f"{PATH}/{booking_id}", flash="web.reception.done")
        return await self._page(
            request,
            db_session,
            settings,
            booking_id,
            status_code=status_code,
            forms={name: form},
        )
