"""A supervision plan's own forms in the console: create a draft (on the list), edit a draft's
fields, and its roster (add a member, change a member's role, remove one) while the plan
runs. Each is the API's own operation with the API's request schema: ``POST
/oversight/plans`` (``PlanCreate``) and ``PATCH /oversight/plans/{id}`` (``PlanUpdate``,
whose ``members`` replaces the whole roster), so a rule is written once, in
``service.oversight.service.plans``.

A form's hidden ``version`` is its If-Match, as for the plan's actions: a roster built from
a page read at an older version is refused with 412 (someone changed the plan first), never
written over the newer one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pydantic import field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.i18n import Message
from service.oversight import service as oversight
from service.oversight.models import PlanRole
from service.oversight.schemas import Input, MemberIn, PlanCreate, PlanRead, PlanUpdate
from service.web.pages import Form
from service.web.queue.reference import agency_options, load_reference, unit_options

Options = list[tuple[str, str]]


def _as_list(value: Any) -> Any:
    """A form's list (a multiple select) sends one value as a plain string."""
    return [value] if isinstance(value, str) else value


def participant_lines(value: Any) -> Any:
    """The participants' textarea, one person a line: "name; organisation; capacity" (the
    last two may be left out), as the API's list of ``ParticipantIn``."""
    if not isinstance(value, str):
        return value
    people = []
    for line in value.splitlines():
        parts = [part.strip() for part in line.split(";", 2)]
        if not any(parts):
            continue
        parts += [""] * (3 - len(parts))
        name, organisation, capacity = parts
        people.append(
            {"name": name, "organisation": organisation or None, "capacity": capacity or None}
        )
    return people


def participants_text(plan: PlanRead) -> str:
    return "\n".join(
        "; ".join(part or "" for part in (p.name, p.organisation, p.capacity)).rstrip("; ")
        for p in plan.participants
    )


class _PlanLists(Input):
    """A plan's lists as its forms send them: the agencies from a multiple select, the
    participants from a textarea (``participant_lines``)."""

    @field_validator("agency_ids", mode="before", check_fields=False)
    @classmethod
    def _agencies(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("participants", mode="before", check_fields=False)
    @classmethod
    def _participants(cls, value: Any) -> Any:
        return participant_lines(value)


class PlanCreateForm(_PlanLists, PlanCreate):
    """The API's ``PlanCreate`` from a form."""


class PlanEditForm(_PlanLists, PlanUpdate):
    """The API's ``PlanUpdate`` from the draft's form: the plan's fields, not its roster
    (the roster has its own forms). An empty field is one not sent, so it stays as it is
    (``read_form``): a description or the participants are changed here, not emptied."""


class MemberRoleForm(Input):
    """A member's new role on the plan."""

    role: PlanRole


_INDEX = re.compile(r"\[\d+\]")


def by_field(form: Form[Any], rename: Mapping[str, str] | None = None) -> Form[Any]:
    """``form`` with the service's field paths as the page's field names: ``agency_ids[2]``
    is the ``agency_ids`` select; ``rename`` moves an error to another field (the roster's
    ``members`` to the member form's own fields)."""
    errors: dict[str, Message] = {}
    for name, message in form.errors.items():
        plain = _INDEX.sub("", name)
        errors.setdefault((rename or {}).get(plain, plain), message)
    return replace(form, errors=errors)


# The roster's refusals said next to the member form's fields: which person, or which role.
ROLE_CODES = frozenset({"plan_one_head", "plan_keeps_head"})


def member_errors(form: Form[Any]) -> Form[Any]:
    errors: dict[str, Message] = {}
    for name, message in by_field(form).errors.items():
        if name == "members":
            name = "role" if message.code in ROLE_CODES else "user_id"
        errors.setdefault(name, message)
    return replace(form, errors=errors)


def roster(plan: PlanRead) -> list[MemberIn]:
    return [MemberIn(user_id=member.user_id, role=member.role) for member in plan.members]


def with_member(plan: PlanRead, added: MemberIn) -> list[MemberIn]:
    """The roster with ``added`` at the end (listed twice: the service says so)."""
    return [*roster(plan), added]


def with_role(plan: PlanRead, user_id: uuid.UUID, role: PlanRole) -> list[MemberIn]:
    return [
        MemberIn(user_id=m.user_id, role=role if m.user_id == user_id else m.role)
        for m in roster(plan)
    ]


def without(plan: PlanRead, user_id: uuid.UUID) -> list[MemberIn]:
    return [m for m in roster(plan) if m.user_id != user_id]


def edit_values(plan: PlanRead) -> dict[str, Any]:
    """The draft's fields as its edit form starts: what the plan holds now."""
    return {
        "code": plan.code,
        "subject": plan.subject,
        "legal_basis": plan.legal_basis,
        "form": plan.form.value,
        "unit_code": plan.unit_code,
        "period_start": plan.period_start.isoformat(),
        "period_end": plan.period_end.isoformat(),
        "description": plan.description or "",
        "agency_ids": [str(agency.id) for agency in plan.agencies],
        "participants": participants_text(plan),
    }


async def plan_choices(session: AsyncSession, viewer: StaffPrincipal) -> dict[str, Options]:
    """The units a plan of the viewer's may be of (their ward; every ward at city level) and
    the directory's active agencies."""
    reference = await load_reference(session, viewer, for_triage=True)
    units = [(code, name) for code, name in unit_options(reference) if viewer.sees_unit(code)]
    return {"unit_code": units, "agency_ids": agency_options(reference)}


async def member_options(session: AsyncSession, plan: PlanRead, viewer: StaffPrincipal) -> Options:
    """The people not yet on the roster whom the viewer may add."""
    listed = {member.user_id for member in plan.members}
    return [
        (str(person.user_id), f"{person.full_name} ({person.username})")
        for person in await oversight.member_candidates(session, plan.id, viewer)
        if person.user_id not in listed
    ]
