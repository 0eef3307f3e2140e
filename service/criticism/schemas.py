"""Request and response models of social criticism (never the table classes)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from service.criticism.models import (
    CriticismForm,
    DraftLevel,
    DraftState,
    DraftType,
    OpinionSource,
    OpinionStatus,
    PointState,
)
from service.oversight.schemas import Input, RowRead
from service.text import OptionalText, text_field
from service.text import Text as Nfc

Text = Annotated[Nfc, text_field(min_length=1, max_length=20000)]
Line = Annotated[Nfc, text_field(min_length=1, max_length=500)]
Name = Annotated[Nfc, text_field(min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9./-]{1,39}$")]


class Strict(Input):
    """A request body of this domain (the console's forms post their CSRF token and version
    beside the fields, so extra fields are ignored, as the other domains' are)."""


class SectionIn(Strict):
    number: int = Field(ge=1, le=999)
    title: Line
    text: Annotated[Nfc, Field(max_length=20000)] = ""


class DraftCreate(Strict):
    code: Code
    title: Line
    summary: Annotated[OptionalText, Field(max_length=5000)] = None
    draft_type: DraftType
    level: DraftLevel
    unit_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{2,5}$")]
    drafting_agency_id: uuid.UUID
    form: CriticismForm
    opinion_due_at: AwareDatetime
    received_at: AwareDatetime | None = None  # default: now
    sections: list[SectionIn] = Field(default_factory=list, max_length=200)
    document_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)


class SectionRead(BaseModel):
    number: int
    title: str
    text: str


class DraftRead(RowRead):
    id: uuid.UUID
    code: str
    title: str
    summary: str | None
    draft_type: DraftType
    level: DraftLevel
    unit_code: str
    drafting_agency_id: uuid.UUID
    form: CriticismForm
    sections: list[SectionRead]
    document_ids: list[uuid.UUID]
    received_at: datetime
    opinion_due_at: datetime
    required_lead_days: int
    lead_legal_basis: str | None
    received_late: bool
    state: DraftState
    document_number: str | None = None  # "12/PB-MTTQ" once issued
    criticism_text: str | None
    signer_name: str | None
    signer_title: str | None
    issued_at: datetime | None
    published_at: datetime | None
    version: int
    allowed_actions: list[str] = []


class DraftPage(BaseModel):
    items: list[DraftRead]
    next_cursor: str | None


class OpinionCreate(Strict):
    """An opinion an officer enters: a member organisation's or an expert's."""

    source: OpinionSource
    author_name: Name
    section_number: int | None = Field(default=None, ge=1, le=999)
    text: Text


class OpinionRead(RowRead):
    id: uuid.UUID
    draft_id: uuid.UUID
    source: OpinionSource
    author_name: str | None
    section_number: int | None
    text: str
    status: OpinionStatus
    created_at: datetime
    version: int


class ModerateRequest(Strict):
    status: OpinionStatus = Field(description="shown or hidden (pending is not a decision)")


class PublicComment(Strict):
    """A comment of the public on the portal's consultation page."""

    section_number: int | None = Field(default=None, ge=1, le=999)
    author_name: Annotated[Nfc, Field(max_length=200)] = ""
    text: Annotated[Nfc, text_field(min_length=10, max_length=5000)]
    form_token: Annotated[str, StringConstraints(max_length=100)] = ""
    website: Annotated[str, StringConstraints(max_length=200)] = ""


class PointCreate(Strict):
    text: Text
    section_number: int | None = Field(default=None, ge=1, le=999)


class PointRead(RowRead):
    id: uuid.UUID
    draft_id: uuid.UUID
    number: int
    section_number: int | None
    text: str
    state: PointState
    referral_id: uuid.UUID | None
    due_at: datetime | None
    answered_at: datetime | None
    answer_outcome: str | None
    answer_summary: str | None
    version: int


class IssueRequest(Strict):
    criticism_text: Text
    signer_name: Name
    signer_title: Name


class DraftDetail(BaseModel):
    draft: DraftRead
    points: list[PointRead]
