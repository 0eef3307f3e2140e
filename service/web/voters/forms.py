"""The voter meetings' forms: the API's request schemas as a browser sends them (the
delegates one a line, one ticked opinion as a single value), the choices the forms offer,
and the file of the minutes' upload form."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.directory import service as directory
from service.directory.reference_data import HANOI
from service.errors import Invalid, TooLarge
from service.http.preconditions import require_version
from service.i18n import msg
from service.voters.models import CouncilSession, SessionLevel
from service.voters.schemas import MeetingCreate, MergeRequest, RecommendationCreate
from service.voters.spreadsheet import MAX_FILE_BYTES
from service.web.oversight.forms import if_match, submit
from service.web.pages import Form
from service.web.queue.reference import agency_options, load_reference, unit_options
from service.web.uploads import FORM_OVERHEAD_BYTES, FormFile

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")
Options = list[tuple[str, str]]
# Litestar refuses a larger form before reading it; the file itself is counted below.
IMPORT_FORM_MAX_BODY = MAX_FILE_BYTES + FORM_OVERHEAD_BYTES


class MeetingForm(MeetingCreate):
    """The API's ``MeetingCreate`` with the delegates typed one a line."""

    @field_validator("delegates", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [line.strip() for line in value.splitlines() if line.strip()]
        return value


class _Picked(BaseModel):
    """The ticked opinions: a browser sends one ticked box as a single value."""

    @field_validator("opinion_ids", mode="before", check_fields=False)
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class NewRecommendationForm(_Picked, RecommendationCreate):
    """The ticked opinions compiled into a new recommendation (the API's schema)."""


class MergeForm(_Picked, MergeRequest):
    """The ticked opinions added to the chosen recommendation (the API's ``MergeRequest``)."""

    recommendation_id: uuid.UUID


async def unit_choices(session: AsyncSession, viewer: StaffPrincipal) -> Options:
    """The units a session or a meeting of the viewer's may be of: their own ward, or the
    city and every ward for the city's Front."""
    reference = await load_reference(session, viewer, for_triage=True)
    wards = [(code, name) for code, name in unit_options(reference) if viewer.sees_unit(code)]
    if viewer.unit_code is not None:
        return wards
    city = await directory.get_unit(session, HANOI)
    return [(city.code, city.name), *wards]


def meeting_units(units: Options, council_session: CouncilSession) -> Options:
    """Where a meeting of the session may be held, of ``units``: the city's wards for the
    city's session, the ward itself for a ward's (the service checks it again)."""
    if council_session.level == SessionLevel.city:
        return [(code, name) for code, name in units if code != council_session.unit_code]
    return [(code, name) for code, name in units if code == council_session.unit_code]


async def agency_choices(session: AsyncSession, viewer: StaffPrincipal) -> Options:
    """The directory's active agencies (the referral's choice)."""
    return agency_options(await load_reference(session, viewer, for_triage=True))


async def read_sheet(chosen: FormFile | None) -> bytes:
    """The chosen spreadsheet's bytes, refused past the API's limit before all are read."""
    if chosen is None:
        raise Invalid(msg("web.voters.file_missing"), field="file")
    limit = MAX_FILE_BYTES
    parts: list[bytes] = []
    size = 0
    async for chunk in chosen.chunks():
        size += len(chunk)
        if size > limit:
            raise TooLarge(msg("voters_import_too_large", limit_mb=limit // (1024 * 1024)))
        parts.append(chunk)
    return b"".join(parts)


async def submit_created(
    form: Form[M], create: Callable[[M], Awaitable[Any]]
) -> tuple[uuid.UUID | None, Form[M], int]:
    """``submit`` for a form that creates something: the new row's id (None when refused),
    the form with the refusal next to its fields, the status to answer."""
    created: list[uuid.UUID] = []

    async def run(data: M) -> None:
        created.append((await create(data)).id)

    form, status = await submit(form, run)
    return (created[0] if created else None), form, status


async def submit_at_version(
    form: Form[M],
    version: Any,
    load: Callable[[], Awaitable[R]],
    version_of: Callable[[R], int],
    change: Callable[[R, M], Awaitable[Any]],
) -> tuple[Form[M], int]:
    """``submit`` for a change at the version the page showed (``version``, the form's hidden
    field, as the API's If-Match): ``load()`` locks the row (404 when not the viewer's),
    412 when it has changed since, else ``change(row, data)`` — the service's operation."""

    async def run(data: M) -> None:
        row = await load()
        require_version(if_match(version), version_of(row))
        await change(row, data)

    return await submit(form, run)
