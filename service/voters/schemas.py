"""Request and response models of the voter meetings API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Self, TypeVar

from pydantic import BaseModel, Field, model_validator

from service.http.bodies import refuse_end_before_start
from service.oversight.schemas import Input, RowRead
from service.text import OptionalText, Text, text_field
from service.voters.models import (
    ImportState,
    MeetingTiming,
    SessionLevel,
    VoterRecommendationState,
)

__all__ = ["Input", "RowRead"]

Read = TypeVar("Read", bound=BaseModel)


def read_of(schema: type[Read], row: Any, **values: Any) -> Read:
    """``schema`` from ``row``'s attributes of its fields' names, and ``values`` for the
    fields the row has not (counts, lists gathered beside it)."""
    own = {name: getattr(row, name) for name in schema.model_fields if name not in values}
    return schema.model_validate({**own, **values})


class CouncilSessionCreate(Input):
    term: Text = text_field(min_length=4, max_length=32, description="e.g. 2026-2031")
    number: int = Field(ge=1, le=1000, description="kỳ họp thứ ...")
    title: Text = text_field(min_length=3, max_length=300)
    level: SessionLevel
    unit_code: str = Field(min_length=1, max_length=16)
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        refuse_end_before_start(self.starts_on, self.ends_on, "voters_session_dates")
        return self


class CouncilSessionRead(RowRead):
    id: uuid.UUID
    term: str
    number: int
    title: str
    level: SessionLevel
    unit_code: str
    starts_on: date
    ends_on: date
    version: int
    created_at: datetime


class CouncilSessionPage(BaseModel):
    items: list[CouncilSessionRead]
    next_cursor: str | None = None


class MeetingCreate(Input):
    timing: MeetingTiming
    unit_code: str = Field(min_length=1, max_length=16, description="the ward where it is held")
    held_on: date
    place: Text = text_field(min_length=2, max_length=300)
    delegates: list[Text] = Field(default_factory=list, max_length=50)
    voters_attending: int = Field(default=0, ge=0, le=1_000_000)
    minutes_evidence_id: uuid.UUID | None = None


class MeetingRead(RowRead):
    id: uuid.UUID
    council_session_id: uuid.UUID
    timing: MeetingTiming
    unit_code: str
    held_on: date
    place: str
    delegates: list[str]
    voters_attending: int
    minutes_evidence_id: uuid.UUID | None
    version: int
    created_at: datetime


class OpinionCreate(Input):
    text: Text = text_field(min_length=3, max_length=5000)
    topic: OptionalText = Field(default=None, max_length=200)
    suggested_agency: OptionalText = Field(default=None, max_length=300)
    voters_count: int = Field(default=1, ge=1, le=100_000)


class OpinionRead(RowRead):
    id: uuid.UUID
    meeting_id: uuid.UUID
    council_session_id: uuid.UUID
    text: str
    topic: str | None
    suggested_agency: str | None
    voters_count: int
    row_number: int | None
    recommendation_id: uuid.UUID | None
    created_at: datetime


class RowError(BaseModel):
    row: int = Field(description="the spreadsheet's row number (the header is row 1)")
    field: str
    code: str
    message: str


class ImportRead(BaseModel):
    id: uuid.UUID
    meeting_id: uuid.UUID
    sha256: str
    filename: str | None
    file_format: str
    encoding: str | None
    state: ImportState
    total_rows: int
    error_rows: int
    processed_rows: int
    progress: int = Field(description="percent of the rows saved (100 when done)")
    errors: list[RowError]
    preview: list[dict[str, Any]] = Field(description="the first rows as they will be saved")
    version: int
    created_at: datetime


class Source(RowRead):
    """Where a compiled recommendation was raised."""

    opinion_id: uuid.UUID
    meeting_id: uuid.UUID
    unit_code: str
    unit_name: str
    held_on: date
    voters_count: int
    text: str


class RecommendationRead(BaseModel):
    id: uuid.UUID
    council_session_id: uuid.UUID
    title: str
    text: str
    agency_id: uuid.UUID | None
    state: VoterRecommendationState
    referral_id: uuid.UUID | None
    referred_at: datetime | None
    answered_at: datetime | None
    answer_outcome: str | None
    answer_summary: str | None
    sources: list[Source]
    meetings: int
    voters_total: int
    version: int


class RecommendationCreate(Input):
    title: Text = text_field(min_length=3, max_length=500)
    text: Text = text_field(min_length=3, max_length=20_000)
    opinion_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)
    agency_id: uuid.UUID | None = None


class MergeRequest(Input):
    opinion_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class ReferRequest(Input):
    agency_id: uuid.UUID | None = Field(default=None, description="required when none is set")
    note: OptionalText = Field(default=None, max_length=2000)


class SuggestedOpinion(BaseModel):
    opinion_id: uuid.UUID
    meeting_id: uuid.UUID
    unit_code: str
    voters_count: int
    text: str


class Suggestion(BaseModel):
    """Opinions that look like one matter (trigram similarity); the officer decides."""

    opinions: list[SuggestedOpinion]
    score: float


class SuggestionList(BaseModel):
    items: list[Suggestion]
