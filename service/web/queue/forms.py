"""The petition page's action forms, as a table: which declared action each form runs
(the API's own ``ActionRoute``, so ``perform`` loads, locks, checks the version and runs it
as the API does), which fields it shows, and what the page says when it is done.

``merge`` is one of them too: on the API it answers with the lead petition; here the page
goes to the lead.

``reclassify`` reads its form through :class:`ReclassifyForm`: the API's ``Reclassify`` whose
``denounced`` object (the agency employing the person a denunciation is about, and their
position: Law 25/2018 Art. 12-13) arrives as two flat fields of the form.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import BaseModel

from service.http.actions import ActionRoute
from service.i18n import Message, msg
from service.petitions.controllers.triage import ACTIONS, RECLASSIFY
from service.petitions.models import Petition
from service.petitions.schemas import Reclassify
from service.web.forms import reshapes_form
from service.web.pages import Form


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str  # a catalogue code
    widget: Literal["textarea", "select"] = "textarea"
    required: bool = False
    options: str | None = None  # the page's ``choices`` key of a select
    hint: str | None = None
    current: str | None = None  # the petition's attribute a select starts from
    # Fields shown together under a legend (a catalogue code; its hint is ``<code>_hint``),
    # for one kind of petition only (``shown_for``: a script hides them for the others; without
    # it they are simply there, and the hint says when they count).
    group: str | None = None
    shown_for: str | None = None


@dataclass(frozen=True)
class ActionForm:
    route: ActionRoute[Petition, Any]
    fields: tuple[FieldSpec, ...]
    done: str  # the flash code after it succeeded
    schema: type[BaseModel] | None = None  # the form's reading of the route's body

    @property
    def name(self) -> str:
        return self.route.name

    @property
    def form_schema(self) -> Any:
        return self.schema or self.route.body

    def on_fields(self, form: Form[Any]) -> Form[Any]:
        """``form`` with its errors next to the form's own fields (a nested object's error
        next to the flat fields it is typed in)."""
        if self.schema is ReclassifyForm:
            return denounced_errors(form)
        return form


DENOUNCED_FIELDS = ("denounced_agency_id", "denounced_position")


class ReclassifyForm(Reclassify):
    """The API's ``Reclassify`` from the petition page: ``denounced_agency_id`` and
    ``denounced_position`` are its ``denounced`` object (both or neither: see
    :func:`denounced_errors`)."""

    @reshapes_form
    def _nest(cls, values: dict[str, Any]) -> dict[str, Any]:
        agency, position = (values.pop(name, None) for name in DENOUNCED_FIELDS)
        if agency and position:
            values["denounced"] = {"agency_id": agency, "position": position}
        return values


def denounced_errors(form: Form[Any]) -> Form[Any]:
    """The denounced agency and position are one object: one without the other is said next
    to the missing one; the API's errors about ``denounced`` (``denounced.agency_id``) go
    next to the agency."""
    errors: dict[str, Message] = {}
    for name, message in form.errors.items():
        errors.setdefault("denounced_agency_id" if name == "denounced" else name, message)
    agency, position = (form.values.get(name) for name in DENOUNCED_FIELDS)
    if agency and not position:
        errors.setdefault("denounced_position", msg("web.queue.f.denounced_position_missing"))
    if position and not agency:
        errors.setdefault("denounced_agency_id", msg("web.queue.f.denounced_agency_missing"))
    if errors == form.errors:
        return form
    return replace(form, data=None, errors=errors)


_REASON = FieldSpec("reason", "web.queue.f.reason_optional")

ACTION_FORMS: dict[str, ActionForm] = {
    form.name: form
    for form in (
        ActionForm(ACTIONS["accept"], (_REASON,), "web.queue.done.accept"),
        ActionForm(
            ACTIONS["request_info"],
            (FieldSpec("question", "web.queue.f.question", required=True),),
            "web.queue.done.request_info",
        ),
        ActionForm(ACTIONS["resume"], (_REASON,), "web.queue.done.resume"),
        ActionForm(
            ACTIONS["reject"],
            (
                FieldSpec(
                    "reason_code",
                    "web.queue.f.reason_code",
                    widget="select",
                    required=True,
                    options="reason_code",
                ),
                FieldSpec("reason", "web.queue.f.reason", required=True),
            ),
            "web.queue.done.reject",
        ),
        ActionForm(
            ACTIONS["refer"],
            (
                FieldSpec(
                    "agency_id",
                    "web.queue.f.agency",
                    widget="select",
                    options="agency",
                    hint="web.queue.f.agency_hint",
                    current="suggested_agency_id",
                ),
                FieldSpec(
                    "reason", "web.queue.f.override_reason", hint="web.queue.f.override_hint"
                ),
                FieldSpec("note", "web.queue.f.note"),
            ),
            "web.queue.done.refer",
        ),
        ActionForm(
            RECLASSIFY,
            (
                FieldSpec("kind", "web.queue.kind", "select", options="kind", current="kind"),
                FieldSpec(
                    "category",
                    "web.queue.category",
                    "select",
                    options="category",
                    current="category_code",
                ),
                FieldSpec(
                    "unit_code",
                    "web.queue.unit",
                    "select",
                    options="unit_code",
                    current="unit_code",
                ),
                FieldSpec(
                    "urgency",
                    "web.queue.urgency",
                    "select",
                    options="urgency",
                    current="urgency",
                ),
                FieldSpec(
                    "denounced_agency_id",
                    "web.queue.f.denounced_agency",
                    "select",
                    options="agency",
                    current="denounced_agency_id",
                    group="web.queue.f.denounced",
                    shown_for="denunciation",
                ),
                FieldSpec(
                    "denounced_position",
                    "web.queue.f.denounced_position",
                    "select",
                    options="denounced_position",
                    current="denounced_position",
                    group="web.queue.f.denounced",
                    shown_for="denunciation",
                ),
                FieldSpec("reason", "web.queue.f.reason", required=True),
            ),
            "web.queue.done.reclassify",
            schema=ReclassifyForm,
        ),
        ActionForm(ACTIONS["merge"], (), "web.queue.done.merge"),
    )
}
