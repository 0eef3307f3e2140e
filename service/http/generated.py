"""Handlers made from a declaration, given what Litestar reads from a written one.

Litestar builds a route's parameters, request body and OpenAPI operation from the handler's
signature and annotations, its operation id from the function's name, and orders a
controller's routes by the qualified name. A handler generated from a table row (a workflow
action, a citizen's action, a read of a petition) gets them here, so that it is the same
operation a written method would be.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def as_handler(
    fn: F,
    *,
    name: str,
    parameters: Mapping[str, Any],
    returns: Any,
    defaults: Mapping[str, Any] | None = None,
    owner: type | None = None,
    doc: str | None = None,
) -> F:
    """``fn`` (taking ``**kwargs``) with keyword ``parameters`` (name -> annotation, in
    order; ``defaults`` for those that may be left out) and a leading ``self`` when it is a
    method of the controller ``owner``."""
    defaults = defaults or {}
    keyword = [
        inspect.Parameter(
            parameter,
            inspect.Parameter.KEYWORD_ONLY,
            default=defaults.get(parameter, inspect.Parameter.empty),
        )
        for parameter in parameters
    ]
    own = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)] if owner else []
    fn.__signature__ = inspect.Signature([*own, *keyword])  # type: ignore[attr-defined]
    fn.__annotations__ = {**parameters, "return": returns}
    fn.__name__ = name
    fn.__qualname__ = f"{owner.__qualname__}.{name}" if owner else name
    fn.__doc__ = doc
    return fn
