"""Request and response models of the petitions API (never the table classes).

Every text a citizen sends is a ``service.text`` type: NFC-normalised and stripped before its
length is checked.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.deadlines.models import DeadlineStatus, Urgency
from service.petitions.models import (
    Channel,
    DeliveryStatus,
    DenouncedPosition,
    NotifyChannel,
    PetitionKind,
    PetitionStatus,
)
from service.replies.schemas import PublishedAnswer, RevealedIdentity
from service.strict import StrictBool
from service.text import OptionalText, Text, text_field

MAX_DESCRIPTION = 10_000


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9 .\-()]{8,20}$"
NATIONAL_ID_PATTERN = r"^(\d{9}|\d{12})$"


# -- intake ---------------------------------------------------------------------------------


class PetitionerIn(BaseModel):
    full_name: OptionalText = Field(default=None, max_length=200)
    phone: OptionalText = Field(default=None, max_length=20, pattern=PHONE_PATTERN)
    email: OptionalText = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    national_id: OptionalText = Field(
        default=None, pattern=NATIONAL_ID_PATTERN, description="CCCD (12 digits) or CMND (9)"
    )
    address: OptionalText = Field(default=None, max_length=500)


class DenouncedIn(BaseModel):
    """A denunciation about the head or an official of an agency: it goes to that agency's
    superior (Law 25/2018 Art. 12-13), and that agency never sees the denouncer."""

    agency_id: uuid.UUID = Field(description="The agency that employs the denounced person")
    position: DenouncedPosition = Field(
        description="head: its head or a deputy; official: one of its officials"
    )


class PetitionCreate(BaseModel):
    kind: PetitionKind
    category: Text = text_field(min_length=1, max_length=64, description="A petition category code")
    title: Text = text_field(min_length=3, max_length=300)
    description: Text = text_field(min_length=1, max_length=MAX_DESCRIPTION)
    unit_code: OptionalText = Field(
        default=None,
        min_length=1,
        max_length=16,
        description=(
            "Hanoi ward/commune code (2025). May be left out when `address_text` names the "
            "ward or commune, in the old (pre-2025, with its district) or the new form: "
            "the unit is then resolved from the address (see the route's description)."
        ),
    )
    address_text: OptionalText = Field(
        default=None,
        max_length=500,
        description=(
            'Where the problem is, as the citizen writes it: e.g. "số 5 phố Hàng Gai, '
            'phường Hàng Trống, quận Hoàn Kiếm" or "phường Hoàn Kiếm, Hà Nội".'
        ),
    )
    residential_group: OptionalText = Field(
        default=None, max_length=200, description="Tổ dân phố or thôn"
    )
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    channel: Channel = Channel.app
    urgency: Urgency = Urgency.normal
    contested_decision_date: date | None = Field(
        default=None, description="Complaints: date of the contested decision (90-day window)"
    )
    petitioner: PetitionerIn | None = None
    denounced: DenouncedIn | None = Field(
        default=None, description="Denunciations: who is denounced, if an agency's head/official"
    )
    consent_to_process: StrictBool = Field(
        description="Explicit consent to process the personal data (PDPL 91/2025); required"
    )
    consent_to_publish: StrictBool = False
    notify_channel: NotifyChannel = Field(
        default=NotifyChannel.webhook,
        description="How the citizen is told of changes: `webhook` (to this API client), "
        "`email`, `sms` or `zalo` (a Zalo ZNS message; both need `petitioner.phone`, a "
        "Vietnamese mobile number), or `none`.",
    )


class PetitionCreated(BaseModel):
    id: uuid.UUID
    tracking_code: str
    tracking_secret: str = Field(description="Shown once; send it as X-Tracking-Secret")
    status: PetitionStatus
    kind: PetitionKind
    received_at: datetime
    track_url: str


# -- citizen tracking -----------------------------------------------------------------------


class TrackingEvent(BaseModel):
    at: datetime
    action: str
    status: str | None
    message: str | None


class OpenQuestion(BaseModel):
    id: uuid.UUID
    question: str
    asked_at: datetime


class CitizenEvidence(BaseModel):
    id: uuid.UUID
    name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: datetime


class MergedInto(BaseModel):
    tracking_code: str
    status: PetitionStatus


class TrackingView(BaseModel):
    tracking_code: str
    kind: PetitionKind
    category: str
    title: str
    status: PetitionStatus
    received_at: datetime
    agency_name: str | None
    raised_by_count: int
    merged_into: MergedInto | None
    history: list[TrackingEvent]
    open_questions: list[OpenQuestion]
    evidence: list[CitizenEvidence]
    answer: PublishedAnswer | None
    consent_to_publish: bool
    notifications: bool = Field(
        description="Whether the citizen is told of changes by email, SMS or Zalo (false "
        "after they opted out, or with `notify_channel: none`); `POST .../notifications` "
        "turns it off or on again."
    )
    allowed_actions: list[str]


class ClarificationAnswer(BaseModel):
    answer: Text = text_field(min_length=1, max_length=MAX_DESCRIPTION)


class AdditionalInformation(BaseModel):
    text: Text = text_field(min_length=1, max_length=MAX_DESCRIPTION)


class WithdrawRequest(BaseModel):
    reason: OptionalText = Field(default=None, max_length=2000)


class RatingRequest(BaseModel):
    satisfied: StrictBool
    comment: OptionalText = Field(default=None, max_length=2000)


class ConsentUpdate(BaseModel):
    consent_to_publish: StrictBool


class NotificationsUpdate(BaseModel):
    notifications: StrictBool = Field(
        description="false: no more email, SMS or Zalo notices for this petition (the "
        "citizen's opt-out); true: notices again, on the channel chosen when filing."
    )


# -- staff ----------------------------------------------------------------------------------


class PetitionSummary(BaseModel):
    """A row of the staff list: no personal data, ever."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tracking_code: str
    kind: PetitionKind
    category_code: str
    title: str
    unit_code: str
    channel: Channel
    urgency: Urgency
    status: PetitionStatus
    identified: bool
    agency_id: uuid.UUID | None
    suggested_agency_id: uuid.UUID | None
    raised_by_count: int
    bounce_count: int
    due_at: datetime | None
    deadline_status: DeadlineStatus
    escalated_at: datetime | None
    created_at: datetime


class TextSpan(BaseModel):
    """A highlighted word: ``[start, end)`` in Unicode code points of the text it marks."""

    start: int
    end: int


class SearchMatch(BaseModel):
    """Where a search's words are, in the title and an excerpt of the description as this
    list shows them (a denunciation's without its denouncer's identity)."""

    title_highlights: list[TextSpan]
    snippet: str = Field(description="About 200 characters of the description around a match")
    snippet_highlights: list[TextSpan]


class PetitionListItem(PetitionSummary):
    """A row of the staff list; with ``q``, where the words matched."""

    search: SearchMatch | None = Field(default=None, description="Only when searching (q)")


class PetitionPage(BaseModel):
    items: list[PetitionListItem]
    next_cursor: str | None


class PetitionerView(RevealedIdentity):
    # The petitioner's contact details as the Front sees them: the fields of the identity
    # an agency may reveal (a schema of its own in the document, with no description).
    pass


class ClarificationView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    question: str
    asked_at: datetime
    status: str
    answer: str | None
    answered_at: datetime | None


class AdditionView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    text: str
    created_at: datetime


class EvidenceLink(BaseModel):
    id: uuid.UUID
    name: str
    content_type: str
    size_bytes: int
    sha256: str
    added_by: str
    added_at: datetime


class DuplicateCandidate(BaseModel):
    petition: PetitionSummary
    score: float
    distance_m: float | None


class PetitionDetail(PetitionSummary):
    description: str
    address_text: str | None
    address_rule: str | None = Field(
        default=None,
        description=(
            "How the unit was found from `address_text` when the client sent no `unit_code` "
            "(`new_name`, `old_ward_converted`, `old_ward_without_district`, "
            "`old_district_converted`); null when the client named the unit."
        ),
    )
    residential_group: str | None
    latitude: float | None
    longitude: float | None
    contested_decision_date: date | None
    consent_process: bool
    consent_publish: bool
    notify_channel: NotifyChannel
    notify_opted_out_at: datetime | None = None
    merged_into_id: uuid.UUID | None
    referral_id: uuid.UUID | None
    reject_reason_code: str | None
    reject_reason: str | None
    reopen_count: int
    evidence_count: int
    clock_started_at: datetime | None
    clock_paused_at: datetime | None
    clock_stopped_at: datetime | None
    warn_at: datetime | None
    version: int
    updated_at: datetime
    denounced_agency_id: uuid.UUID | None = None
    denounced_position: DenouncedPosition | None = None
    petitioner: PetitionerView | None = None
    clarifications: list[ClarificationView] = []
    additions: list[AdditionView] = []
    evidence: list[EvidenceLink] = []
    duplicate_suggestions: list[DuplicateCandidate] = []
    merged_petitions: list[PetitionSummary] = []
    allowed_actions: list[str] = []


class HistoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_kind: str
    actor_id: str | None
    actor_role: str | None
    action: str
    from_status: str | None
    to_status: str | None
    reason_code: str | None
    reason: str | None
    citizen_visible: bool
    citizen_message: str | None
    data: dict[str, Any]


class RequestInfo(BaseModel):
    question: Text = text_field(min_length=3, max_length=MAX_DESCRIPTION)


class ReasonRequest(BaseModel):
    reason: OptionalText = Field(default=None, max_length=2000)


class RejectRequest(BaseModel):
    reason_code: Literal[
        "outside_competence",
        "insufficient_content",
        "anonymous_not_allowed",
        "filing_window_expired",
        "already_resolved",
        "duplicate_of_resolved",
        "abusive",
        "other",
    ]
    reason: Text = text_field(min_length=3, max_length=2000)


class ReferRequest(BaseModel):
    agency_id: uuid.UUID | None = Field(
        default=None, description="Omit to confirm the suggested agency"
    )
    reason: OptionalText = Field(
        default=None, max_length=2000, description="Required when overriding the suggestion"
    )
    note: OptionalText = Field(default=None, max_length=2000)


class MergeRequest(BaseModel):
    lead_id: uuid.UUID
    reason: OptionalText = Field(default=None, max_length=2000)


class Reclassify(BaseModel):
    kind: PetitionKind | None = None
    category: OptionalText = Field(default=None, max_length=64)
    unit_code: OptionalText = Field(default=None, max_length=16)
    urgency: Urgency | None = None
    denounced: DenouncedIn | None = Field(
        default=None,
        description="A denunciation about the head or an official of this agency: routed "
        "to its superior",
    )
    reason: Text = text_field(min_length=3, max_length=2000)


class CountRow(BaseModel):
    key: str | None
    count: int


class Dashboard(BaseModel):
    total: int
    by_status: list[CountRow]
    by_kind: list[CountRow]
    by_category: list[CountRow]
    by_unit: list[CountRow]
    by_agency: list[CountRow]
    overdue_now: int
    due_soon_now: int
    routed: int
    routed_on_time: int
    on_time_rate: float | None = Field(
        description="Share of petitions routed (or rejected) within the routing deadline"
    )


class DeliveryView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: int
    channel: NotifyChannel
    target: str | None
    attempt: int
    status: DeliveryStatus
    response_status: int | None
    error: str | None
    created_at: datetime
