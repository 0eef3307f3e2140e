"""The voter meetings' forms: the API's request schemas as a browser sends them (the
delegates one a line, one ticked opinion as a single value), the choices the forms offer,
and the file of the minutes' upload form."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.directory import service as directory
from service.directory.reference_data import HANOI
from service.errors import Invalid, TooLarge
from service.i18n import msg
from service.voters.schemas import MeetingCreate, MergeRequest, RecommendationCreate
from service.voters.spreadsheet import MAX_FILE_BYTES
from service.web.queue.reference import agency_options, load_reference, unit_options
from service.web.uploads import FORM_OVERHEAD_BYTES, FormFile

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
