"""Request and response bodies of the oversight API (never the table classes)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from service.http.bodies import refuse_end_before_start
from service.i18n import value_error
from service.oversight.models import (
    AttendanceStatus,
    CheckResult,
    EntryKind,
    PlanForm,
    PlanRole,
    PlanState,
    RecommendationState,
    SessionMode,
    SessionState,
)
from service.storage.schemas import MultipartStart
from service.text import Text, text_field

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{1,63}$"


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    return False


class RowRead(BaseModel):
    """A response read from a table row's attributes."""

    model_config = ConfigDict(from_attributes=True)


class Input(BaseModel):
    """A request body. PostgreSQL text cannot hold NUL characters: refuse them as bad
    input (422) instead of failing at the database."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise value_error("text_has_nul")
        return value


# -- plans -----------------------------------------------------------------------------------


class MemberIn(Input):
    user_id: uuid.UUID
    role: PlanRole


class ParticipantIn(Input):
    name: str = Field(min_length=1, max_length=200)
    organisation: str | None = Field(default=None, max_length=300)
    capacity: str | None = Field(default=None, max_length=200)


class PlanCreate(Input):
    code: str = Field(pattern=CODE_PATTERN, description="e.g. KH-GS-2026/03")
    subject: Text = text_field(min_length=3, max_length=500)
    legal_basis: Text = text_field(min_length=3, max_length=10_000)
    form: PlanForm
    unit_code: str = Field(min_length=1, max_length=16)
    period_start: date
    period_end: date
    description: str | None = Field(default=None, max_length=20_000)
    agency_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)
    members: list[MemberIn] = Field(default_factory=list, max_length=200)
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=200)
    petition_ids: list[uuid.UUID] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _period(self) -> PlanCreate:
        refuse_end_before_start(self.period_start, self.period_end, "period_end_before_start")
        return self


class PlanUpdate(Input):
    """Fields left out stay as they are. Lists replace the whole list."""

    code: str | None = Field(default=None, pattern=CODE_PATTERN)
    subject: Text | None = text_field(default=None, min_length=3, max_length=500)
    legal_basis: Text | None = text_field(default=None, min_length=3, max_length=10_000)
    form: PlanForm | None = None
    unit_code: str | None = Field(default=None, min_length=1, max_length=16)
    period_start: date | None = None
    period_end: date | None = None
    description: str | None = Field(default=None, max_length=20_000)
    agency_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=100)
    members: list[MemberIn] | None = Field(default=None, max_length=200)
    participants: list[ParticipantIn] | None = Field(default=None, max_length=200)
    petition_ids: list[uuid.UUID] | None = Field(default=None, max_length=1000)


class PlanActionRequest(Input):
    note: str | None = Field(default=None, max_length=5000)
    # For ``conclude``: the conclusion (kết luận giám sát), unless the plan already has one.
    conclusion: Text | None = text_field(default=None, min_length=3, max_length=50_000)


class AgencyRef(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    unit_code: str


class MemberRead(BaseModel):
    user_id: uuid.UUID
    username: str
    full_name: str
    role: PlanRole


class ParticipantRead(RowRead):
    id: uuid.UUID
    name: str
    organisation: str | None
    capacity: str | None


class PlanSummary(BaseModel):
    id: uuid.UUID
    code: str
    subject: str
    form: PlanForm
    unit_code: str
    period_start: date
    period_end: date
    state: PlanState
    submitted: bool
    created_at: datetime
    version: int


class PlanRead(PlanSummary):
    legal_basis: str
    description: str | None
    petition_ids: list[uuid.UUID]
    submitted_at: datetime | None
    approved_at: datetime | None
    approved_by: uuid.UUID | None
    conclusion: str | None
    concluded_at: datetime | None
    archived_at: datetime | None
    # When the Front made the conclusion public (the ``publish`` action), if it did.
    conclusion_published_at: datetime | None = None
    created_by: uuid.UUID
    updated_at: datetime
    agencies: list[AgencyRef]
    members: list[MemberRead]
    participants: list[ParticipantRead]
    my_role: PlanRole | None
    allowed_actions: list[str]


class PlanPage(BaseModel):
    items: list[PlanSummary]
    next_cursor: str | None


# -- sessions --------------------------------------------------------------------------------


class InvitedPerson(Input):
    user_id: uuid.UUID | None = None
    name: str = Field(min_length=1, max_length=200)
    organisation: str | None = Field(default=None, max_length=300)
    agency_id: uuid.UUID | None = None


def check_venue(mode: SessionMode | None, place: str | None, link: str | None) -> None:
    if mode in (SessionMode.online, SessionMode.hybrid) and not link:
        raise value_error("session_needs_link")
    if mode in (SessionMode.in_person, SessionMode.hybrid) and not place:
        raise value_error("session_needs_place")


class SessionCreate(Input):
    title: Text = text_field(min_length=3, max_length=500)
    mode: SessionMode
    scheduled_start: AwareDatetime
    scheduled_end: AwareDatetime | None = None
    place: str | None = Field(default=None, max_length=500)
    meeting_link: str | None = Field(default=None, max_length=1000, pattern=r"^https?://")
    agenda: list[str] = Field(default_factory=list, max_length=100)
    invited: list[InvitedPerson] = Field(default_factory=list, max_length=500)
    # Recommendations whose implementation this session checks (re-supervision).
    resupervision_of: list[uuid.UUID] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _venue(self) -> SessionCreate:
        check_venue(self.mode, self.place, self.meeting_link)
        refuse_end_before_start(
            self.scheduled_start, self.scheduled_end, "scheduled_end_before_start"
        )
        return self


class SessionUpdate(Input):
    title: Text | None = text_field(default=None, min_length=3, max_length=500)
    mode: SessionMode | None = None
    scheduled_start: AwareDatetime | None = None
    scheduled_end: AwareDatetime | None = None
    place: str | None = Field(default=None, max_length=500)
    meeting_link: str | None = Field(default=None, max_length=1000, pattern=r"^https?://")
    agenda: list[str] | None = Field(default=None, max_length=100)
    invited: list[InvitedPerson] | None = Field(default=None, max_length=500)
    resupervision_of: list[uuid.UUID] | None = Field(default=None, max_length=200)


class SessionActionRequest(Input):
    reason: str | None = Field(default=None, max_length=1000)


class SessionRead(BaseModel):
    id: uuid.UUID
    plan_id: uuid.UUID
    number: int
    title: str
    mode: SessionMode
    state: SessionState
    scheduled_start: datetime
    scheduled_end: datetime | None
    place: str | None
    meeting_link: str | None
    agenda: list[str]
    invited: list[dict[str, Any]]
    resupervision_of: list[uuid.UUID]
    entry_count: int
    opened_at: datetime | None
    closed_at: datetime | None
    sealed_at: datetime | None
    manifest_sha256: str | None
    cancelled_reason: str | None
    version: int
    allowed_actions: list[str]


class AttendanceIn(Input):
    """A staff user (``user_id``) or anyone else by ``name`` and ``organisation``."""

    user_id: uuid.UUID | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    organisation: str | None = Field(default=None, max_length=300)
    agency_id: uuid.UUID | None = None
    capacity: str = Field(min_length=1, max_length=200)
    status: AttendanceStatus
    reason: str | None = Field(default=None, max_length=1000)
    arrived_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _who(self) -> AttendanceIn:
        if self.user_id is None and not self.name:
            raise value_error("attendance_who")
        if self.status is AttendanceStatus.absent and not self.reason:
            raise value_error("absence_reason_required")
        return self


class AttendanceRead(RowRead):
    id: uuid.UUID
    session_id: uuid.UUID
    user_id: uuid.UUID | None
    agency_id: uuid.UUID | None
    name: str
    organisation: str | None
    capacity: str
    status: AttendanceStatus
    reason: str | None
    arrived_at: datetime | None
    recorded_by: uuid.UUID
    recorded_at: datetime


class EntryCreate(Input):
    kind: EntryKind
    text: str = Field(min_length=1, max_length=50_000)
    # The speaker: a staff user, or a name (and organisation); default the writer.
    speaker_user_id: uuid.UUID | None = None
    speaker_name: str | None = Field(default=None, min_length=1, max_length=200)
    speaker_organisation: str | None = Field(default=None, max_length=300)
    corrects_entry_id: uuid.UUID | None = None
    # The client's own id for this entry: a retried POST with the same value returns the
    # entry already written instead of adding it twice.
    client_ref: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _correction(self) -> EntryCreate:
        if (self.kind is EntryKind.correction) != (self.corrects_entry_id is not None):
            raise value_error("correction_target")
        return self


class EntryRead(RowRead):
    id: uuid.UUID
    session_id: uuid.UUID
    seq: int
    kind: EntryKind
    text: str
    speaker_user_id: uuid.UUID | None
    speaker_name: str
    speaker_organisation: str | None
    corrects_entry_id: uuid.UUID | None
    author_id: uuid.UUID
    client_ref: str | None
    created_at: datetime


class LogPage(BaseModel):
    session_id: uuid.UUID
    session_state: SessionState
    entries: list[EntryRead]
    # Pass as ``after`` to get what follows (the last seq returned, or ``after`` unchanged).
    next_after: int
    has_more: bool


class ManifestRead(BaseModel):
    session_id: uuid.UUID
    sealed_at: datetime
    manifest_sha256: str
    manifest: dict[str, Any]


class VerificationRead(BaseModel):
    session_id: uuid.UUID
    ok: bool
    stored_sha256: str
    recomputed_sha256: str
    differing_parts: list[str]
    changed_entries: list[dict[str, Any]]
    missing_entries: list[dict[str, Any]]
    added_entries: list[dict[str, Any]]
    changed_attendance: list[str]
    changed_evidence: list[str]
    # With ``deep=true``: evidence whose stored bytes no longer hash to the recorded value.
    corrupted_objects: list[uuid.UUID] | None = None


# -- evidence --------------------------------------------------------------------------------


class EvidenceItem(BaseModel):
    evidence_id: uuid.UUID
    name: str
    content_type: str
    size_bytes: int
    sha256: str
    status: str
    captured_at: datetime | None
    latitude: float | None
    longitude: float | None
    uploaded_at: datetime
    uploaded_by_user_id: uuid.UUID | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    plan_id: uuid.UUID
    session_id: uuid.UUID | None
    log_entry_id: uuid.UUID | None
    description: str | None
    attached_at: datetime


class EvidenceMultipartStart(MultipartStart, Input):
    # The file as storage announces any large file, plus where in the supervision it goes.
    description: str | None = Field(default=None, max_length=1000)
    session_id: uuid.UUID | None = None
    log_entry_id: uuid.UUID | None = None


class PartTarget(BaseModel):
    part_number: int
    url: str
    offset: int
    length: int


class EvidenceMultipartStarted(BaseModel):
    evidence: EvidenceItem
    upload_id: str
    part_size: int
    parts: list[PartTarget]
    expires_at: datetime


class CompletedPart(Input):
    part_number: int = Field(ge=1, le=10_000)
    etag: str = Field(min_length=1, max_length=200)


class EvidenceMultipartComplete(Input):
    parts: list[CompletedPart] | None = Field(default=None, max_length=10_000)


class DownloadLink(BaseModel):
    url: str
    expires_in: int


class CustodyRead(RowRead):
    id: int
    evidence_id: uuid.UUID
    action: str
    actor_user_id: uuid.UUID | None
    actor_client_id: uuid.UUID | None
    at: datetime
    request_id: str | None
    note: str | None


# -- findings and recommendations -------------------------------------------------------------


class FindingCreate(Input):
    title: Text = text_field(min_length=3, max_length=500)
    text: str = Field(min_length=1, max_length=50_000)
    session_id: uuid.UUID | None = None
    log_entry_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    evidence_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class FindingUpdate(Input):
    title: Text | None = text_field(default=None, min_length=3, max_length=500)
    text: str | None = Field(default=None, min_length=1, max_length=50_000)
    log_entry_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    evidence_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)


class FindingRead(RowRead):
    id: uuid.UUID
    plan_id: uuid.UUID
    session_id: uuid.UUID | None
    title: str
    text: str
    log_entry_ids: list[uuid.UUID]
    evidence_ids: list[uuid.UUID]
    version: int
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime


class RecommendationCreate(Input):
    agency_id: uuid.UUID
    title: Text = text_field(min_length=3, max_length=500)
    text: Text = text_field(min_length=3, max_length=50_000)
    finding_id: uuid.UUID | None = None


class RecommendationUpdate(Input):
    agency_id: uuid.UUID | None = None
    title: Text | None = text_field(default=None, min_length=3, max_length=500)
    text: Text | None = text_field(default=None, min_length=3, max_length=50_000)
    finding_id: uuid.UUID | None = None


class RecommendationIssue(Input):
    note: str | None = Field(default=None, max_length=5000)
    # Only when re-issuing a declined recommendation: the competent agency.
    agency_id: uuid.UUID | None = None


class RecommendationWithdraw(Input):
    reason: Text = text_field(min_length=3, max_length=1000)


class RecommendationRead(BaseModel):
    id: uuid.UUID
    plan_id: uuid.UUID
    plan_code: str
    finding_id: uuid.UUID | None
    agency_id: uuid.UUID
    agency_code: str
    agency_name: str
    title: str
    text: str
    state: RecommendationState
    due_at: datetime | None
    issued_at: datetime | None
    answered_at: datetime | None
    answer_outcome: str | None
    answer_summary: str | None
    referral_id: uuid.UUID | None
    last_check_result: CheckResult | None
    last_checked_at: datetime | None
    version: int


class CheckCreate(Input):
    recommendation_id: uuid.UUID
    result: CheckResult
    note: str | None = Field(default=None, max_length=20_000)
    log_entry_id: uuid.UUID | None = None


class CheckRead(RowRead):
    id: uuid.UUID
    recommendation_id: uuid.UUID
    session_id: uuid.UUID
    result: CheckResult
    note: str | None
    log_entry_id: uuid.UUID | None
    checked_by: uuid.UUID
    checked_at: datetime
