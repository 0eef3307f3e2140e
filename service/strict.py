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
