"""Corrections to the schemas Litestar writes: constraints it drops or puts beside the
member they constrain, integer bounds written as floats, date-times also taken as Unix seconds
in the query, the raw body of streamed uploads, and wire formats it documents wrongly."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from enum import Enum
from typing import TYPE_CHECKING, Any

from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)
from litestar.plugins import OpenAPISchemaPlugin
from pydantic import BaseModel, PydanticUserError

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition


UNIX_SECONDS = Schema(
    type=OpenAPIType.NUMBER,
    minimum=-62135596800,  # 0001-01-01
    # 9999-12-31 23:59:59.999: a fraction of the last second is a date-time too (and a bound
    # nearer the year 10000 would round into it as a double).
    maximum=253402300799.999,
    description="Unix seconds (UTC).",
)


def timestamps_too(parameter: Parameter) -> None:
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


def raw_body() -> RequestBody:
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


def constraints_into_members(node: Any, seen: set[int] | None = None) -> None:
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
            constraints_into_members(value, seen)
    elif isinstance(node, dict):
        for value in node.values():
            constraints_into_members(value, seen)
    elif isinstance(node, list | tuple):
        for value in node:
            constraints_into_members(value, seen)
    elif hasattr(node, "__dataclass_fields__"):
        for value in vars(node).values():
            constraints_into_members(value, seen)


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


def constraints_from_models(schemas: Mapping[str, Schema | Reference]) -> None:
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


def integer_bounds(node: Any, seen: set[int] | None = None) -> None:
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
        integer_bounds(child, seen)


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
