"""Input types that take only their own JSON type.

Litestar validates request bodies with ``model_validate(value, strict=False)``, which
overrides pydantic's own ``StrictBool``: ``"active": 0`` or ``"no"`` was taken as ``false``.
A boolean field of a request body is therefore this type, which refuses anything but ``true``
and ``false`` before pydantic coerces it (error ``bool_type``, as pydantic's own).
"""

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError


def _only_bool(value: Any) -> Any:
    if not isinstance(value, bool):
        raise PydanticCustomError("bool_type", "Input should be a valid boolean")
    return value


StrictBool = Annotated[bool, BeforeValidator(_only_bool)]


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):  # JSON true/false is no number (lax pydantic takes it as 1/0)
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


NOT_BOOL = BeforeValidator(_not_bool)
"""Put after an integer's bounds (``Annotated[int, Field(ge=...), NOT_BOOL]``): before them,
pydantic cannot write the bounds as ``minimum``/``maximum`` in its JSON schema."""
