"""The petition page's action forms, as a table: which declared action each form runs
(the API's own ``ActionRoute``, so ``perform`` loads, locks, checks the version and runs it
as the API does), which fields it shows, and what the page says when it is done.

``merge`` is one of them too: on the API it answers with the lead petition; here the page
goes to the lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from service.http.actions import ActionRoute
from service.petitions.controllers.triage import ACTIONS, RECLASSIFY
from service.petitions.models import Petition


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str  # a catalogue code
    widget: Literal["textarea", "select"] = "textarea"
    required: bool = False
    options: str | None = None  # the page's ``choices`` key of a select
    hint: str | None = None
    current: str | None = None  # the petition's attribute a select starts from


@dataclass(frozen=True)
class ActionForm:
    route: ActionRoute[Petition, Any]
    fields: tuple[FieldSpec, ...]
    done: str  # the flash code after it succeeded

    @property
    def name(self) -> str:
        return self.route.name


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
                FieldSpec("reason", "web.queue.f.reason", required=True),
            ),
            "web.queue.done.reclassify",
        ),
        ActionForm(ACTIONS["merge"], (), "web.queue.done.merge"),
    )
}
