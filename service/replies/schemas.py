"""Request and response models of the replies API (never the table classes)."""

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.deadlines.models import DeadlineStatus, DeadlineStep, ItemKind, Urgency
from service.replies.models import (
    AnswerOutcome,
    AnswerStatus,
    EscalationTarget,
    ExtensionStatus,
    ReferralState,
)
from service.strict import StrictBool
from service.text import Text, text_field


class RowRead(BaseModel):
    """A response read from a table row's attributes."""

    model_config = ConfigDict(from_attributes=True)


# -- requests -----------------------------------------------------------------------------


class AcknowledgeRequest(BaseModel):
    agency_reference: str = Field(
        min_length=1, max_length=100, description="The agency's own number for the case."
    )
    note: str | None = Field(default=None, max_length=2000)


class DeclineRequest(BaseModel):
    reason: Text = text_field(min_length=3, max_length=4000)
    suggested_agency_id: uuid.UUID | None = Field(
        default=None, description="The agency believed competent, if known."
    )


class ExtensionRequestCreate(BaseModel):
    reason: Text = text_field(min_length=3, max_length=4000)
    new_due_date: date = Field(description="The requested new deadline (a local date).")


class ExtensionDecision(BaseModel):
    approve: StrictBool
    note: str | None = Field(default=None, max_length=4000)


class AnswerDraftWrite(BaseModel):
    """The whole draft (PUT semantics); fields may stay empty until submission."""

    outcome: AnswerOutcome | None = None
    text: str = Field(default="", max_length=50_000)
    legal_basis: str | None = Field(default=None, max_length=4000)
    document_number: str | None = Field(default=None, max_length=100)
    document_date: date | None = None
    signer_name: str | None = Field(default=None, max_length=200)
    signer_title: str | None = Field(default=None, max_length=200)
    attachment_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class NoteRequest(BaseModel):
    note: str | None = Field(default=None, max_length=4000)


class ReasonRequest(BaseModel):
    reason: Text = text_field(min_length=3, max_length=4000)


class EscalateRequest(BaseModel):
    to: EscalationTarget
    reason: Text = text_field(min_length=3, max_length=4000)


class RatingRequest(BaseModel):
    """A rating the citizen gave in person, recorded by a Front officer."""

    satisfied: StrictBool
    comment: str | None = Field(default=None, max_length=4000)


# -- responses ----------------------------------------------------------------------------


class ReferralRead(RowRead):
    id: uuid.UUID
    item_type: str
    item_id: uuid.UUID
    item_kind: ItemKind
    urgency: Urgency
    agency_id: uuid.UUID
    unit_code: str
    title: str
    note: str | None
    state: ReferralState
    version: int
    agency_reference: str | None
    deadline_step: DeadlineStep | None
    deadline_status: DeadlineStatus
    due_at: datetime | None
    warn_at: datetime | None
    extensions_granted: int = 0
    acceptance_due_at: datetime | None
    acknowledged_at: datetime | None
    answered_at: datetime | None
    answer_due_at: datetime | None
    published_at: datetime | None
    feedback_due_at: datetime | None
    satisfied: bool | None
    rating_comment: str | None
    rated_at: datetime | None
    declined_at: datetime | None
    decline_reason: str | None
    suggested_agency_id: uuid.UUID | None
    reopen_count: int
    escalated_to: EscalationTarget | None
    escalated_at: datetime | None
    escalated_from_id: uuid.UUID | None
    closed_at: datetime | None
    close_reason: str | None
    cancelled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str] = Field(
        default_factory=list, description="What the caller may do now."
    )


class InboxItem(ReferralRead):
    item: dict[str, Any] | None = Field(
        default=None, description="The item as the agency may see it (from its provider)."
    )


class ReferralPage(BaseModel):
    items: list[InboxItem]
    next_cursor: str | None


class RevealRequest(BaseModel):
    """Why the identity of a denouncer must be known (kept in the audit log)."""

    reason: Text = text_field(min_length=10, max_length=2000)


class RevealedIdentity(BaseModel):
    """Who filed the item, as revealed (and audited) for the competent resolver."""

    confidential: bool
    full_name: str | None = None
    phone: str | None = None
    email: str | None = None
    national_id: str | None = None
    address: str | None = None


class AnswerDocument(BaseModel):
    """The agency's written answer as a document: what a reader of an answer always gets
    (withheld fields aside)."""

    text: str
    legal_basis: str | None
    document_number: str | None
    document_date: date | None
    signer_name: str | None
    signer_title: str | None
    attachment_ids: list[uuid.UUID]


class AnswerRead(RowRead, AnswerDocument):
    id: uuid.UUID
    round: int
    status: AnswerStatus
    outcome: AnswerOutcome | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    reviewed_at: datetime | None
    review_note: str | None
    published_at: datetime | None
    text_withheld: bool = Field(
        default=False,
        description="A denunciation's answer is read only by the agency and the Front officers "
        "handling it: for others its text, legal basis, signer and review note are withheld",
    )


class ExtensionRead(RowRead):
    id: uuid.UUID
    status: ExtensionStatus
    reason: str
    requested_due_date: date
    previous_due_at: datetime
    granted_amount: int | None
    granted_unit: str | None
    granted_due_at: datetime | None
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str | None


class HistoryRead(RowRead):
    at: datetime
    actor_type: str
    actor_role: str | None
    action: str
    from_state: str | None
    to_state: str
    reason: str | None
    visible_to_citizen: bool
    data: dict[str, Any]


class AttachmentRead(BaseModel):
    evidence_id: uuid.UUID
    original_name: str
    content_type: str
    size_bytes: int
    sha256: str
    added_at: datetime


class ReferralDetail(InboxItem):
    answers: list[AnswerRead] = Field(default_factory=list)
    extensions: list[ExtensionRead] = Field(default_factory=list)
    history: list[HistoryRead] = Field(default_factory=list)
    attachments: list[AttachmentRead] = Field(default_factory=list)


class PublishedAnswer(AnswerDocument):
    """The answer the citizen sees (``published_answer_for_item``)."""

    referral_id: uuid.UUID
    answer_id: uuid.UUID
    agency_id: uuid.UUID
    agency_name: str
    outcome: AnswerOutcome
    published_at: datetime
    feedback_due_at: datetime | None
    referral_state: ReferralState
    satisfied: bool | None


class CitizenHistoryEntry(BaseModel):
    """What the citizen following an item may see of its referrals."""

    referral_id: uuid.UUID
    agency_id: uuid.UUID
    at: datetime
    action: str
    to_state: str
    reason: str | None
    data: dict[str, Any]


class PublicAnswerRead(RowRead):
    id: uuid.UUID
    item_type: str
    item_kind: str
    agency_id: uuid.UUID
    agency_name: str
    unit_code: str | None
    category_code: str | None
    title: str
    description: str | None
    outcome: AnswerOutcome
    answer_text: str
    legal_basis: str | None
    document_number: str | None
    document_date: date | None
    signer_title: str | None
    published_at: datetime


class PublicAnswerPage(BaseModel):
    items: list[PublicAnswerRead]
    next_cursor: str | None


class ScorecardCounts(BaseModel):
    """An agency's figures for a period (``service.replies.scorecards`` says what each
    counts): the one list of them, for the computed card and the card a reader gets."""

    agency_id: uuid.UUID
    agency_code: str
    agency_name: str
    received: int
    acknowledged: int
    acknowledged_on_time: int
    answered: int
    answered_on_time: int
    median_working_days_to_answer: float | None
    overdue_now: int
    extensions: int
    bounces: int
    published: int
    reopened: int
    rated: int
    satisfied: int


class AgencyScorecardRead(ScorecardCounts):
    model_config = ConfigDict(from_attributes=True)

    acknowledged_on_time_rate: float | None
    answered_on_time_rate: float | None
    reopen_rate: float | None
    satisfaction_rate: float | None


class ScorecardResponse(BaseModel):
    start: datetime
    end: datetime
    agencies: list[AgencyScorecardRead]
