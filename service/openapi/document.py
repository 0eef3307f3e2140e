"""Completing the document Litestar built (see the package docstring), once, when it is first
asked for."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from litestar import Router
from litestar.enums import ParamType
from litestar.openapi.spec import (
    Components,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    Schema,
)

from service.openapi.problems import (
    PROBLEM_SCHEMA,
    PROBLEMS,
    problem_response_component,
    problem_response_with_examples,
    problem_responses,
    problem_schema,
)
from service.openapi.routes import (
    http_operations,
    if_match_schema,
    is_raw_upload,
    problem_statuses,
    security_schemes,
)
from service.openapi.schemas import (
    constraints_from_models,
    constraints_into_members,
    integer_bounds,
    raw_body,
    timestamps_too,
)

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.connection import Request
    from litestar.openapi.spec import OpenAPI


def _operation(path_item: PathItem, method: str) -> Operation | None:
    operation = getattr(path_item, method, None)
    return operation if isinstance(operation, Operation) else None


def complete_operations(app: Litestar, document: OpenAPI) -> dict[str, OpenAPIResponse]:
    """Completes every operation; returns the problem responses with a route's own examples
    (``opt["problem_examples"]``: status -> examples), for ``components/responses``."""
    own: dict[str, OpenAPIResponse] = {}
    for route, handler, method in http_operations(app):
        path_item = (document.paths or {}).get(route.path_format or "/")
        operation = _operation(path_item, method) if isinstance(path_item, PathItem) else None
        if operation is None:
            continue
        if is_raw_upload(handler) and operation.request_body is None:
            operation.request_body = raw_body()
        for parameter in operation.parameters or []:
            if isinstance(parameter, Parameter) and parameter.param_in == ParamType.QUERY:
                timestamps_too(parameter)
        responses = operation.responses if operation.responses is not None else {}
        for status in sorted(problem_statuses(route, handler, method, operation)):
            if str(status) in responses and status not in PROBLEMS:
                continue
            if status in (handler.responses or {}):
                continue  # the route declares its own body (e.g. /ready's 503)
            component = PROBLEMS[status].component
            examples = (handler.opt.get("problem_examples") or {}).get(status)
            if examples and operation.operation_id:
                component = problem_response_component(status, operation.operation_id)
                own[component] = problem_response_with_examples(status, examples)
            responses[str(status)] = Reference(ref=f"#/components/responses/{component}")
        downloads = handler.opt.get("downloads")  # a file's media types (service.exports)
        if downloads and isinstance(responses.get("200"), OpenAPIResponse):
            binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            responses["200"].content = {  # type: ignore[union-attr]  # checked just above
                media: OpenAPIMediaType(schema=binary) for media in downloads
            }
        operation.responses = dict(sorted(responses.items()))
        for parameter in operation.parameters or []:
            if isinstance(parameter, Parameter) and parameter.name.lower() == "if-match":
                parameter.required = True  # answered 428 without it (see PROBLEMS)
                parameter.schema = if_match_schema()  # an empty one counts as missing
        # Each scheme the guards accept is one alternative; a public route needs none.
        operation.security = [{scheme: []} for scheme in security_schemes(handler)] or [{}]
    return own


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
    components.responses = {**(components.responses or {}), **problem_responses()}
    components.responses.update(complete_operations(app, document))
    constraints_into_members(document.paths)
    constraints_into_members(components.schemas)
    constraints_from_models(components.schemas)
    integer_bounds(document.paths)
    integer_bounds(components.schemas)
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
