"""Tables of the channels domain: a ward's channel accounts (tokens encrypted), the Front's
announcements, and one publication row per (item, channel, ward) with its delivery state."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import array_column, partial_index, timestamp_now, timestamp_or_none, uuid_id


class ChannelKind(StrEnum):
    portal = "portal"  # the portal's list of announcements (no remote call)
    zalo = "zalo"  # a Zalo Official Account (article API)
    facebook = "facebook"  # a Facebook Page (Graph API page feed)
    webhook = "webhook"  # any other bot: the signed webhook


# The channels that need an account (a remote to call).
REMOTE_CHANNELS = frozenset({ChannelKind.zalo, ChannelKind.facebook, ChannelKind.webhook})


class ItemType(StrEnum):
    answer = "answer"  # a published answer (replies' public_answer row)
    conclusion = "conclusion"  # a concluded supervision plan's conclusion
    announcement = "announcement"


class PublicationStatus(StrEnum):
    pending = "pending"
    retrying = "retrying"  # an attempt failed for a reason that may pass; the job retries
    sent = "sent"
    failed = "failed"  # given up: refused, token expired, or out of attempts


class ChannelAccount(SQLModel, table=True):
    """A unit's account on one channel. ``external_id`` is the Zalo OA id, the Facebook page
    id or the webhook URL; ``token_ciphertext`` the access token (the webhook's signing
    secret), Fernet-encrypted with the platform key (``service.auth.crypto``)."""

    __tablename__ = "channel_account"
    __table_args__ = (sa.UniqueConstraint("unit_code", "channel"),)

    id: uuid.UUID = uuid_id()
    unit_code: str = Field(foreign_key="admin_unit.code", max_length=16)
    channel: ChannelKind = Field(sa_type=sa.String(16))
    external_id: str = Field(max_length=500)
    token_ciphertext: str = Field(sa_type=sa.Text)
    token_last4: str = Field(max_length=4)
    # Set when the remote said the token expired: nothing is sent until a new one is set.
    needs_token: bool = Field(default=False)
    version: int = Field(default=1)
    updated_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    updated_at: datetime = timestamp_now()


class Announcement(SQLModel, table=True):
    """A campaign or a meeting notice of a Front committee (``unit_code``; the city's is the
    province code), for the wards or residential groups it names."""

    __tablename__ = "announcement"
    __table_args__ = (sa.Index("ix_announcement_unit_created", "unit_code", "created_at"),)

    id: uuid.UUID = uuid_id()
    unit_code: str = Field(foreign_key="admin_unit.code", max_length=16)
    title: str = Field(max_length=200)
    body: str = Field(sa_type=sa.Text)
    image_evidence_id: uuid.UUID | None = Field(default=None, foreign_key="evidence.id")
    target_units: list[str] = array_column(sa.String(16))
    # Residential groups (tổ dân phố) by name: the directory holds none yet.
    target_groups: list[str] = array_column(sa.Text)
    # When it may go out (and appear on the portal); None = at once.
    scheduled_at: datetime | None = timestamp_or_none()
    version: int = Field(default=1)
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()


class Publication(SQLModel, table=True):
    """One item on one channel of one unit, and how its delivery went."""

    __tablename__ = "publication"
    __table_args__ = (
        sa.UniqueConstraint("item_type", "item_id", "channel", "unit_code"),
        sa.Index("ix_publication_created", "created_at", "id"),
        partial_index("ix_publication_open", "status", where="status IN ('pending', 'retrying')"),
    )

    id: uuid.UUID = uuid_id()
    item_type: ItemType = Field(sa_type=sa.String(16))
    item_id: uuid.UUID
    # The unit whose channel account carries it.
    unit_code: str = Field(foreign_key="admin_unit.code", max_length=16)
    channel: ChannelKind = Field(sa_type=sa.String(16))
    status: PublicationStatus = Field(default=PublicationStatus.pending, sa_type=sa.String(16))
    attempts: int = Field(default=0)
    # Scrubbed (``service.scrub``): no address, no token.
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    remote_post_id: str | None = Field(default=None, max_length=200)
    not_before: datetime | None = timestamp_or_none()
    sent_at: datetime | None = timestamp_or_none()
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()
