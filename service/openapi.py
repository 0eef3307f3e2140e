"""What the OpenAPI document (``/schema/openapi.json``) says beyond what Litestar infers from
the handlers' signatures, added in one place after Litestar built it:

- every error status a route can answer, each a shared ``components/responses`` entry with the
  one RFC 9457 ``Problem`` schema (``application/problem+json``), derived from what the route
  is: its guards (401, 403; 429 for API keys), its path parameters (404), its body (400 bad
  JSON, 413, 415, 422), its query and header parameters (400, 422), ``If-Match`` (409, 412,
  428), writes (409), the object store (503), plus what a route declares in
  ``opt={"problems": (...)}`` (a controller's ``opt`` applies to all of its routes; a write
  that cannot conflict says ``opt={"conflicts": False}``);
- the security each route really needs: none for public routes (``security: [{}]``), the
  Bearer token for staff routes, the API key for citizen apps' routes;
- the raw request body of streamed uploads (``request_max_body_size=None``);
- the ``webhooks`` an API client receives (OpenAPI 3.1), with their payload and headers.

Wire formats Litestar gets wrong (a ``datetime.time`` documented as a ``duration``) are
corrected at the type, by ``WireFormatSchemaPlugin``, for every schema that uses the type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import time
from enum import Enum
from typing import TYPE_CHECKING, Any

from litestar import Router
from litestar.enums import ParamType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    Components,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
)
from litestar.plugins import OpenAPISchemaPlugin
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_307_TEMPORARY_REDIRECT
from litestar.utils.helpers import unwrap_partial
from pydantic import BaseModel, PydanticUserError

from service.auth.guards import GUARD_INFO
from service.errors import PROBLEM_JSON, TYPE_BASE

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.connection import Request
    from litestar.openapi.spec import OpenAPI
    from litestar.typing import FieldDefinition

PROBLEM_SCHEMA = "Problem"
WRITES = frozenset({"post", "put", "patch", "delete"})
_OPERATIONS = ("get", "put", "post", "delete", "patch")


# -- problems -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemResponse:
    component: str
    description: str
    retry_after: bool = False


PROBLEMS: dict[int, ProblemResponse] = {
    400: ProblemResponse(
        "BadRequest",
        "The body is not valid JSON (or not UTF-8), or a parameter cannot be parsed.",
    ),
    401: ProblemResponse(
        "Unauthenticated",
        "No valid credentials: staff send `Authorization: Bearer <access token>` from "
        "`POST /api/v1/auth/login`; citizen apps send `X-API-Key`.",
    ),
    403: ProblemResponse(
        "Forbidden",
        "The credentials are valid but do not allow this: the caller's role or API key "
        "scope, or the wrong kind of caller (an API key on a staff route, or the reverse), "
        "or an unsigned or expired signed URL.",
    ),
    404: ProblemResponse(
        "NotFound",
        "No such resource, or one outside the caller's area: both answer the same 404, so "
        "nothing tells them apart. On `/track/...`, an unknown code and a wrong secret.",
    ),
    409: ProblemResponse(
        "Conflict",
        "The change conflicts with the current state (or with an existing record); a "
        "`state-conflict` problem names the current `state` and the `allowed_actions`.",
    ),
    412: ProblemResponse(
        "PreconditionFailed",
        "`If-Match` does not match the current `ETag`: someone changed it first. Reload "
        "and decide again.",
    ),
    413: ProblemResponse("TooLarge", "The body or the file is larger than this route takes."),
    415: ProblemResponse(
        "UnsupportedMediaType",
        "The body is not of a type this route takes: JSON routes take `application/json`; "
        "uploads refuse file types that are not accepted as evidence.",
    ),
    422: ProblemResponse(
        "Invalid",
        "The request is well-formed but a value is not acceptable; `errors` lists each "
        "field (`field`, `message`).",
    ),
    428: ProblemResponse(
        "PreconditionRequired",
        "This change needs `If-Match` with the `ETag` of the resource as last read.",
    ),
    429: ProblemResponse(
        "RateLimited",
        "Too many requests (per API key, or failed tracking attempts per address and per "
        "code); wait `Retry-After` seconds.",
        retry_after=True,
    ),
    503: ProblemResponse(
        "Unavailable",
        "A dependency (object storage, the database) is unavailable for now; retry after "
        "`Retry-After` seconds. Nothing was changed.",
        retry_after=True,
    ),
}


def problem_schema() -> Schema:
    """RFC 9457 problem details, as ``service.errors.problem`` writes them."""
    string = Schema(type=OpenAPIType.STRING)
    return Schema(
        type=OpenAPIType.OBJECT,
        title=PROBLEM_SCHEMA,
        description=(
            "RFC 9457 problem details, the body of every error (`application/problem+json`). "
            "Apps key on `type` (stable) and, for invalid fields, on `errors[].field`; "
            "`title` and `detail` are for people. Other members may be added."
        ),
        required=["type", "title", "status"],
        properties={
            "type": Schema(
                type=OpenAPIType.STRING,
                format=OpenAPIFormat.URI,
                description=f"Stable identifier of the kind of problem, under {TYPE_BASE}.",
                examples=[TYPE_BASE + "validation"],
            ),
            "title": Schema(type=OpenAPIType.STRING, description="Short summary of the kind."),
            "status": Schema(type=OpenAPIType.INTEGER, minimum=400, maximum=599),
            "detail": Schema(type=OpenAPIType.STRING, description="What went wrong this time."),
            "instance": Schema(type=OpenAPIType.STRING, description="The request path."),
            "errors": Schema(
                type=OpenAPIType.ARRAY,
                description="Invalid fields (422).",
                items=Schema(
                    type=OpenAPIType.OBJECT,
                    required=["field", "message"],
                    properties={"field": string, "message": string},
                ),
            ),
            "state": Schema(
                type=OpenAPIType.STRING, description="The current state (state-conflict)."
            ),
            "allowed_actions": Schema(
                type=OpenAPIType.ARRAY,
                items=string,
                description="What may be done in the current state (state-conflict).",
            ),
        },
    )


def _problem_responses() -> dict[str, OpenAPIResponse | Reference]:
    content = {
        PROBLEM_JSON: OpenAPIMediaType(
            schema=Reference(ref=f"#/components/schemas/{PROBLEM_SCHEMA}")
        )
    }
    retry_after: dict[str, OpenAPIHeader | Reference] = {
        "Retry-After": OpenAPIHeader(
            schema=Schema(type=OpenAPIType.INTEGER, minimum=0),
            description="Seconds to wait before trying again.",
        )
    }
    return {
        spec.component: OpenAPIResponse(
            description=spec.description,
            content=content,
            headers=retry_after if spec.retry_after else None,
        )
        for spec in PROBLEMS.values()
    }


# -- what a route is ------------------------------------------------------------------------


def _routes(app: Litestar) -> Iterator[tuple[HTTPRoute, HTTPRouteHandler, str]]:
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


def _is_raw_upload(handler: HTTPRouteHandler) -> bool:
    """A route that streams its body itself (``request_max_body_size=None``)."""
    return handler.request_max_body_size is None


def _uses(handler: HTTPRouteHandler, dependency: str) -> bool:
    return dependency in handler.parsed_fn_signature.parameters


def _reads_if_match_itself(handler: HTTPRouteHandler) -> bool:
    """A handler that calls ``if_match(request)`` (service/replies/controllers.py) reads the
    header from the request rather than from a declared parameter."""
    code = getattr(unwrap_partial(handler.fn), "__code__", None)
    return code is not None and "if_match" in code.co_names


def _if_match_parameter() -> Parameter:
    return Parameter(
        name="If-Match",
        param_in=ParamType.HEADER,
        required=True,
        schema=_if_match_schema(),
        description="The `ETag` of the resource as last read (428 without it, 412 if stale).",
    )


def _if_match_schema() -> Schema:
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
    if _is_raw_upload(handler):
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


# -- the document ---------------------------------------------------------------------------


def _operation(path_item: PathItem, method: str) -> Operation | None:
    operation = getattr(path_item, method, None)
    return operation if isinstance(operation, Operation) else None


UNIX_SECONDS = Schema(
    type=OpenAPIType.NUMBER,
    minimum=-62135596800,  # 0001-01-01
    maximum=253402300799,  # 9999-12-31
    description="Unix seconds (UTC).",
)


def _timestamps_too(parameter: Parameter) -> None:
    """A date-time in the query string is also taken as Unix seconds (Litestar parses query
    values leniently): say so, or a client never knows and a checker calls it a bug."""
    schema = parameter.schema
    if not isinstance(schema, Schema):
        return
    members = schema.one_of if schema.one_of else [schema]
    if any(isinstance(m, Schema) and m.format == OpenAPIFormat.DATE_TIME for m in members):
        if schema.one_of:
            schema.one_of = [*schema.one_of, UNIX_SECONDS]
        else:
            parameter.schema = Schema(one_of=[schema, UNIX_SECONDS])


def _raw_body() -> RequestBody:
    return RequestBody(
        required=True,
        description=(
            "The file itself as the raw body (not multipart), streamed; its type is taken "
            "from its content, and `filename` names it."
        ),
        content={
            "application/octet-stream": OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            )
        },
    )


_STRING_CONSTRAINTS = ("pattern", "min_length", "max_length", "format")
_NUMBER_CONSTRAINTS = ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum")


def _constraints_into_members(node: Any, seen: set[int] | None = None) -> None:
    """Litestar writes the constraints of an optional field beside its ``oneOf`` (``{"oneOf":
    [{"type": "string"}, {"type": "null"}], "pattern": ...}``): valid JSON Schema, but a
    client generator or a checker that picks the member sees a bare string. Each constraint
    is moved into the member it constrains."""
    seen = seen if seen is not None else set()
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, Schema):
        if node.one_of:
            for names, kinds in (
                (_STRING_CONSTRAINTS, {OpenAPIType.STRING}),
                (_NUMBER_CONSTRAINTS, {OpenAPIType.NUMBER, OpenAPIType.INTEGER}),
            ):
                members = [m for m in node.one_of if isinstance(m, Schema) and m.type in kinds]
                for name in names:
                    value = getattr(node, name)
                    if value is None or not members:
                        continue
                    for member in members:
                        if getattr(member, name) is None:
                            setattr(member, name, value)
                    setattr(node, name, None)
        for value in vars(node).values():
            _constraints_into_members(value, seen)
    elif isinstance(node, dict):
        for value in node.values():
            _constraints_into_members(value, seen)
    elif isinstance(node, list | tuple):
        for value in node:
            _constraints_into_members(value, seen)
    elif hasattr(node, "__dataclass_fields__"):
        for value in vars(node).values():
            _constraints_into_members(value, seen)


NULL = OpenAPIType.NULL
OBJECT_OR_ARRAY = (OpenAPIType.OBJECT, OpenAPIType.ARRAY)
_JSON_CONSTRAINTS = {
    "minProperties": "min_properties",
    "maxProperties": "max_properties",
    "pattern": "pattern",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
}


def _pydantic_models() -> dict[str, type[Any]]:
    """The app's pydantic models by class name (the name Litestar gives their component);
    a name two models share is left out."""
    found: dict[str, list[type[Any]]] = {}
    pending: list[type[Any]] = [BaseModel]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("service."):
                found.setdefault(sub.__name__, []).append(sub)
    return {name: models[0] for name, models in found.items() if len(set(models)) == 1}


def _json_type(member: dict[str, Any]) -> str | None:
    kind = member.get("type")
    return kind if isinstance(kind, str) else None


def _constraints_from_models(schemas: Mapping[str, Schema | Reference]) -> None:
    """Litestar (2.25) drops the constraints of an optional field's pydantic type (``Email |
    None``, ``Field(pattern=...)`` on ``str | None``: the ``pattern``, sometimes a length),
    so a client sends values the API refuses. Each is taken back from the model's own JSON
    schema, into the member of the same type."""
    models = _pydantic_models()
    for name, component in schemas.items():
        model = models.get(name)
        if model is None or not isinstance(component, Schema) or not component.properties:
            continue
        try:
            wanted = model.model_json_schema(mode="validation").get("properties", {})
        except PydanticUserError:  # a model pydantic cannot describe keeps Litestar's schema
            continue
        for field, prop in component.properties.items():
            source = wanted.get(field)
            if not isinstance(prop, Schema) or not isinstance(source, dict):
                continue
            members = [m for m in prop.one_of or [prop] if isinstance(m, Schema)]
            sources = [m for m in source.get("anyOf", [source]) if isinstance(m, dict)]
            if prop.one_of and not any(_json_type(origin) == "null" for origin in sources):
                # ``X | SkipJsonSchema[None] = None``: may be left out, never null.
                prop.one_of = [m for m in prop.one_of if getattr(m, "type", None) != NULL]
            for member in members:
                for origin in sources:
                    if _json_type(origin) == "object" and member.type in OBJECT_OR_ARRAY:
                        # A ``dict`` with ``max_length`` is documented as an array (or as an
                        # object with a string's ``maxLength``): its bound is on properties.
                        member.type, member.items = OpenAPIType.OBJECT, None
                        member.max_length = member.min_length = prop.max_length = None
                    if (
                        not isinstance(member.type, OpenAPIType)
                        or _json_type(origin) != member.type.value
                    ):
                        continue
                    for key, attribute in _JSON_CONSTRAINTS.items():
                        if key in origin and getattr(member, attribute) is None:
                            setattr(member, attribute, origin[key])


INT64_MAX = 2**63 - 1


def _integer_bounds(node: Any, seen: set[int] | None = None) -> None:
    """Litestar writes the bounds of an integer as floats: ``le=2**63 - 1`` became
    ``9.223372036854776e18``, which is 2**63, one past what the API takes. Integer bounds are
    written as integers, the largest 64-bit one exactly."""
    seen = seen if seen is not None else set()
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, Schema):
        if node.type == OpenAPIType.INTEGER:
            for name in ("minimum", "maximum"):
                value = getattr(node, name)
                if isinstance(value, float):
                    exact = INT64_MAX if value == float(INT64_MAX) else int(value)
                    setattr(node, name, -exact - 1 if value == -float(2**63) else exact)
        children: Any = vars(node).values()
    elif isinstance(node, dict):
        children = node.values()
    elif isinstance(node, list | tuple):
        children = node
    elif hasattr(node, "__dataclass_fields__"):
        children = vars(node).values()
    else:
        return
    for child in children:
        _integer_bounds(child, seen)


def complete_operations(app: Litestar, document: OpenAPI) -> None:
    for route, handler, method in _routes(app):
        path_item = (document.paths or {}).get(route.path_format or "/")
        operation = _operation(path_item, method) if isinstance(path_item, PathItem) else None
        if operation is None:
            continue
        if _is_raw_upload(handler) and operation.request_body is None:
            operation.request_body = _raw_body()
        if _reads_if_match_itself(handler):
            operation.parameters = [*(operation.parameters or []), _if_match_parameter()]
        for parameter in operation.parameters or []:
            if isinstance(parameter, Parameter) and parameter.param_in == ParamType.QUERY:
                _timestamps_too(parameter)
        responses = operation.responses if operation.responses is not None else {}
        for status in sorted(problem_statuses(route, handler, method, operation)):
            if str(status) in responses and status not in PROBLEMS:
                continue
            if status in (handler.responses or {}):
                continue  # the route declares its own body (e.g. /ready's 503)
            component = PROBLEMS[status].component
            responses[str(status)] = Reference(ref=f"#/components/responses/{component}")
        operation.responses = dict(sorted(responses.items()))
        for parameter in operation.parameters or []:
            if isinstance(parameter, Parameter) and parameter.name.lower() == "if-match":
                parameter.required = True  # answered 428 without it (see PROBLEMS)
                parameter.schema = _if_match_schema()  # an empty one counts as missing
        # Each scheme the guards accept is one alternative; a public route needs none.
        operation.security = [{scheme: []} for scheme in security_schemes(handler)] or [{}]


WebhookDocumentation = Callable[[], tuple[dict[str, Any], dict[str, Any]]]
"""Returns the ``webhooks`` entries and the component schemas they reference."""


def complete_document(
    app: Litestar, document: OpenAPI, webhooks: WebhookDocumentation | None = None
) -> OpenAPI:
    """Add what Litestar cannot infer (see the module docstring). Idempotent."""
    components = document.components
    if not isinstance(components, Components):
        components = document.components = Components()
    if PROBLEM_SCHEMA in components.schemas:
        return document
    components.schemas[PROBLEM_SCHEMA] = problem_schema()
    components.responses = {**(components.responses or {}), **_problem_responses()}
    complete_operations(app, document)
    _constraints_into_members(document.paths)
    _constraints_into_members(components.schemas)
    _constraints_from_models(components.schemas)
    _integer_bounds(document.paths)
    _integer_bounds(components.schemas)
    if webhooks is not None:
        path_items, schemas = webhooks()
        for name, schema in schemas.items():
            components.schemas.setdefault(name, schema)
        document.webhooks = {**(document.webhooks or {}), **path_items}
    components.schemas = dict(sorted(components.schemas.items()))
    return document


def docs_router(path: str, webhooks: WebhookDocumentation | None = None) -> Router:
    """The router that serves ``/schema`` (``OpenAPIConfig(openapi_router=...)``): the
    document is completed once, when it is first asked for (building it takes a third of a
    second: not at every app start, nor in every test's app)."""

    def complete(request: Request[Any, Any, Any]) -> None:
        complete_document(request.app, request.app.openapi_schema, webhooks)

    return Router(
        path,
        route_handlers=[],
        before_request=complete,
        include_in_schema=False,
        dto=None,
        return_dto=None,
    )


# -- wire formats ---------------------------------------------------------------------------

LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


class WireFormatSchemaPlugin(OpenAPISchemaPlugin):
    """Types whose JSON form Litestar documents wrongly: a ``datetime.time`` is written as
    ``"08:00:00"`` (a local time of day, no offset), which Litestar calls a ``duration``."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is time

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        return Schema(
            type=OpenAPIType.STRING,
            pattern=LOCAL_TIME_PATTERN,
            description="A local time of day (Asia/Ho_Chi_Minh), HH:MM[:SS], no offset.",
            examples=["08:00:00"],
        )


class _JsonNull(Enum):
    null = None


JSON_NULL: Any = _JsonNull.null
"""``null`` in an example: Litestar leaves every ``None`` out of the document's objects (so
an example would lack its required nullable members); an enum member stays, written as its
value."""


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
