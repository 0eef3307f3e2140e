"""Referrals (an item one agency must answer by a deadline), their history, extension
requests, answers, attachments, reminders and the public feed of published answers."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from service.db import (
    bigint_id,
    jsonb_column,
    partial_index,
    timestamp_now,
    timestamp_or_none,
    tz_column,
    uuid_id,
)
from service.deadlines.models import DeadlineClock, ItemKind, Urgency, clock_indexes


class ItemType(StrEnum):
    petition = "petition"
    recommendation = "recommendation"
    criticism_point = "criticism_point"  # a point of the Front's social criticism of a draft
    voter_recommendation = "voter_recommendation"  # voters' opinions compiled per session


class ReferralState(StrEnum):
    sent = "sent"  # waiting for the agency to accept it (thụ lý); acceptance clock
    acknowledged = "acknowledged"  # accepted; the agency works on its answer; answer clock
    answer_submitted = "answer_submitted"  # the Front reviews the answer; the clock runs on
    answer_accepted = "answer_accepted"  # accepted by the Front, not yet published
    published = "published"  # the citizen sees the answer; the feedback window is open
    disputed = "disputed"  # the citizen is not satisfied; the Front reopens or escalates
    closed = "closed"
    declined = "declined"  # not competent: back to the Front for re-routing
    escalated = "escalated"  # handed to the superior agency or to the People's Council list
    cancelled = "cancelled"


OPEN_STATES = (
    ReferralState.sent,
    ReferralState.acknowledged,
    ReferralState.answer_submitted,
    ReferralState.answer_accepted,
)
FINAL_STATES = (
    ReferralState.closed,
    ReferralState.declined,
    ReferralState.escalated,
    ReferralState.cancelled,
)


class EscalationTarget(StrEnum):
    """Where an escalated referral goes: the agency's superior agency, or the list of
    items for the People's Council."""

    superior_agency = "superior_agency"
    council = "council"


class AnswerOutcome(StrEnum):
    """What an agency's answer says it did with the item: resolved it (wholly or partly),
    explained, refused it on a legal basis, or transferred it."""

    resolved = "resolved"
    partly_resolved = "partly_resolved"
    explained = "explained"
    rejected_with_legal_basis = "rejected_with_legal_basis"
    transferred = "transferred"


class AnswerStatus(StrEnum):
    draft = "draft"  # private to the agency
    submitted = "submitted"
    returned = "returned"  # the Front asked for more; a new draft follows
    accepted = "accepted"
    published = "published"


class ExtensionStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


# What a scorecard reads of each referral received in its period (besides ``created_at``).
SCORECARD_COLUMNS = (
    "agency_id",
    "unit_code",
    "acknowledged_at",
    "acceptance_due_at",
    "answered_at",
    "answer_due_at",
    "declined_at",
    "published_at",
    "reopen_count",
    "satisfied",
    "extensions",
)


class Referral(DeadlineClock, table=True):
    """One item (a petition or a supervision recommendation) sent to one agency to answer:
    its state, the acceptance and answer clocks and the citizen's feedback window."""

    __tablename__ = "referral"
    __table_args__ = (
        sa.Index("ix_referral_item", "item_type", "item_id"),
        # The agency inbox: my referrals by due date (keyset on due_at, id).
        sa.Index("ix_referral_agency_due", "agency_id", "due_at", "id"),
        sa.Index("ix_referral_unit_due", "unit_code", "due_at", "id"),
        partial_index("ix_referral_feedback_open", "feedback_due_at", where="state = 'published'"),
        sa.Index("ix_referral_agency_created", "agency_id", "created_at"),
        # The scorecards of a period (``service.replies.scorecards``): the cohort received in
        # it read from the index alone (migration 0285).
        sa.Index(
            "ix_referral_scorecard",
            "created_at",
            postgresql_include=list(SCORECARD_COLUMNS),
        ),
        sa.CheckConstraint("version > 0", name="version_positive"),
        sa.CheckConstraint("reopen_count >= 0", name="reopen_count_not_negative"),
        *clock_indexes("referral"),
    )

    id: uuid.UUID = uuid_id()
    item_type: str = Field(max_length=32)
    item_id: uuid.UUID
    item_kind: ItemKind = Field(sa_type=sa.String(32))
    urgency: Urgency = Field(sa_type=sa.String(16))
    agency_id: uuid.UUID = Field(foreign_key="agency.id")
    # The item's ward/commune: front officers of that unit handle the referral.
    unit_code: str = Field(foreign_key="admin_unit.code", max_length=16)
    title: str = Field(max_length=500)
    note: str | None = Field(default=None, sa_type=sa.Text)
    state: ReferralState = Field(default=ReferralState.sent, sa_type=sa.String(24), index=True)
    # Optimistic concurrency: the ETag; each change bumps it.
    version: int = Field(default=1)
    agency_reference: str | None = Field(default=None, max_length=100)

    acceptance_due_at: datetime | None = timestamp_or_none()
    acknowledged_at: datetime | None = timestamp_or_none()
    # The answer that the Front accepted: when the agency submitted it, and the deadline then.
    answered_at: datetime | None = timestamp_or_none()
    answer_due_at: datetime | None = timestamp_or_none()
    published_at: datetime | None = timestamp_or_none()
    feedback_due_at: datetime | None = timestamp_or_none()

    satisfied: bool | None = Field(default=None)
    rating_comment: str | None = Field(default=None, sa_type=sa.Text)
    rated_at: datetime | None = timestamp_or_none()

    declined_at: datetime | None = timestamp_or_none()
    decline_reason: str | None = Field(default=None, sa_type=sa.Text)
    suggested_agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id")

    extension_requests: int = Field(default=0)
    reopen_count: int = Field(default=0)

    escalated_to: EscalationTarget | None = Field(default=None, sa_type=sa.String(24))
    escalated_at: datetime | None = timestamp_or_none()
    # The referral this one continues (escalation to the superior agency).
    escalated_from_id: uuid.UUID | None = Field(default=None, foreign_key="referral.id", index=True)

    closed_at: datetime | None = timestamp_or_none()
    close_reason: str | None = Field(default=None, max_length=40)
    cancelled_at: datetime | None = timestamp_or_none()

    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()


class ReferralHistory(SQLModel, table=True):
    """One entry per action on a referral: who, what, why, when, and whether the citizen
    following the item may see it."""

    __tablename__ = "referral_history"
    # Partitioned by year on ``at`` (migration 0230), so the key holds ``at``.
    __table_args__ = (sa.Index("ix_referral_history_referral", "referral_id", "id"),)

    id: int | None = bigint_id(identity=False)
    referral_id: uuid.UUID = Field(foreign_key="referral.id")
    at: datetime = timestamp_now(primary_key=True)
    # user | client | system, as in the audit log.
    actor_type: str = Field(max_length=16)
    actor_id: str | None = Field(default=None, max_length=64)
    actor_role: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=40)
    from_state: str | None = Field(default=None, max_length=24)
    to_state: str = Field(max_length=24)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    visible_to_citizen: bool = Field(default=False)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column())


class ReferralPart(SQLModel):
    """A row of a referral's own (an extension request, an answer), by its id."""

    id: uuid.UUID = uuid_id()
    referral_id: uuid.UUID = Field(foreign_key="referral.id", index=True)


def one_per_referral(name: str, where: str) -> sa.Index:
    """At most one row per referral in the states ``where`` names."""
    return partial_index(name, "referral_id", where=where, unique=True)


class ReferralExtension(ReferralPart, table=True):
    """An agency's request for more time, and the Front's decision."""

    __tablename__ = "referral_extension"
    __table_args__ = (one_per_referral("uq_referral_extension_one_pending", "status = 'pending'"),)

    status: ExtensionStatus = Field(default=ExtensionStatus.pending, sa_type=sa.String(16))
    reason: str = Field(sa_type=sa.Text)
    requested_due_date: date
    previous_due_at: datetime = Field(sa_column=tz_column())
    # What the decision granted: the amount in the policy's extension unit, the new deadline.
    granted_amount: int | None = Field(default=None)
    granted_unit: str | None = Field(default=None, max_length=16)
    granted_due_at: datetime | None = timestamp_or_none()
    requested_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    requested_at: datetime = timestamp_now()
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    decided_at: datetime | None = timestamp_or_none()
    decision_note: str | None = Field(default=None, sa_type=sa.Text)


# What an answer says, as the agency drafts it and the citizen reads it once published.
ANSWER_CONTENT = (
    "outcome",
    "text",
    "legal_basis",
    "document_number",
    "document_date",
    "signer_name",
    "signer_title",
)


class ReferralAnswer(ReferralPart, table=True):
    """An agency's answer. A draft is private to the agency; ``round`` counts reopenings."""

    __tablename__ = "referral_answer"
    __table_args__ = (
        # At most one answer in the works per referral.
        one_per_referral(
            "uq_referral_answer_one_open", "status IN ('draft', 'submitted', 'accepted')"
        ),
    )

    round: int = Field(default=0)
    status: AnswerStatus = Field(default=AnswerStatus.draft, sa_type=sa.String(16))
    outcome: AnswerOutcome | None = Field(default=None, sa_type=sa.String(32))
    text: str = Field(default="", sa_type=sa.Text)
    legal_basis: str | None = Field(default=None, sa_type=sa.Text)
    document_number: str | None = Field(default=None, max_length=100)
    document_date: date | None = Field(default=None)
    signer_name: str | None = Field(default=None, max_length=200)
    signer_title: str | None = Field(default=None, max_length=200)
    attachment_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=sa.Column(
            postgresql.ARRAY(sa.Uuid()), nullable=False, server_default=sa.text("'{}'::uuid[]")
        ),
    )
    created_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()
    submitted_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    submitted_at: datetime | None = timestamp_or_none()
    reviewed_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    reviewed_at: datetime | None = timestamp_or_none()
    review_note: str | None = Field(default=None, sa_type=sa.Text)
    published_at: datetime | None = timestamp_or_none()


class ReferralAttachment(SQLModel, table=True):
    """Evidence (e.g. the signed answer as PDF) an agency uploaded for a referral; answers
    may attach only these."""

    __tablename__ = "referral_attachment"

    referral_id: uuid.UUID = Field(foreign_key="referral.id", primary_key=True)
    evidence_id: uuid.UUID = Field(foreign_key="evidence.id", primary_key=True)
    added_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    added_at: datetime = timestamp_now()


class NotificationStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    skipped = "skipped"  # no SMTP configured, or the agency has no email address
    failed = "failed"


class ReferralNotification(SQLModel, table=True):
    """A reminder to an agency (due soon, overdue); sent by the ``replies.notify_agency`` job."""

    __tablename__ = "referral_notification"

    id: int | None = bigint_id()
    referral_id: uuid.UUID = Field(foreign_key="referral.id", index=True)
    kind: str = Field(max_length=32)
    channel: str = Field(default="email", max_length=16)
    recipient: str | None = Field(default=None, max_length=254)
    status: NotificationStatus = Field(default=NotificationStatus.pending, sa_type=sa.String(16))
    # One reminder per (referral, kind, deadline): a second sweep does not repeat it.
    dedupe_key: str = Field(max_length=200, unique=True)
    detail: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = timestamp_now()
    sent_at: datetime | None = timestamp_or_none()


class PublicAnswer(SQLModel, table=True):
    """A published answer on the public feed: only what may be public, already redacted."""

    __tablename__ = "public_answer"
    __table_args__ = (
        sa.Index("ix_public_answer_feed", "published_at", "id"),
        sa.Index("ix_public_answer_unit", "unit_code", "published_at"),
        sa.Index("ix_public_answer_category", "category_code", "published_at"),
        sa.Index("ix_public_answer_agency", "agency_id", "published_at"),
    )

    id: uuid.UUID = uuid_id()
    referral_id: uuid.UUID = Field(foreign_key="referral.id", unique=True)
    answer_id: uuid.UUID = Field(foreign_key="referral_answer.id")
    item_type: str = Field(max_length=32)
    item_kind: str = Field(max_length=32)
    agency_id: uuid.UUID = Field(foreign_key="agency.id")
    agency_name: str = Field(max_length=300)
    unit_code: str | None = Field(default=None, max_length=16)
    category_code: str | None = Field(default=None, max_length=64)
    title: str = Field(max_length=500)
    description: str | None = Field(default=None, sa_type=sa.Text)
    outcome: AnswerOutcome = Field(sa_type=sa.String(32))
    answer_text: str = Field(sa_type=sa.Text)
    legal_basis: str | None = Field(default=None, sa_type=sa.Text)
    document_number: str | None = Field(default=None, max_length=100)
    document_date: date | None = Field(default=None)
    signer_title: str | None = Field(default=None, max_length=200)
    published_at: datetime = timestamp_now()
