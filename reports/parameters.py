"""What a report request may ask for, checked and normalised.

`resolve` validates the raw ``parameters`` of a request (problem+json field paths such as
``parameters.from``), looks up the unit, plan or agency, and returns the normalised JSON kept
on the report row, the area the report covers (for scoping who sees it) and its default
summary line. `typed` rebuilds the typed parameters from that JSON without a query, which is
what the render job does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from reports import repository
from reports.data import TypedParameters, council, criticism, scorecard, supervision
from reports.data.common import Period
from reports.models import ReportKind
from service.criticism import repository as criticism_drafts
from service.criticism.models import DraftState
from service.criticism.service import criticism_number
from service.directory.models import AdminUnit, Agency
from service.errors import Invalid, field_error, pydantic_message
from service.i18n import msg, value_error
from service.oversight.models import SupervisionPlan
from service.oversight.repository import plan_detail

MAX_PERIOD_DAYS = 3 * 366
PLAN_CODE = r"^[A-Za-z0-9][A-Za-z0-9._/-]{1,63}$"
AGENCY_CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)
    # Two fields that name the same thing (an id or a code): exactly one is given, else the
    # message code. None where the request has no such pair.
    one_of: ClassVar[tuple[str, str, str] | None] = None

    @model_validator(mode="after")
    def _exactly_one(self) -> _Strict:
        if self.one_of is not None:
            first, second, code = self.one_of
            if (getattr(self, first) is None) == (getattr(self, second) is None):
                raise value_error(code)
        return self


class _PeriodIn(_Strict):
    from_: date = Field(
        alias="from",
        ge=date(2000, 1, 1),
        le=date(2100, 12, 31),
        description="First day (local date, inclusive)",
    )
    to: date = Field(
        ge=date(2000, 1, 1), le=date(2100, 12, 31), description="Last day (local date, inclusive)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> _PeriodIn:
        if self.from_ > self.to:
            raise value_error("period_reversed")
        if (self.to - self.from_).days > MAX_PERIOD_DAYS:
            raise value_error("report_period_too_long")
        return self


class CouncilIn(_PeriodIn):
    unit_code: str | None = Field(
        default=None,
        pattern=r"^[0-9]{2,16}$",
        description="A ward/commune code; omit for the whole city",
    )


class SupervisionIn(_Strict):
    plan_id: uuid.UUID | None = None
    plan_code: str | None = Field(default=None, pattern=PLAN_CODE)
    include_log: bool = Field(default=True, description="Append the sessions' full record")
    one_of = ("plan_id", "plan_code", "plan_id_or_code")


class ScorecardIn(_PeriodIn):
    agency_id: uuid.UUID | None = None
    agency_code: str | None = Field(default=None, pattern=AGENCY_CODE)
    one_of = ("agency_id", "agency_code", "agency_id_or_code")


class CriticismIn(_Strict):
    draft_code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9./-]{1,39}$")


_MODELS: dict[ReportKind, type[_Strict]] = {
    ReportKind.social_criticism: CriticismIn,
    ReportKind.council_periodic: CouncilIn,
    ReportKind.supervision_result: SupervisionIn,
    ReportKind.agency_scorecard: ScorecardIn,
}


@dataclass(frozen=True)
class Resolved:
    kind: ReportKind
    parameters: dict[str, Any]
    # The area the report covers: a ward/commune code, or None for the whole city.
    unit_code: str | None
    summary: str
    typed: TypedParameters
    # Supervision reports: the plan's unit (scoping) and the head of the delegation.
    plan_unit_code: str | None = None
    plan_head: str | None = None
    # Social criticism: the document's own number and the signer the Front issued it with.
    number_symbol: str | None = None
    signer: tuple[str, str] | None = None


def _invalid(error: ValidationError) -> Invalid:
    errors = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"] if part != "__root__")
        field = "parameters" + (f".{path}" if path else "")
        errors.append(field_error(field, pydantic_message(item)))
    return Invalid(msg("report_parameters_invalid"), errors=errors)


def _named(name: str, row: SupervisionPlan | Agency) -> dict[str, str]:
    """The plan or agency a request named (by id or by code: `repository.by_id_or_code`), as
    the report row keeps it: both."""
    return {f"{name}_id": str(row.id), f"{name}_code": row.code}


def _period(data: _PeriodIn, timezone: str) -> Period:
    return Period(data.from_, data.to, timezone)


async def resolve(
    session: AsyncSession, kind: ReportKind, raw: Mapping[str, Any], *, timezone: str
) -> Resolved:
    """Check ``raw`` for ``kind``; raises `Invalid` (422, with field paths)."""
    try:
        data = _MODELS[kind].model_validate(dict(raw))
    except ValidationError as error:
        raise _invalid(error) from None
    if isinstance(data, CouncilIn):
        return await _council(session, data, timezone)
    if isinstance(data, SupervisionIn):
        return await _supervision(session, data, timezone)
    if isinstance(data, CriticismIn):
        return await _criticism(session, data, timezone)
    assert isinstance(data, ScorecardIn)
    return await _scorecard(session, data, timezone)


async def _criticism(session: AsyncSession, data: CriticismIn, timezone: str) -> Resolved:
    """An issued criticism only: its number exists from then on."""
    draft = await criticism_drafts.draft_by_code(session, data.draft_code)
    if draft is None or DraftState(draft.state) not in (DraftState.issued, DraftState.published):
        raise Invalid(msg("report_criticism_not_issued"), field="parameters.draft_code")
    typed = criticism.CriticismParameters(draft.id, draft.code, timezone)
    signer = (
        (draft.signer_name, draft.signer_title)
        if draft.signer_name and draft.signer_title
        else None
    )
    return Resolved(
        kind=ReportKind.social_criticism,
        parameters={"draft_id": str(draft.id), "draft_code": draft.code},
        unit_code=area(draft.unit_code),
        summary=criticism.summary(draft),
        typed=typed,
        plan_unit_code=draft.unit_code,
        number_symbol=criticism_number(draft),
        signer=signer,
    )


async def _council(session: AsyncSession, data: CouncilIn, timezone: str) -> Resolved:
    unit_name = None
    if data.unit_code is not None:
        unit = await session.get(AdminUnit, data.unit_code)
        if unit is None:
            raise Invalid(msg("ward_not_found"), field="parameters.unit_code")
        unit_name = unit.name
    typed = council.CouncilParameters(_period(data, timezone), data.unit_code, unit_name)
    return Resolved(
        kind=ReportKind.council_periodic,
        parameters={
            "from": data.from_.isoformat(),
            "to": data.to.isoformat(),
            "unit_code": data.unit_code,
            "unit_name": unit_name,
        },
        unit_code=data.unit_code,
        summary=council.summary(typed),
        typed=typed,
    )


async def _supervision(session: AsyncSession, data: SupervisionIn, timezone: str) -> Resolved:
    plan, field = await repository.by_id_or_code(
        session, SupervisionPlan, data.plan_id, data.plan_code, "plan"
    )
    if plan is None or plan.state == "draft":
        raise Invalid(msg("report_plan_not_found"), field=field)
    detail = await plan_detail(session, plan.id)
    assert detail is not None
    typed = supervision.SupervisionParameters(
        plan_id=plan.id, plan_code=plan.code, timezone=timezone, include_log=data.include_log
    )
    return Resolved(
        kind=ReportKind.supervision_result,
        parameters={**_named("plan", plan), "include_log": data.include_log},
        unit_code=area(plan.unit_code),
        summary=supervision.summary(plan),
        typed=typed,
        plan_unit_code=plan.unit_code,
        plan_head=supervision.head_of(detail),
    )


def area(unit_code: str) -> str | None:
    """The report's area for a plan's or an agency's unit: a ward/commune (five-digit code),
    or None for the city (a province has a two-digit code)."""
    return unit_code if len(unit_code) > 2 else None


async def _scorecard(session: AsyncSession, data: ScorecardIn, timezone: str) -> Resolved:
    agency, field = await repository.by_id_or_code(
        session, Agency, data.agency_id, data.agency_code, "agency"
    )
    if agency is None:
        raise Invalid(msg("agency_not_found"), field=field)
    typed = scorecard.ScorecardParameters(
        period=_period(data, timezone),
        agency_id=agency.id,
        agency_code=agency.code,
        agency_name=agency.name,
    )
    return Resolved(
        kind=ReportKind.agency_scorecard,
        parameters={
            **_named("agency", agency),
            "agency_name": agency.name,
            "from": data.from_.isoformat(),
            "to": data.to.isoformat(),
        },
        unit_code=area(agency.unit_code),
        summary=scorecard.summary(typed),
        typed=typed,
    )


def typed(kind: ReportKind, parameters: Mapping[str, Any], *, timezone: str) -> TypedParameters:
    """The typed parameters of a stored report (normalised JSON from `resolve`)."""
    kind = ReportKind(kind)
    if kind is ReportKind.council_periodic:
        return council.CouncilParameters(
            _stored_period(parameters, timezone),
            parameters.get("unit_code"),
            parameters.get("unit_name"),
        )
    if kind is ReportKind.supervision_result:
        return supervision.SupervisionParameters(
            plan_id=uuid.UUID(parameters["plan_id"]),
            plan_code=parameters["plan_code"],
            timezone=timezone,
            include_log=bool(parameters.get("include_log", True)),
        )
    if kind is ReportKind.social_criticism:
        return criticism.CriticismParameters(
            uuid.UUID(parameters["draft_id"]), parameters["draft_code"], timezone
        )
    return scorecard.ScorecardParameters(
        period=_stored_period(parameters, timezone),
        agency_id=uuid.UUID(parameters["agency_id"]),
        agency_code=parameters["agency_code"],
        agency_name=parameters["agency_name"],
    )


def _stored_period(parameters: Mapping[str, Any], timezone: str) -> Period:
    return Period(
        date.fromisoformat(parameters["from"]), date.fromisoformat(parameters["to"]), timezone
    )
