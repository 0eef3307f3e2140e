"""What the admin pages share: the guard, and the API's request schemas read from HTML
forms (the routes themselves are tables of ``service.web.routes``)."""

from functools import partial
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, model_validator

from service.auth.guards import admin_only
from service.web.routes import section

ADMIN = [admin_only]
admin_section = partial(section, guards=ADMIN)  # a section of the admin console
# The value of a choice meaning "none" (a form cannot send a null; an empty field counts as
# not sent, which leaves a value unchanged).
NONE = "-"


def _is_bool(annotation: Any) -> bool:
    """``bool``, ``StrictBool`` (``Annotated[bool, Strict()]``), or either or ``None``."""
    if get_origin(annotation) is Annotated:
        return _is_bool(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return any(_is_bool(member) for member in get_args(annotation))
    return annotation is bool


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
