"""The tables of social criticism: the draft, the opinions on it (members, experts, the
public) and the points of the Front's criticism, each answered by the drafting agency."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from service.db import partial_index, timestamp_now, timestamp_or_none, uuid_id


class DraftType(StrEnum):
    decision = "decision"  # dự thảo nghị quyết/quyết định
    plan = "plan"  # dự thảo kế hoạch, đề án
    policy = "policy"  # dự thảo chính sách


class DraftLevel(StrEnum):
    city = "city"  # HĐND/UBND thành phố
    ward = "ward"  # HĐND/UBND phường, xã


class CriticismForm(StrEnum):
    written = "written"  # lấy ý kiến bằng văn bản
    conference = "conference"  # hội nghị phản biện
    dialogue = "dialogue"  # đối thoại


class DraftState(StrEnum):
    gathering = "gathering"  # opinions of members and experts are gathered
    consulting = "consulting"  # also the public's, on the portal
    issued = "issued"  # the Front's criticism is sent to the drafting agency
    published = "published"  # the outcome (points and answers) is public


class OpinionSource(StrEnum):
    member_organisation = "member_organisation"
    expert = "expert"
    public = "public"


class OpinionStatus(StrEnum):
    pending = "pending"  # a public comment waiting for moderation
    shown = "shown"
    hidden = "hidden"


class PointState(StrEnum):
    draft = "draft"
    sent = "sent"
    acknowledged = "acknowledged"
    accepted = "accepted"  # tiếp thu
    explained = "explained"  # giải trình
    not_accepted = "not_accepted"  # không tiếp thu
    overdue = "overdue"
    withdrawn = "withdrawn"


ANSWERED_POINT_STATES = frozenset(
    {PointState.accepted, PointState.explained, PointState.not_accepted}
)


class CriticismDraft(SQLModel, table=True):
    """A draft received for social criticism."""

    __tablename__ = "criticism_draft"
    __table_args__ = (
        sa.CheckConstraint("version > 0", name="version_positive"),
        sa.CheckConstraint(
            "(criticism_number IS NULL) = (issued_at IS NULL)", name="issued_has_number"
        ),
        sa.UniqueConstraint("unit_code", "criticism_year", "criticism_number"),
        partial_index("ix_criticism_draft_consulting", "unit_code", where="state = 'consulting'"),
    )

    id: uuid.UUID = uuid_id()
    code: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=500)
    summary: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    draft_type: DraftType = Field(sa_type=sa.String(16))
    level: DraftLevel = Field(sa_type=sa.String(8))
    unit_code: str = Field(foreign_key="admin_unit.code", max_length=16, index=True)
    drafting_agency_id: uuid.UUID = Field(foreign_key="agency.id", index=True)
    form: CriticismForm = Field(sa_type=sa.String(16))
    # The draft's sections, for comments per section: [{"number", "title", "text"}].
    sections: list[dict[str, Any]] = Field(default_factory=list, sa_type=postgresql.JSONB)
    document_ids: list[str] = Field(default_factory=list, sa_type=postgresql.JSONB)
    received_at: datetime = timestamp_now()
    opinion_due_at: datetime = Field(
        sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False)
    )
    # What the policy asked for when the draft came in, and whether it came too late.
    required_lead_days: int
    lead_legal_basis: str | None = Field(default=None, max_length=300)
    received_late: bool = False
    state: DraftState = Field(default=DraftState.gathering, sa_type=sa.String(16))
    criticism_year: int | None = None
    criticism_number: int | None = None
    criticism_text: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    signer_name: str | None = Field(default=None, max_length=200)
    signer_title: str | None = Field(default=None, max_length=200)
    issued_at: datetime | None = timestamp_or_none()
    published_at: datetime | None = timestamp_or_none()
    version: int = Field(default=1)
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()


class CriticismOpinion(SQLModel, table=True):
    """An opinion on a draft: a member organisation's, an expert's (entered by an officer) or
    a comment of the public from the portal (pending until moderated). A public comment keeps
    no contact details: only the name its author chose to show, redacted."""

    __tablename__ = "criticism_opinion"
    __table_args__ = (
        sa.Index("ix_criticism_opinion_draft_created", "draft_id", "created_at", "id"),
        sa.CheckConstraint("version > 0", name="version_positive"),
    )

    id: uuid.UUID = uuid_id()
    draft_id: uuid.UUID = Field(foreign_key="criticism_draft.id")
    source: OpinionSource = Field(sa_type=sa.String(24))
    author_name: str | None = Field(default=None, max_length=200)
    section_number: int | None = None
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status: OpinionStatus = Field(default=OpinionStatus.shown, sa_type=sa.String(16))
    entered_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    moderated_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    moderated_at: datetime | None = timestamp_or_none()
    version: int = Field(default=1)
    created_at: datetime = timestamp_now()


class CriticismPoint(SQLModel, table=True):
    """One point of the Front's criticism, answered by the drafting agency (accepted,
    explained, not accepted) through its referral."""

    __tablename__ = "criticism_point"
    __table_args__ = (
        sa.UniqueConstraint("draft_id", "number"),
        sa.CheckConstraint("version > 0", name="version_positive"),
    )

    id: uuid.UUID = uuid_id()
    draft_id: uuid.UUID = Field(foreign_key="criticism_draft.id", index=True)
    number: int
    section_number: int | None = None
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    state: PointState = Field(default=PointState.draft, sa_type=sa.String(16))
    referral_id: uuid.UUID | None = Field(default=None, index=True)
    due_at: datetime | None = timestamp_or_none()
    answered_at: datetime | None = timestamp_or_none()
    answer_outcome: str | None = Field(default=None, max_length=64)
    answer_summary: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1)
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()
