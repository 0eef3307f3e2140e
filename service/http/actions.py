"""Workflow actions as HTTP operations, declared once and generated.

A domain describes how to find one kind of resource and how to answer about it
(:class:`ActionResource`), and lists its actions (:class:`ActionRoute`: name, request schema,
who may call it, what the service does). :func:`action_handlers` turns each into its own route
``POST <resource path>/<action>``, each its own OpenAPI operation with its own request body,
and every one does the same thing in the same order:

1. the guards (role) run;
2. ``load`` returns the resource the caller may see, locked ``FOR UPDATE`` (404 for one they may
   not see; a loader may also refuse, 403, a caller who may see it but never change it, as the
   petitions' triage loader does; otherwise the service's workflow step says 403);
3. the ``If-Match`` version is checked against the locked row (428 / 412,
   :mod:`service.http.preconditions`);
4. the action's ``run`` calls the domain service with an :class:`ActionCall` (the state
   machine, :class:`service.workflow.Workflow`, answers 403 for someone else's action and 409
   for the wrong state);
5. ``present`` shapes the answer; the ETag is the version of the object in hand after the
   change (no second read).

A handler that does not fit (an upload, a read) stays a plain method of the controller.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from litestar import Request, Response, route
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import PathParameter, RequestBody
from litestar.status_codes import HTTP_200_OK
from litestar.types import Guard
from sqlalchemy.ext.asyncio import AsyncSession

from service.http.generated import as_handler
from service.http.preconditions import IfMatch, etag, require_version
from service.i18n import Message
from service.settings import Settings

R = TypeVar("R")  # the resource (a model instance)
B = TypeVar("B")  # the request body


@dataclass(frozen=True)
class ActionCall(Generic[R, B]):
    """What an action's ``run`` and the resource's ``present`` get."""

    request: Request[Any, Any, Any]
    session: AsyncSession
    settings: Settings
    resource: R  # visible to the caller, locked, at the version they named
    data: B  # the validated request body (None for an action without one)

    @property
    def actor(self) -> Any:
        return self.request.user


@dataclass(frozen=True)
class ActionRoute(Generic[R, B]):
    """One action of a resource: ``POST <resource path>/<path>``."""

    name: str  # the handler's and operation's name (snake_case)
    run: Callable[[ActionCall[R, B]], Awaitable[Any]]  # the result goes to ``present``
    # The request schema (``Model``, or ``Model | None`` when it may be left out); None: the
    # action takes no body.
    body: Any = None
    path: str | None = None  # default: the name with "-" for "_"
    summary: str | None = None
    description: str | None = None
    guards: Sequence[Guard] = ()
    status_code: int = HTTP_200_OK
    # The response schema when it is not the resource's (e.g. an extension of a referral).
    response: type | None = None
    # ``present`` for this action when it is not the resource's.
    present: Callable[[ActionCall[R, B], Any], Awaitable[Any]] | None = None
    # The ETag's version from the result, when the answer is another object than the resource
    # (a merge answers with the lead it merged into).
    etag_of: Callable[[Any], int] | None = None
    http_method: Literal["POST", "PUT", "PATCH", "DELETE"] = "POST"


@dataclass(frozen=True)
class ActionResource(Generic[R]):
    """How the actions of one kind of resource find it and answer about it."""

    path: str  # e.g. "/petitions/{petition_id:uuid}"
    id_name: str  # the path parameter: "petition_id"
    load: Callable[[AsyncSession, uuid.UUID, Any], Awaitable[R]]  # visible + locked
    present: Callable[[ActionCall[R, Any], Any], Awaitable[Any]]  # result -> response body
    response: type  # the response schema of ``present``
    version: Callable[[R], int] = field(default=lambda resource: resource.version)
    tags: Sequence[str] = ()
    guards: Sequence[Guard] = ()
    # The 428 / 412 texts when the generic ones would not name the resource.
    missing: Message | None = None
    stale: Message | None = None


async def perform(
    resource: ActionResource[R],
    action: ActionRoute[R, B],
    *,
    request: Request[Any, Any, Any],
    session: AsyncSession,
    settings: Settings,
    resource_id: uuid.UUID,
    if_match: IfMatch | None,
    data: B,
) -> tuple[ActionCall[R, B], Any]:
    """Steps 2-4 of every action (load visible and locked, check the version, run), for the
    API's generated handlers and for the console's forms alike, so a rule holds the same
    way on both. Returns the call (its ``resource`` is the object after the change) and what
    ``run`` returned, for ``present`` or a page to shape."""
    target = await resource.load(session, resource_id, request.user)
    require_version(
        if_match, resource.version(target), missing=resource.missing, stale=resource.stale
    )
    call = ActionCall(
        request=request, session=session, settings=settings, resource=target, data=data
    )
    return call, await action.run(call)


def _handler(resource: ActionResource[Any], action: ActionRoute[Any, Any]) -> HTTPRouteHandler:
    present = action.present or resource.present

    async def handle(**kwargs: Any) -> Response[Any]:
        call, result = await perform(
            resource,
            action,
            request=kwargs["request"],
            session=kwargs["db_session"],
            settings=kwargs["settings"],
            resource_id=kwargs[resource.id_name],
            if_match=kwargs["if_match"],
            data=kwargs.get("data"),
        )
        target = call.resource
        body = await present(call, result)
        # Services bump ``version`` on the object itself: the ETag is the version written.
        version = action.etag_of(result) if action.etag_of else resource.version(target)
        return Response(body, status_code=action.status_code, headers={"ETag": etag(version)})

    parameters: dict[str, Any] = {
        "request": Request[Any, Any, Any],
        "db_session": NamedDependency[AsyncSession],
        "settings": NamedDependency[Settings],
        "if_match": NamedDependency[IfMatch | None],  # type: ignore[misc]
        resource.id_name: Annotated[uuid.UUID, PathParameter()],
    }
    # A body that may be None (``Model | None``) may also be left out.
    optional = action.body is not None and type(None) in get_args(action.body)
    if action.body is not None:
        parameters["data"] = RequestBody[action.body]  # type: ignore[misc,name-defined]
    as_handler(
        handle,
        name=action.name,
        parameters=parameters,
        returns=Response[action.response or resource.response],  # type: ignore[misc,name-defined]
        defaults={"data": None} if optional else None,
        doc=action.description,
    )

    path = f"{resource.path}/{action.path or action.name.replace('_', '-')}"
    return route(
        path,
        http_method=action.http_method,
        status_code=action.status_code,
        guards=[*resource.guards, *action.guards],
        summary=action.summary,
        description=action.description,
        tags=list(resource.tags),
        name=f"{resource.id_name.removesuffix('_id')}.{action.name}",
    )(handle)


def action_handlers(
    resource: ActionResource[Any], actions: Sequence[ActionRoute[Any, Any]]
) -> list[HTTPRouteHandler]:
    """One route handler per action, for the app's (or a router's) ``route_handlers``."""
    return [_handler(resource, action) for action in actions]
