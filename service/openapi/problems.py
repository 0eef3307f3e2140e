"""The problems of the OpenAPI document: the one RFC 9457 ``Problem`` schema and a shared
``components/responses`` entry per documented status, derived from the error classes
(:mod:`service.errors`: each class of a status that has ``documented`` gives the entry
named after the class)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from litestar.openapi.spec import (
    Example,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)

from service.errors import documented_classes
from service.problems import PROBLEM_JSON, TYPE_BASE

PROBLEM_SCHEMA = "Problem"


@dataclass(frozen=True)
class ProblemResponse:
    component: str
    description: str
    retry_after: bool = False


PROBLEMS: dict[int, ProblemResponse] = {
    cls.status_code: ProblemResponse(cls.__name__, cls.documented or "", cls.sends_retry_after)
    for cls in documented_classes()
}
"""The documented error statuses, each the ``components/responses`` entry of its class."""


def problem_schema() -> Schema:
    """RFC 9457 problem details, as ``service.problems.problem`` writes them."""
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
            "candidates": Schema(
                type=OpenAPIType.ARRAY,
                description=(
                    "The units an address may lie in, to choose from (a 422 of an intake "
                    "without `unit_code` whose `address_text` names an old ward since split)."
                ),
                items=Schema(
                    type=OpenAPIType.OBJECT,
                    required=["code", "name"],
                    properties={"code": string, "name": string},
                ),
            ),
        },
    )


def problem_response_component(status: int, operation_id: str) -> str:
    """The name of a route's own entry for ``status`` (its problem with its examples)."""
    return f"{PROBLEMS[status].component}-{operation_id}"


def problem_response_with_examples(
    status: int, examples: Mapping[str, Example | Reference]
) -> OpenAPIResponse:
    """The shared entry of ``status`` plus examples only one route answers (a handler's
    ``opt["problem_examples"]``): still the one ``Problem`` schema."""
    spec = PROBLEMS[status]
    return OpenAPIResponse(
        description=spec.description,
        content={
            PROBLEM_JSON: OpenAPIMediaType(
                schema=Reference(ref=f"#/components/schemas/{PROBLEM_SCHEMA}"),
                examples=dict(examples),
            )
        },
    )


def problem_responses() -> dict[str, OpenAPIResponse | Reference]:
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
