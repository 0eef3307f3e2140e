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

The package: :mod:`.document` completes the document, :mod:`.problems` the problem responses
(derived from :mod:`service.errors`), :mod:`.routes` what a route is (security, statuses),
:mod:`.schemas` the schema corrections and wire formats.
"""

from service.openapi.document import WebhookDocumentation, complete_document, docs_router
from service.openapi.problems import PROBLEM_SCHEMA, PROBLEMS, problem_schema
from service.openapi.routes import bind_options_to_their_routes, problem_statuses, security_schemes
from service.openapi.schemas import JSON_NULL, LOCAL_TIME_PATTERN, WireFormatSchemaPlugin

__all__ = [
    "JSON_NULL",
    "LOCAL_TIME_PATTERN",
    "PROBLEMS",
    "PROBLEM_SCHEMA",
    "WebhookDocumentation",
    "WireFormatSchemaPlugin",
    "bind_options_to_their_routes",
    "complete_document",
    "docs_router",
    "problem_schema",
    "problem_statuses",
    "security_schemes",
]
