"""Petitions, their petitioners, history, clarifications, evidence links, duplicates,
idempotent intake, tracking-code sequences and the notification delivery log.

Personal data lives apart from the petition (``petitioner``): lists, exports and reports
read ``petition`` and never join it. A denouncer's identity is only stored encrypted
(``petitioner.identity_ciphertext``), its plaintext columns stay NULL.
"""

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
    uuid_id,
)
from service.deadlines.models import DeadlineClock, Urgency, clock_indexes


class PetitionKind(StrEnum):
    feedback = "feedback"  # phản ánh
    recommendation = "recommendation"  # kiến nghị
    complaint = "complaint"  # khiếu nại
    denunciation = "denunciation"  # tố cáo


IDENTIFIED_KINDS = frozenset({PetitionKind.complaint, PetitionKind.denunciation})


class Channel(StrEnum):
    app = "app"
    zalo = "zalo"
    web = "web"
    hotline = "hotline"
    voter_meeting = "voter_meeting"
    walk_in = "walk_in"
    online_reception = "online_reception"  # a reception by video (service/reception)


class DenouncedPosition(StrEnum):
    """Who a denunciation is about, in the agency that employs them (Law 25/2018 Art. 12-13):
    it then goes to the superior of that agency, never to the agency itself."""

    head = "head"  # người đứng đầu (or a deputy)
    official = "official"  # cán bộ, công chức, viên chức


class NotifyChannel(StrEnum):
    webhook = "webhook"  # to the API client that filed the petition
    email = "email"
    sms = "sms"  # a text message through the SMS gateway (service.notices.sms)
    zalo = "zalo"  # a Zalo ZNS template message (service.notices.zalo)
    none = "none"


SMS_NOTIFIED_PREDICATE = "notify_channel = 'sms' AND notify_opted_out_at IS NULL"


class PetitionStatus(StrEnum):
    received = "received"
    needs_info = "needs_info"
    accepted = "accepted"
    rejected = "rejected"
    referred = "referred"
    in_progress = "in_progress"
    answered = "answered"
    closed = "closed"
    reopened = "reopened"
    withdrawn = "withdrawn"
    merged = "merged"


# Finished petitions: no evidence, no withdrawal, not a duplicate candidate.
FINAL_STATUSES = frozenset(
    {
        PetitionStatus.rejected,
        PetitionStatus.closed,
        PetitionStatus.withdrawn,
        PetitionStatus.merged,
    }
)
OPEN_STATUSES = tuple(s for s in PetitionStatus if s not in FINAL_STATUSES)
_OPEN_SQL = ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)
OPEN_PREDICATE = f"status IN ({_OPEN_SQL})"
# The stored search document (migration 0200; ``immutable_unaccent`` of 0001: unaccent,
# đ → d, lower; NFD marks go too): the folded title and text (the duplicate search's trigram
# similarity) and their tsvector, the title weighted A and the description B (the staff
# search, GIN index below).
SEARCH_TITLE = "immutable_unaccent((title)::text)"
SEARCH_TEXT = "immutable_unaccent(((title)::text || ' '::text) || description)"
SEARCH_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, immutable_unaccent((title)::text)),"
    " 'A'::\"char\") || setweight(to_tsvector('simple'::regconfig,"
    " immutable_unaccent(description)), 'B'::\"char\"))"
)


def _generated(type_: Any, expression: str) -> Any:
    """A generated STORED column: the database writes it, the ORM never sends it."""
    return Field(
        default=None,
        sa_column=sa.Column(type_, sa.Computed(expression, persisted=True), nullable=True),
        exclude=True,
    )


class Petition(DeadlineClock, table=True):
    """A petition and its routing-step clock (the Front forwards it to an agency)."""

    __tablename__ = "petition"
    __table_args__ = (
        sa.CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="lat_range"),
        sa.CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="lon_range"),
        sa.CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="lat_lon_together"),
        sa.CheckConstraint("version > 0", name="version_positive"),
        sa.CheckConstraint("raised_by_count >= 1", name="raised_by_positive"),
        sa.CheckConstraint(
            "(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_has_lead"
        ),
        sa.CheckConstraint(
            "(denounced_agency_id IS NULL) = (denounced_position IS NULL)",
            name="denounced_agency_with_position",
        ),
        # Staff lists: newest first, whole city or one ward.
        sa.Index("ix_petition_created", "created_at", "id"),
        sa.Index("ix_petition_unit_created", "unit_code", "created_at", "id"),
        sa.Index("ix_petition_status_created", "status", "created_at", "id"),
        sa.Index("ix_petition_category_created", "category_code", "created_at"),
        sa.Index("ix_petition_agency_created", "agency_id", "created_at"),
        # Open items by due date (NULL due dates last, keyset-friendly).
        partial_index(
            "ix_petition_open_due",
            sa.text("coalesce(due_at, 'infinity'::timestamptz)"),
            "id",
            where=OPEN_PREDICATE,
        ),
        partial_index(
            "ix_petition_open_unit_due",
            "unit_code",
            sa.text("coalesce(due_at, 'infinity'::timestamptz)"),
            "id",
            where=OPEN_PREDICATE,
        ),
        # Duplicate candidates: open petitions of a unit and category.
        partial_index(
            "ix_petition_open_unit_category", "unit_code", "category_code", where=OPEN_PREDICATE
        ),
        # ... and of a category near a point (the coordinates arm of the same OR search).
        partial_index(
            "ix_petition_open_category_latitude", "category_code", "latitude", where=OPEN_PREDICATE
        ),
        # The work queue's tab counts under a search: a tab's open petitions (a ward's of a
        # status; a deadline state's, of a ward or the city) without a bitmap of every open
        # petition (migration 0380).
        partial_index("ix_petition_open_unit_status", "unit_code", "status", where=OPEN_PREDICATE),
        partial_index(
            "ix_petition_open_deadline_unit", "deadline_status", "unit_code", where=OPEN_PREDICATE
        ),
        sa.Index("ix_petition_merged_into", "merged_into_id"),
        # Petitions still notified by SMS: what an inbound "STOP" may concern.
        partial_index("ix_petition_sms_notified", "id", where=SMS_NOTIFIED_PREDICATE),
        # The staff search: every folded word of title and description a token.
        sa.Index("ix_petition_search_vector", "search_vector", postgresql_using="gin"),
        *clock_indexes("petition"),
    )

    id: uuid.UUID = uuid_id()
    tracking_code: str = Field(max_length=32, unique=True)
    # SHA-256 of the tracking secret (256 random bits: a fast hash is enough).
    secret_hash: str = Field(max_length=64)
    kind: PetitionKind = Field(sa_type=sa.String(16))
    category_code: str = Field(foreign_key="petition_category.code", max_length=64)
    title: str = Field(max_length=300)
    description: str = Field(sa_type=sa.Text)
    unit_code: str = Field(foreign_key="admin_unit.code", max_length=16)
    address_text: str | None = Field(default=None, max_length=500)
    # How the unit was found from ``address_text`` when the client gave no unit code
    # (``service.directory.addresses.AddressRule``); NULL when the client named the unit.
    address_rule: str | None = Field(default=None, max_length=32)
    residential_group: str | None = Field(default=None, max_length=200)
    latitude: float | None = Field(default=None)
    longitude: float | None = Field(default=None)
    channel: Channel = Field(sa_type=sa.String(16))
    urgency: Urgency = Field(default=Urgency.normal, sa_type=sa.String(16))
    status: PetitionStatus = Field(default=PetitionStatus.received, sa_type=sa.String(16))
    # The administrative decision a complaint contests (the 90-day filing window).
    contested_decision_date: date | None = Field(default=None)
    # False for an anonymous feedback/recommendation.
    identified: bool = Field(default=False)

    client_id: uuid.UUID = Field(foreign_key="api_client.id", index=True)
    notify_channel: NotifyChannel = Field(default=NotifyChannel.webhook, sa_type=sa.String(16))
    # The citizen said "no more notices" (tracking action): nothing is sent while it is set.
    notify_opted_out_at: datetime | None = timestamp_or_none()
    consent_process: bool = Field(default=False)
    consent_publish: bool = Field(default=False)
    consent_recorded_at: datetime = timestamp_now()

    suggested_agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id")
    agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id")
    # The referral in replies (no cross-package foreign key: an id).
    referral_id: uuid.UUID | None = Field(default=None, index=True)
    bounce_count: int = Field(default=0)
    reopen_count: int = Field(default=0)
    # A denunciation against the head or an official of this agency (set at intake or in
    # triage): routed to its superior; its officers never see the denouncer.
    denounced_agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id")
    denounced_position: DenouncedPosition | None = Field(default=None, sa_type=sa.String(16))

    merged_into_id: uuid.UUID | None = Field(default=None, foreign_key="petition.id")
    # People raising this issue: 1 + everyone whose petition was merged into this one.
    raised_by_count: int = Field(default=1)
    evidence_count: int = Field(default=0)

    reject_reason_code: str | None = Field(default=None, max_length=40)
    reject_reason: str | None = Field(default=None, sa_type=sa.Text)
    # The routing clock ran out at ward level and the city Front was told.
    escalated_at: datetime | None = timestamp_or_none()

    version: int = Field(default=1)
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()
    answered_at: datetime | None = timestamp_or_none()
    closed_at: datetime | None = timestamp_or_none()

    # Written by the database from title and description (never set them).
    search_title: str | None = _generated(sa.Text, SEARCH_TITLE)
    search_text: str | None = _generated(sa.Text, SEARCH_TEXT)
    search_vector: str | None = _generated(postgresql.TSVECTOR, SEARCH_VECTOR)


class Petitioner(SQLModel, table=True):
    """Who filed a petition (one row per petition; merged duplicates keep theirs).

    For a denunciation the identity is only in ``identity_ciphertext`` (Fernet, key from
    settings); the plaintext columns stay NULL.
    """

    __tablename__ = "petitioner"
    __table_args__ = (
        sa.CheckConstraint(
            "identity_ciphertext IS NULL OR num_nonnulls(full_name, phone, email, national_id,"
            " address) = 0",
            name="confidential_not_plain",
        ),
    )

    petition_id: uuid.UUID = Field(foreign_key="petition.id", primary_key=True)
    full_name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    national_id: str | None = Field(default=None, max_length=20)
    address: str | None = Field(default=None, max_length=500)
    identity_ciphertext: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = timestamp_now()


class ActorKind(StrEnum):
    """Who did something to a petition: a staff user, an API client, the citizen (through
    the portal or tracking) or the system (a job)."""

    staff = "staff"
    client = "client"
    citizen = "citizen"
    system = "system"


class PetitionEvent(SQLModel, table=True):
    """The history of a petition: every transition and correction, who, why and when.
    An entry the citizen may see (``citizen_visible``) carries what they read of it."""

    __tablename__ = "petition_event"
    # Partitioned by year on ``at`` (migration 0230), so the key holds ``at``; ``id`` comes
    # from the table's sequence and is unique on its own in practice.
    __table_args__ = (sa.Index("ix_petition_event_petition", "petition_id", "id"),)

    id: int | None = bigint_id(identity=False)
    petition_id: uuid.UUID = Field(foreign_key="petition.id")
    at: datetime = timestamp_now(primary_key=True)
    actor_kind: ActorKind = Field(sa_type=sa.String(16))
    actor_id: str | None = Field(default=None, max_length=64)
    actor_role: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=40)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    reason_code: str | None = Field(default=None, max_length=40)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    citizen_visible: bool = Field(default=False)
    # What the citizen reads (Vietnamese), for citizen-visible entries.
    citizen_message: str | None = Field(default=None, sa_type=sa.Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column())


class ClarificationStatus(StrEnum):
    """A clarification question's way: open (at most one per petition) until the citizen
    answers it, or cancelled when nobody will (the petition was withdrawn or merged)."""

    open = "open"
    answered = "answered"
    cancelled = "cancelled"


class Clarification(SQLModel, table=True):
    """A question the Front asks the citizen (the petition waits in ``needs_info``)."""

    __tablename__ = "petition_clarification"
    __table_args__ = (
        partial_index(
            "uq_petition_clarification_one_open",
            "petition_id",
            where="status = 'open'",
            unique=True,
        ),
    )

    id: uuid.UUID = uuid_id()
    petition_id: uuid.UUID = Field(foreign_key="petition.id", index=True)
    question: str = Field(sa_type=sa.Text)
    asked_by: uuid.UUID = Field(foreign_key="staff_user.id")
    asked_at: datetime = timestamp_now()
    status: ClarificationStatus = Field(default=ClarificationStatus.open, sa_type=sa.String(16))
    answer: str | None = Field(default=None, sa_type=sa.Text)
    answered_at: datetime | None = timestamp_or_none()


class PetitionAddition(SQLModel, table=True):
    """Information the citizen added after filing."""

    __tablename__ = "petition_addition"

    id: uuid.UUID = uuid_id()
    petition_id: uuid.UUID = Field(foreign_key="petition.id", index=True)
    text: str = Field(sa_type=sa.Text)
    created_at: datetime = timestamp_now()


class PetitionEvidence(SQLModel, table=True):
    """Links a storage ``evidence`` row to a petition, with who added it (staff, a client,
    the citizen or the system) and when."""

    __tablename__ = "petition_evidence"

    petition_id: uuid.UUID = Field(foreign_key="petition.id", primary_key=True)
    # storage's evidence row (an id, no foreign key: see the migration's note).
    evidence_id: uuid.UUID = Field(primary_key=True)
    added_by: ActorKind = Field(sa_type=sa.String(16))
    added_at: datetime = timestamp_now()


class SuggestionSource(StrEnum):
    intake = "intake"
    triage = "triage"


class DuplicateSuggestion(SQLModel, table=True):
    """A likely duplicate found for ``petition_id`` (kept for the officer who triages it)."""

    __tablename__ = "petition_duplicate_suggestion"

    petition_id: uuid.UUID = Field(foreign_key="petition.id", primary_key=True)
    candidate_id: uuid.UUID = Field(foreign_key="petition.id", primary_key=True, index=True)
    score: float
    distance_m: float | None = Field(default=None)
    source: SuggestionSource = Field(sa_type=sa.String(16))
    created_at: datetime = timestamp_now()


class IdempotencyKey(SQLModel, table=True):
    """One ``Idempotency-Key`` of one API client and the response it produced.

    The response body holds the tracking secret, so it is stored encrypted. Rows are kept
    at least ``IDEMPOTENCY_RETENTION`` (a scheduled job deletes older ones).
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (sa.UniqueConstraint("client_id", "key"),)

    id: int | None = bigint_id()
    client_id: uuid.UUID = Field(foreign_key="api_client.id")
    key: str = Field(max_length=200)
    endpoint: str = Field(max_length=100)
    request_hash: str = Field(max_length=64)
    response_status: int | None = Field(default=None)
    response_body_encrypted: str | None = Field(default=None, sa_type=sa.Text)
    petition_id: uuid.UUID | None = Field(default=None, foreign_key="petition.id")
    created_at: datetime = timestamp_now(index=True)


class DeliveryStatus(StrEnum):
    """The outcome of one attempt to notify a citizen; a delivered, skipped or refused
    notification is settled and not sent again."""

    delivered = "delivered"
    failed = "failed"
    skipped = "skipped"
    # The channel refused this notification for good (a number not on Zalo...): not retried.
    refused = "refused"


class NotificationDelivery(SQLModel, table=True):
    """One attempt to tell a citizen about a change (webhook, email, SMS or Zalo), with
    what the channel answered (``response_status``, ``error``)."""

    __tablename__ = "notification_delivery"
    __table_args__ = (sa.Index("ix_notification_delivery_event", "petition_id", "event_id"),)

    id: int | None = bigint_id()
    petition_id: uuid.UUID = Field(foreign_key="petition.id")
    # No foreign key: ``petition_event`` is partitioned, its key is (id, at) (migration 0230).
    event_id: int = Field(sa_type=sa.BigInteger)
    channel: NotifyChannel = Field(sa_type=sa.String(16))
    # Where it went, without personal data (a webhook host, a masked address).
    target: str | None = Field(default=None, max_length=300)
    attempt: int = Field(default=1)
    status: DeliveryStatus = Field(sa_type=sa.String(16))
    response_status: int | None = Field(default=None)
    error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = timestamp_now()


# -- dashboard counts (service.petitions.repository.dashboard) ------------------------------


class CountGrain(StrEnum):
    """The period a ``petition_count`` row sums: one local day, month, year, or all time."""

    day = "day"
    month = "month"
    year = "year"
    all = "all"


def _summary_indexes(table: str, *key: str) -> tuple[sa.Index, sa.Index]:
    """The indexes of a folded summary: its unique ``key`` (NULL is a value: one row for "no
    agency"), and the keys whose petitions all moved elsewhere (``n = 0``), deleted after
    each fold."""
    return (
        sa.Index(f"uq_{table}_key", *key, unique=True, postgresql_nulls_not_distinct=True),
        partial_index(f"ix_{table}_empty", "id", where="n = 0"),
    )


class _CountColumns(SQLModel):
    """The key and the sums shared by the summary and its change log.

    ``n`` petitions of the key; of them ``overdue`` and ``due_soon`` by their deadline status,
    ``routed`` decided by the Front (clock stopped, with a due date, not withdrawn or merged)
    and ``on_time`` of those stopped by the due date: the dashboard's figures, summed.
    """

    unit_code: str = Field(max_length=16)
    agency_id: uuid.UUID | None = Field(default=None)
    kind: PetitionKind = Field(sa_type=sa.String(16))
    category_code: str = Field(max_length=64)
    status: PetitionStatus = Field(sa_type=sa.String(16))
    n: int = Field(default=0)
    overdue: int = Field(default=0)
    due_soon: int = Field(default=0)
    routed: int = Field(default=0)
    on_time: int = Field(default=0)


class PetitionCount(_CountColumns, table=True):
    """Petitions counted by local (Asia/Ho_Chi_Minh) creation period × unit × agency × kind ×
    category × current status, at four grains so that any range of days is a few index
    ranges. Folded from ``petition_count_change`` by the ``petitions.fold_counts`` job; never
    written by a request."""

    __tablename__ = "petition_count"
    __table_args__ = _summary_indexes(
        __tablename__,
        "grain",
        "period",
        "unit_code",
        "kind",
        "category_code",
        "status",
        "agency_id",
    )

    id: int | None = bigint_id()
    grain: CountGrain = Field(sa_type=sa.String(8))
    # The first local day of the period (0001-01-01 for all time).
    period: date


class PetitionCountChange(_CountColumns, table=True):
    """What changed in the counts since the last fold, one row per key and statement: written
    by the statement triggers on ``petition`` (migration 0240) in the transaction of the
    change, so an intake only inserts (no counter row to wait on) and every writer (requests,
    sweeps, merges, bulk loads) is counted. ``day`` is the petition's local creation day; the
    sums are signed (a status change is -1 on the old key, +1 on the new)."""

    __tablename__ = "petition_count_change"

    id: int | None = bigint_id()
    day: date


class PetitionCountScope(SQLModel, table=True):
    """The unfiltered dashboards, ready: the whole city (``scope_key`` NULL) by period at
    every grain, each unit and each agency for all time; one row per dimension and key
    (``total`` once, then each status, kind, category, unit and agency with its count).
    Folded with ``petition_count`` from the same changes, so an unfiltered dashboard reads a
    few hundred rows per period."""

    __tablename__ = "petition_count_scope"
    __table_args__ = _summary_indexes(
        __tablename__, "scope", "scope_key", "grain", "period", "dimension", "key"
    )

    id: int | None = bigint_id()
    scope: str = Field(max_length=8)  # city | unit | agency
    scope_key: str | None = Field(default=None, max_length=64)
    grain: CountGrain = Field(sa_type=sa.String(8))  # the city at every grain, others: all
    period: date
    dimension: str = Field(max_length=16)  # total | status | kind | category | unit | agency
    key: str | None = Field(default=None, max_length=64)
    n: int = Field(default=0)
    overdue: int = Field(default=0)
    due_soon: int = Field(default=0)
    routed: int = Field(default=0)
    on_time: int = Field(default=0)
