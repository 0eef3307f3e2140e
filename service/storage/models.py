"""Evidence metadata and its chain of custody.

The bytes live in the object store under a content-addressed key; this row says what they
are, who brought them, when and where they were captured. Evidence is never deleted or
overwritten: an admin may withdraw it (with a reason) and the object and row stay.
``evidence_access`` logs every upload, view, download and withdrawal (append-only).
"""

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import bigint_id, timestamp_now, timestamp_or_none, uuid_id


class EvidenceStatus(StrEnum):
    """Whether the bytes of an evidence row are in the object store yet (a multipart
    upload starts ``pending_upload``)."""

    # A multipart upload was started; the bytes are not verified yet.
    pending_upload = "pending_upload"
    # Hash, size and type verified; the object is under its content-addressed key.
    stored = "stored"


class CustodyAction(StrEnum):
    """What an entry of the chain of custody records being done to a piece of evidence
    (every upload, view, download and withdrawal is logged)."""

    upload = "upload"
    view = "view"
    download = "download"
    withdraw = "withdraw"


class Evidence(SQLModel, table=True):
    """One piece of evidence: what the bytes are (hash, size, type, name), their object
    key, who uploaded them, when and where they were captured, and any withdrawal."""

    __tablename__ = "evidence"
    __table_args__ = (
        sa.CheckConstraint(
            "num_nonnulls(uploaded_by_user_id, uploaded_by_client_id) = 1", name="one_uploader"
        ),
        sa.CheckConstraint(
            "latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude_range"
        ),
        sa.CheckConstraint(
            "longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude_range"
        ),
        sa.CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawn_reason IS NULL)", name="withdrawal_has_reason"
        ),
        sa.CheckConstraint("size_bytes >= 0", name="size_not_negative"),
    )

    id: uuid.UUID = uuid_id()
    # For a pending upload: the hash and size the uploader declared; once stored: verified.
    sha256: str = Field(sa_column=sa.Column(sa.CHAR(64), nullable=False, index=True))
    size_bytes: int = Field(sa_type=sa.BigInteger)
    content_type: str = Field(max_length=127)
    original_name: str = Field(max_length=255)
    object_key: str = Field(max_length=512)
    status: EvidenceStatus = Field(default=EvidenceStatus.stored, sa_type=sa.String(16))
    multipart_upload_id: str | None = Field(default=None, max_length=1024)
    uploaded_by_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="staff_user.id", index=True
    )
    uploaded_by_client_id: uuid.UUID | None = Field(
        default=None, foreign_key="api_client.id", index=True
    )
    uploaded_at: datetime = timestamp_now()
    captured_at: datetime | None = timestamp_or_none()
    latitude: float | None = Field(default=None)
    longitude: float | None = Field(default=None)
    withdrawn_at: datetime | None = timestamp_or_none()
    withdrawn_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    withdrawn_reason: str | None = Field(default=None, max_length=1000)


class EvidenceAccess(SQLModel, table=True):
    """One entry of the chain of custody. Both actor columns NULL = the system (a job)."""

    __tablename__ = "evidence_access"
    __table_args__ = (
        sa.CheckConstraint(
            "num_nonnulls(actor_user_id, actor_client_id) <= 1", name="at_most_one_actor"
        ),
    )

    id: int | None = bigint_id()
    evidence_id: uuid.UUID = Field(foreign_key="evidence.id", index=True)
    actor_user_id: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    actor_client_id: uuid.UUID | None = Field(default=None, foreign_key="api_client.id")
    action: CustodyAction = Field(sa_type=sa.String(16))
    at: datetime = timestamp_now()
    request_id: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=1000)
