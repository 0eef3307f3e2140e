"""What a route is, as far as the document is concerned: its operations, who may call it
(security), which error statuses it can answer, and the ``OPTIONS`` handler of its path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_307_TEMPORARY_REDIRECT
from litestar.utils.helpers import unwrap_partial

from service.auth.guards import GUARD_INFO

if TYPE_CHECKING:
    from litestar import Litestar


WRITES = frozenset({"post", "put", "patch", "delete"})
_OPERATIONS = ("get", "put", "post", "delete", "patch")


def http_operations(app: Litestar) -> Iterator[tuple[HTTPRoute, HTTPRouteHandler, str]]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method.lower() in _OPERATIONS and handler.resolve_include_in_schema():
                yield route, handler, method.lower()


def is_public(handler: HTTPRouteHandler) -> bool:
    return bool(handler.opt.get("exclude_from_auth"))


def security_schemes(handler: HTTPRouteHandler) -> list[str]:
    """The schemes the route's guards accept (in order); none for a public route."""
    if is_public(handler):
        return []
    guards = [g for layer in handler.ownership_layers for g in (layer.guards or [])]
    schemes = [GUARD_INFO[g].security_scheme for g in guards if g in GUARD_INFO]
    return list(dict.fromkeys(schemes)) or ["BearerToken"]


def is_raw_upload(handler: HTTPRouteHandler) -> bool:
    """A route that streams its body itself (``request_max_body_size=None``)."""
    return handler.request_max_body_size is None


def _uses(handler: HTTPRouteHandler, dependency: str) -> bool:
    return dependency in handler.parsed_fn_signature.parameters


def if_match_schema() -> Schema:
    return Schema(type=OpenAPIType.STRING, min_length=1, examples=['"3"'])


def problem_statuses(
    route: HTTPRoute, handler: HTTPRouteHandler, method: str, operation: Operation
) -> set[int]:
    statuses: set[int] = set(handler.opt.get("problems", ()))
    schemes = security_schemes(handler)
    if schemes:
        statuses |= {401, 403}
    if "ApiKey" in schemes:
        statuses.add(429)
    if route.path_parameters:
        statuses.add(404)
    parameters = [p for p in operation.parameters or [] if not isinstance(p, Reference)]
    if route.path_parameters or any(p.param_in != "path" for p in parameters):
        statuses |= {400, 422}
    if operation.request_body is not None:
        statuses |= {400, 413, 415, 422}
    if is_raw_upload(handler):
        statuses |= {413, 415, 422}
    if any(p.name.lower() == "if-match" for p in parameters):
        statuses |= {409, 412, 428}
    if method in WRITES and handler.opt.get("conflicts", True):
        statuses.add(409)
    if handler.status_code == HTTP_307_TEMPORARY_REDIRECT:
        statuses.add(409)  # a redirect to a file: 409 while its upload is incomplete
    if handler.opt.get("dependencies", True):
        # The database (every route but /health reads it, the auth check included), the
        # object store or Redis down: 503 with Retry-After.
        statuses.add(503)
    return statuses


def bind_options_to_their_routes(app: Litestar) -> None:
    """``OPTIONS`` answers ``Allow`` with every method of its path, as documented.

    Litestar (2.25) creates the automatic ``OPTIONS`` handler with the first route built for
    a path and keeps it when it merges the other handlers of that path into a new route, so
    its ``Allow`` listed only the first route's methods (``OPTIONS /api/v1/reports`` said
    ``POST`` but not ``GET``). Its closure is pointed at the merged route."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        handler, _ = route.route_handler_map["OPTIONS"]
        fn = unwrap_partial(handler.fn)
        if getattr(fn, "__name__", "") != "options_handler":
            continue
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True):
            if name == "self" and isinstance(cell.cell_contents, HTTPRoute):
                cell.cell_contents = route
