"""Plain handlers declared by their answer: a controller's GET/POST/PATCH routes written as
one decorated function each (``route_of``), which reads what it needs from a :class:`Call`
(the caller, the database session, the id its path names, the body, extra dependencies) and
answers. Each becomes its own OpenAPI operation, named by the function, exactly as a written
method would (:func:`service.http.generated.as_handler`). A GET whose reader can bear a
moment's lag reads the replica (``session="read_session"``, :mod:`service.readonly`); a path
may name no id (a list, a create). Used by the domains' API controllers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_type_hints

from litestar import Controller, route
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, RequestBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from litestar.types import Guard
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.http.generated import as_handler
from service.http.params import Cursor, DbSession, PageLimit, StaffRequest
from service.http.preconditions import IfMatch
from service.settings import Settings

Show = TypeVar("Show", bound=Callable[..., Awaitable[Any]])


# -- handlers declared by their answer ------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """What a declared handler's ``show`` gets: the caller, the session, the settings (as an
    action's :class:`service.http.actions.ActionCall` does), the id the path names
    (``path_id``; None for a path naming none), the request body and the route's ``extra``
    dependencies by name."""

    request: StaffRequest
    session: AsyncSession
    settings: Settings
    path_id: uuid.UUID | None
    data: Any
    extra: Mapping[str, Any]

    @property
    def viewer(self) -> StaffPrincipal:
        return self.request.user

    @property
    def id(self) -> uuid.UUID:
        """The id the path names (a route whose path names one)."""
        if self.path_id is None:
            raise LookupError("the route's path names no id")
        return self.path_id


@dataclass(frozen=True)
class DeclaredRoute:
    """One plain handler of a controller: ``http_method`` ``path`` with the staff
    request, the id the path names, the body (``body``), the database session and ``extra``
    dependencies (name -> annotation); ``show`` answers, and names the handler (and so its
    operation id) and its response by its own name and return annotation."""

    path: str  # under the controller's path, naming at most one ``{<name>_id:uuid}``
    summary: str
    show: Callable[[Call], Awaitable[Any]]
    http_method: Literal["GET", "POST", "PATCH"] = "GET"
    body: Any = None
    status_code: int | None = None  # default: 201 for a POST, 200 otherwise
    extra: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)  # of ``extra`` query parameters
    description: str | None = None
    session: Literal["db_session", "read_session"] = "db_session"  # read_session: the replica
    opt: Mapping[str, Any] | None = None  # the route's ``opt`` (e.g. ``problems``)
    guards: Sequence[Guard] = ()  # the route's own, after the controller's
    name: str | None = None  # when two controllers' handlers share one (``show``'s otherwise)
    returns: Any = None  # the response, for a generated ``show`` (its annotation otherwise)


# An edit: a PATCH with the version the caller names (428 / 412 from the service).
EDIT: dict[str, Any] = {
    "http_method": "PATCH",
    "extra": {"if_match": NamedDependency[IfMatch | None]},  # type: ignore[misc]
}


def listing(
    limit: int = 50, *, needs: Mapping[str, Any] | None = None, **query: Any
) -> dict[str, Any]:
    """The options of a keyset list's GET: the dependencies it ``needs``, its ``query``
    parameters (name -> annotation, each None when left out), then ``?cursor=`` and
    ``?limit=`` (``limit`` when left out); the handler reads them all from ``call.extra``."""
    return {
        "extra": {**(needs or {}), **query, "cursor": Cursor, "limit": PageLimit},
        "defaults": {**dict.fromkeys(query), "cursor": None, "limit": limit},
    }


PATH_ID = re.compile(r"\{(\w+):uuid\}")


def _route_handler(owner: type[Controller], declared: DeclaredRoute) -> HTTPRouteHandler:
    id_names = PATH_ID.findall(declared.path)
    if len(id_names) > 1:
        raise ValueError(f"{declared.path}: a declared route's path names at most one id")

    async def handle(self: Controller, **kwargs: Any) -> Any:
        call = Call(
            request=kwargs["request"],
            session=kwargs[declared.session],
            settings=kwargs["settings"],
            path_id=kwargs[id_names[0]] if id_names else None,
            data=kwargs.get("data"),
            extra={name: kwargs[name] for name in declared.extra},
        )
        return await declared.show(call)

    parameters: dict[str, Any] = {
        "request": StaffRequest,
        **{id_name: FromPath[uuid.UUID] for id_name in id_names},
        **({"data": RequestBody[declared.body]} if declared.body else {}),  # type: ignore[misc,name-defined]
        declared.session: DbSession,  # ``read_session`` is injected by name, as the same type
        "settings": NamedDependency[Settings],
        **declared.extra,
    }
    as_handler(
        handle,
        name=declared.name or declared.show.__name__,
        parameters=parameters,
        returns=declared.returns or get_type_hints(declared.show)["return"],
        defaults=declared.defaults,
        owner=owner,
    )
    default_status = HTTP_201_CREATED if declared.http_method == "POST" else HTTP_200_OK
    return route(
        declared.path,
        http_method=declared.http_method,
        status_code=declared.status_code or default_status,
        summary=declared.summary,
        description=declared.description,
        opt=dict(declared.opt) if declared.opt else None,
        guards=list(declared.guards) or None,
    )(handle)


def route_of(
    owner: type[Controller], path: str, summary: str, **options: Any
) -> Callable[[Show], Show]:
    """The decorated ``show`` a route of the controller ``owner``, as if written there as a
    method of the same name (``options``: the rest of :class:`DeclaredRoute`)."""

    def declare(show: Show) -> Show:
        declared = DeclaredRoute(path, summary, show, **options)
        setattr(owner, declared.name or show.__name__, _route_handler(owner, declared))
        return show

    return declare
