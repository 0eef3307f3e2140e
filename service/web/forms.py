"""The one shape of a page's form post: read the form (``read_form``), act on its data, and
on a refusal show the page again with the errors next to the fields.

``act`` gets the validated data and answers (a redirect, most often). ``refill`` gets the
form to show again, with its errors, and the status: 422 when the form did not validate,
the service's own status (409, 429, ...) when the service refused it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from litestar import Request, Response
from pydantic import BaseModel, model_validator

from service.errors import ServiceError
from service.web.pages import Form, read_form

M = TypeVar("M", bound=BaseModel)
Done = TypeVar("Done", bound=Response[Any])
Page = TypeVar("Page", bound=Response[Any])


async def post_form(
    request: Request[Any, Any, Any],
    schema: type[M],
    act: Callable[[M], Awaitable[Done]],
    refill: Callable[[Form[M], int], Page | Awaitable[Page]],
) -> Done | Page:
    """``act`` on the form's data, or ``refill`` the page with the form and its errors."""
    form = await read_form(request, schema)
    status = 422
    if form.data is not None:
        try:
            return await act(form.data)
        except ServiceError as exc:
            form, status = form.failed(exc), exc.status_code
    page = refill(form, status)
    return await page if inspect.isawaitable(page) else page


def reshapes_form(reshape: Callable[[Any, dict[str, Any]], dict[str, Any]]) -> Any:
    """An API schema's ``model_validator(mode="before")`` for a form: ``reshape`` turns the
    form's flat fields into the schema's shape (a nested object, a list) and gets the class
    and a copy of the fields, never the form's own mapping; anything but a mapping (a model
    already built) goes on to the schema untouched."""

    def before(cls: Any, values: Any) -> Any:
        return reshape(cls, dict(values)) if isinstance(values, dict) else values

    return model_validator(mode="before")(before)
