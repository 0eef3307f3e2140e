"""What the oversight pages share: a workflow action posted from a form, performed through
the API's own declarations (``service.http.actions.perform``), and the schedule form's
local time.

A form's hidden ``version`` is its If-Match: the version the reader saw. A refusal (a stale
version, the wrong state, someone else's action, bad input) comes back as the form with the
service's message, to be shown next to the current state; a ``NotFound`` (not theirs to see)
stays the 404 page.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, get_args
from zoneinfo import ZoneInfo

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect
from litestar.types import Guard
from pydantic import BaseModel, field_validator

from service.errors import NotFound, ServiceError
from service.http.actions import ActionResource, ActionRoute, perform
from service.http.params import DbSession
from service.http.preconditions import IfMatch
from service.i18n import READERS_TIMEZONE
from service.oversight.schemas import SessionCreate
from service.settings import Settings
from service.web.pages import Form, named, read_form, redirect

M = TypeVar("M", bound=BaseModel)

_ZONE = ZoneInfo(READERS_TIMEZONE)


def if_match(version: Any) -> IfMatch | None:
    """The form's ``version`` as an If-Match (None, 428, when the form has none)."""
    if isinstance(version, str) and version.isascii() and version.isdigit():
        return IfMatch(any=False, tags=(version,))
    return None


async def submit(form: Form[M], call: Callable[[M], Awaitable[Any]]) -> tuple[Form[M], int]:
    """``call`` the service with the form's data; returns the form (with the service's
    refusal next to its fields) and the status to answer: 303 when done, 422 for a form the
    schema refused, else the refusal's own (409, 412, 403...)."""
    if form.data is None:
        return form, 422
    try:
        await call(form.data)
    except NotFound:
        raise
    except ServiceError as exc:
        return form.failed(exc), exc.status_code
    return form, 303


Page = Callable[..., Awaitable[HTMXTemplate]]


class NoBody(BaseModel):
    """The form of an action that takes no body (only its CSRF token and version)."""


def body_schema(route: ActionRoute[Any, Any]) -> type[BaseModel]:
    """The model of a route's request body (``Model | None`` -> ``Model``); a route without
    one reads an empty form."""
    if route.body is None:
        return NoBody
    models = [kind for kind in get_args(route.body) if isinstance(kind, type)]
    models = [kind for kind in models if issubclass(kind, BaseModel)]
    return models[0] if models else route.body  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ActionForms:
    """The workflow actions of one resource as forms: ``POST <path>/<id>/actions/<action>``
    performs the API's route of that name with its own request schema, then goes to
    ``url(resource)`` (or shows ``page`` again with the refusal, next to the current state)."""

    resource: ActionResource[Any]
    routes: Mapping[Any, ActionRoute[Any, Any]]  # by action, a StrEnum (forms post its value)
    url: Callable[[Any], str]  # the page to go back to, from the resource after the action
    page: Page  # page(request, db_session, resource_id, status=..., action=form)
    # The message shown once done, by action (the value the form posts), when not "done".
    flashes: Mapping[str, str] = field(default_factory=dict)

    def handler(self, path: str, guards: list[Guard]) -> HTTPRouteHandler:
        routes = {str(action): route for action, route in self.routes.items()}

        async def act(
            request: Request[Any, Any, Any],
            resource_id: FromPath[uuid.UUID],
            action: FromPath[str],
            db_session: DbSession,
            settings: NamedDependency[Settings],
        ) -> Redirect | HTMXTemplate:
            route = named(routes, action)
            version = if_match((await request.form()).get("version"))
            done: list[Any] = []

            async def run(data: BaseModel) -> None:
                call, _ = await perform(
                    self.resource,
                    route,
                    request=request,
                    session=db_session,
                    settings=settings,
                    resource_id=resource_id,
                    if_match=version,
                    data=None if route.body is None else data,
                )
                done.append(call.resource)

            form, status = await submit(await read_form(request, body_schema(route)), run)
            if done:
                flash = self.flashes.get(action, "web.oversight.done")
                return redirect(self.url(done[0]), flash=flash)
            return await self.page(request, db_session, resource_id, status=status, action=form)

        act.__name__ = act.__qualname__ = f"{self.resource.id_name.removesuffix('_id')}_action"
        return post(f"{path}/{{resource_id:uuid}}/actions/{{action:str}}", guards=guards)(act)


class SessionSchedule(SessionCreate):
    """The API's ``SessionCreate`` from a form: a browser's ``datetime-local`` field has no
    offset, and the people who type it are in Vietnam."""

    @field_validator("scheduled_start", "scheduled_end", mode="before")
    @classmethod
    def _local_time(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value  # the schema says what is wrong with it
            if moment.tzinfo is None:
                return moment.replace(tzinfo=_ZONE)
        return value


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return isinstance(request, HTMXRequest) and bool(request.htmx)


def empty_form() -> Form[Any]:
    return Form(values={})
