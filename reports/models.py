"""Issued reports and their delivery to the recipients on the "Nơi nhận:" list.

A ``report`` row is one version of one document. Regenerating makes a new row in the same
series (``series_id``) with the next ``version``; an issued row never changes again (the
service never updates it, and a trigger of migration 0140 refuses it). Its verification
code, printed in every page footer, is derived from ``"{id}:{version}"``.

``report_delivery`` holds one row per recipient: who, by which channel, and what happened.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import jsonb_column, timestamp_now, timestamp_or_none, uuid_id


class ReportKind(StrEnum):
    supervision_result = "supervision_result"  # báo cáo kết quả giám sát
    council_periodic = "council_periodic"  # tổng hợp ý kiến, kiến nghị gửi kỳ họp HĐND
    agency_scorecard = "agency_scorecard"  # kết quả trả lời của một cơ quan
    social_criticism = "social_criticism"  # văn bản phản biện xã hội gửi cơ quan soạn thảo


class ReportState(StrEnum):
    """A report version's way: queued for the render job, rendering (with ``stage`` and
    ``percent``), then issued with its file, or failed with the error."""

    queued = "queued"
    rendering = "rendering"
    issued = "issued"
    failed = "failed"


class DeliveryChannel(StrEnum):
    """How an issued report reaches a recipient by email: the PDF attached, or a link
    to it."""

    email_attachment = "email_attachment"
    email_link = "email_link"


class DeliveryState(StrEnum):
    """What happened to one recipient's copy: not sent yet, sent, failed (``last_error``),
    or skipped (no SMTP configured, or no email address)."""

    pending = "pending"
    sent = "sent"
    failed = "failed"
    skipped = "skipped"


class Report(SQLModel, table=True):
    """One version of one report (queued, rendering, issued or failed): its parameters,
    its progress, the stored PDF and the header and closing block printed on it."""

    __tablename__ = "report"
    __table_args__ = (
        sa.UniqueConstraint("series_id", "version"),
        sa.CheckConstraint("version > 0", name="version_positive"),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
        sa.CheckConstraint(
            "state <> 'issued' OR (object_key IS NOT NULL AND sha256 IS NOT NULL"
            " AND issued_at IS NOT NULL)",
            name="issued_has_file",
        ),
        # Lists: newest first (keyset on requested_at, id).
        sa.Index("ix_report_requested", "requested_at", "id"),
        sa.Index("ix_report_unit_requested", "unit_code", "requested_at", "id"),
    )

    id: uuid.UUID = uuid_id()
    # Every version of one report shares the series id (the first version's id).
    series_id: uuid.UUID = Field(index=True)
    version: int = Field(default=1)
    kind: ReportKind = Field(sa_type=sa.String(32))
    # Normalised, per kind: {"from", "to", "unit_code"} / {"plan_id", "plan_code"} /
    # {"agency_id", "agency_code", "from", "to"}.
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column())
    # The area the report covers, for scoping who sees it (NULL = the whole city).
    unit_code: str | None = Field(default=None, max_length=16)
    summary: str = Field(max_length=500)

    state: ReportState = Field(default=ReportState.queued, sa_type=sa.String(16), index=True)
    stage: str | None = Field(default=None, max_length=32)
    percent: int = Field(default=0)
    error: str | None = Field(default=None, sa_type=sa.Text)
    attempts: int = Field(default=0)

    requested_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    requested_at: datetime = timestamp_now()
    started_at: datetime | None = timestamp_or_none()
    # Bumped by every progress write: a "rendering" row that stops moving is stale.
    updated_at: datetime = timestamp_now()
    issued_at: datetime | None = timestamp_or_none()

    object_key: str | None = Field(default=None, max_length=512)
    sha256: str | None = Field(default=None, sa_column=sa.Column(sa.CHAR(64), nullable=True))
    size_bytes: int | None = Field(default=None, sa_type=sa.BigInteger)
    page_count: int | None = Field(default=None)
    verification_code: str = Field(max_length=16, unique=True)

    # The header and closing block (from the request, defaults from settings).
    number_symbol: str = Field(max_length=100)
    parent_body: str | None = Field(default=None, max_length=300)
    issuing_body: str = Field(max_length=300)
    place: str = Field(max_length=100)
    issue_date: date
    signer_name: str = Field(max_length=200)
    signer_title: str = Field(max_length=200)
    signer_on_behalf: str | None = Field(default=None, max_length=200)
    # [{"name": ..., "email": ... | null, "channel": ... | null}, ...]
    recipients: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=jsonb_column(default="[]")
    )
    pdf_variant: str | None = Field(default=None, max_length=16)


class ReportDelivery(SQLModel, table=True):
    """One recipient of a report on its "Nơi nhận:" list: the channel it goes by
    (the PDF attached or a link) and how sending it went."""

    __tablename__ = "report_delivery"
    __table_args__ = (
        sa.UniqueConstraint("report_id", "position"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: uuid.UUID = uuid_id()
    report_id: uuid.UUID = Field(foreign_key="report.id", index=True)
    # The recipient's place on the "Nơi nhận:" list.
    position: int
    recipient_name: str = Field(max_length=300)
    email: str | None = Field(default=None, max_length=254)
    channel: DeliveryChannel = Field(sa_type=sa.String(24))
    state: DeliveryState = Field(default=DeliveryState.pending, sa_type=sa.String(16))
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()
    sent_at: datetime | None = timestamp_or_none()
