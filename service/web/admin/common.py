"""What the admin pages share: the guard, the API's request schemas read from HTML forms,
and the one shape of "validate, call the service, redirect, or show the form again"."""

from collections.abc import Awaitable, Callable
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

from litestar import Request
from litestar.response import Redirect
from pydantic import BaseModel, model_validator

from service.auth.guards import admin_only
from service.errors import ServiceError
from service.web.pages import Form, HTMXTemplate, read_form, redirect

ADMIN = [admin_only]
# The value of a choice meaning "none" (a form cannot send a null; an empty field counts as
# not sent, which leaves a value unchanged).
NONE = "-"

M = TypeVar("M", bound=BaseModel)


def _is_bool(annotation: Any) -> bool:
    if annotation is bool:
        return True
    if get_origin(annotation) in (Union, UnionType):
        return bool in get_args(annotation)
    return False


class FromForm(BaseModel):
    """Mixed into an API request schema for a form: a checkbox's ``true``/``false`` is a
    boolean (the API's fields are strict), ``-`` is an explicit null."""

    @model_validator(mode="before")
    @classmethod
    def _from_form(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        result = {}
        for name, value in values.items():
            field = cls.model_fields.get(name)
            boolean = field is not None and _is_bool(field.annotation)
            if boolean and isinstance(value, list) and value:
                value = value[-1]  # macros/choices.html's checkbox: "false", then "true" if ticked
            if value == NONE:
                value = None
            elif boolean and value in ("true", "false"):
                value = value == "true"
            result[name] = value
        return result


async def submitted(
    request: Request[Any, Any, Any],
    schema: type[M],
    run: Callable[[M], Awaitable[Any]],
    *,
    done: str,
    flash: str,
    again: Callable[[Form[M]], Awaitable[HTMXTemplate]],
) -> Redirect | HTMXTemplate:
    """The form of ``request`` as ``schema``, given to ``run`` (the API's service call): a
    303 to ``done`` with ``flash``, or the page again (``again``, 422) with the errors next
    to their fields."""
    form = await read_form(request, schema)
    if form.data is not None:
        try:
            await run(form.data)
        except ServiceError as exc:
            form = form.failed(exc)
        else:
            return redirect(done, flash=flash)
    return await again(form)
