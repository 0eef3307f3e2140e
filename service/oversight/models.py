"""Supervision (giám sát): plans, sessions, the append-only session log, evidence links,
findings, recommendations and their implementation checks.

Two guarantees live in the database as well as in the service (migration 0130):
- ``supervision_log_entry`` rows are never updated or deleted (a trigger rejects it), and a
  row may only be inserted while its session is ``open``;
- once a session is sealed its manifest, state and seal columns never change.

Petitions linked to a plan are stored as ids only (no foreign key into another domain);
referrals created for recommendations likewise (``referral_id``).
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import (
    array_column,
    jsonb_column,
    partial_index,
    timestamp_now,
    timestamp_or_none,
    tz_column,
    uuid_id,
)


class PlanForm(StrEnum):
    document_review = "document_review"  # nghiên cứu, xem xét văn bản
    delegation = "delegation"  # đoàn giám sát
    people_inspection_board = "people_inspection_board"  # Ban Thanh tra nhân dân
    community_investment_board = "community_investment_board"  # Ban giám sát đầu tư cộng đồng
    joint = "joint"  # tham gia giám sát với cơ quan có thẩm quyền


class PlanState(StrEnum):
    draft = "draft"
    approved = "approved"
    in_progress = "in_progress"
    concluded = "concluded"
    archived = "archived"


class PlanRole(StrEnum):
    head = "head"  # trưởng đoàn
    member = "member"  # thành viên
    secretary = "secretary"  # thư ký


class SessionMode(StrEnum):
    """How a supervision session meets: online (a meeting link), in person (a place), or
    both."""

    online = "online"
    in_person = "in_person"
    hybrid = "hybrid"


class SessionState(StrEnum):
    """A session's life: scheduled, open (the log takes entries), closed, then sealed
    with its manifest; or cancelled before it opened, with a reason."""

    scheduled = "scheduled"
    open = "open"
    closed = "closed"
    sealed = "sealed"
    cancelled = "cancelled"


class AttendanceStatus(StrEnum):
    """Whether one person was at a session, on time or late, or absent (an absence needs
    a reason)."""

    attended = "attended"
    late = "late"
    absent = "absent"


class EntryKind(StrEnum):
    """What a line of a session's log is; a ``correction`` is how an earlier entry is
    corrected, since entries never change."""

    statement = "statement"
    question = "question"
    answer = "answer"
    finding = "finding"
    note = "note"
    correction = "correction"


class RecommendationState(StrEnum):
    draft = "draft"
    issued = "issued"  # a referral was created; waiting for the agency
    acknowledged = "acknowledged"  # the agency formally took it (thụ lý)
    declined = "declined"  # the agency says it is not the competent body
    accepted = "accepted"  # the agency accepts the recommendation (tiếp thu)
    partly_implemented = "partly_implemented"
    implemented = "implemented"
    rejected = "rejected"
    overdue = "overdue"
    withdrawn = "withdrawn"


class CheckResult(StrEnum):
    implemented = "implemented"
    partly_implemented = "partly_implemented"
    not_implemented = "not_implemented"


class SupervisionPlan(SQLModel, table=True):
    """A supervision plan (kế hoạch giám sát): subject, legal basis, form and period, the
    Front committee running it, and its way from draft through approval to conclusion."""

    __tablename__ = "supervision_plan"
    __table_args__ = (
        sa.CheckConstraint("period_end >= period_start", name="period_ordered"),
        sa.Index("ix_supervision_plan_unit_state", "unit_code", "state"),
        # The public feed of published conclusions, newest first.
        partial_index(
            "ix_supervision_plan_published",
            "conclusion_published_at",
            "id",
            where="conclusion_published_at IS NOT NULL",
        ),
    )

    id: uuid.UUID = uuid_id()
    code: str = Field(max_length=64, unique=True)
    subject: str = Field(max_length=500)
    legal_basis: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    form: PlanForm = Field(sa_type=sa.String(32))
    # The Front committee running the plan: a ward/commune, or the city ("01" for Hanoi).
    unit_code: str = Field(foreign_key="admin_unit.code", max_length=16)
    period_start: date
    period_end: date
    description: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    # Petitions the plan was opened from (ids only: oversight does not import petitions).
    petition_ids: list[uuid.UUID] = array_column(sa.Uuid())
    state: PlanState = Field(default=PlanState.draft, sa_type=sa.String(16))
    # Bumped on every change; the ETag.
    version: int = Field(default=1)
    submitted_at: datetime | None = timestamp_or_none()
    submitted_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    approved_at: datetime | None = timestamp_or_none()
    approved_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    conclusion: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    concluded_at: datetime | None = timestamp_or_none()
    archived_at: datetime | None = timestamp_or_none()
    # The Front's decision to make the conclusion public (the ``publish`` action, migration
    # 0310): until then a conclusion is the Front's and the supervised body's only. Reopening
    # the plan takes the publication back (the conclusion is being rewritten).
    conclusion_published_at: datetime | None = timestamp_or_none()
    conclusion_published_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()


class PlanAgency(SQLModel, table=True):
    """A supervised agency of a plan."""

    __tablename__ = "supervision_plan_agency"

    plan_id: uuid.UUID = Field(foreign_key="supervision_plan.id", primary_key=True)
    agency_id: uuid.UUID = Field(foreign_key="agency.id", primary_key=True, index=True)


class PlanMember(SQLModel, table=True):
    """A staff user on a plan's delegation: its head (one per plan), a member or the
    secretary."""

    __tablename__ = "supervision_plan_member"
    __table_args__ = (
        # One head per plan.
        partial_index(
            "uq_supervision_plan_member_head", "plan_id", where="role = 'head'", unique=True
        ),
    )

    plan_id: uuid.UUID = Field(foreign_key="supervision_plan.id", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="staff_user.id", primary_key=True, index=True)
    role: PlanRole = Field(sa_type=sa.String(16))
    added_at: datetime = timestamp_now()


class PlanParticipant(SQLModel, table=True):
    """Someone outside the platform's staff taking part (an expert, a deputy, a resident)."""

    __tablename__ = "supervision_plan_participant"

    id: uuid.UUID = uuid_id()
    plan_id: uuid.UUID = Field(foreign_key="supervision_plan.id", index=True)
    name: str = Field(max_length=200)
    organisation: str | None = Field(default=None, max_length=300)
    capacity: str | None = Field(default=None, max_length=200)


class SupervisionSession(SQLModel, table=True):
    """One session of a plan, online, in person or both: scheduled, opened, closed and
    sealed with the manifest of its log, or cancelled with a reason."""

    __tablename__ = "supervision_session"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "number"),
        sa.CheckConstraint(
            "mode = 'in_person' OR meeting_link IS NOT NULL", name="online_has_link"
        ),
        sa.CheckConstraint("mode = 'online' OR place IS NOT NULL", name="in_person_has_place"),
        sa.CheckConstraint(
            "(state = 'sealed') = (manifest_sha256 IS NOT NULL)", name="sealed_has_manifest"
        ),
    )

    id: uuid.UUID = uuid_id()
    plan_id: uuid.UUID = Field(foreign_key="supervision_plan.id", index=True)
    number: int
    title: str = Field(max_length=500)
    mode: SessionMode = Field(sa_type=sa.String(16))
    state: SessionState = Field(default=SessionState.scheduled, sa_type=sa.String(16))
    scheduled_start: datetime = Field(sa_column=tz_column())
    scheduled_end: datetime | None = timestamp_or_none()
    place: str | None = Field(default=None, max_length=500)
    meeting_link: str | None = Field(default=None, max_length=1000)
    agenda: list[str] = Field(default_factory=list, sa_column=jsonb_column(default="[]"))
    # [{"user_id": ..., "name": ..., "organisation": ..., "agency_id": ...}, ...]
    invited: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=jsonb_column(default="[]")
    )
    # A re-supervision session checks the implementation of these recommendations.
    resupervision_of: list[uuid.UUID] = array_column(sa.Uuid())
    # The last log sequence number handed out (UPDATE ... RETURNING takes the next one).
    log_seq: int = Field(default=0)
    version: int = Field(default=1)
    opened_at: datetime | None = timestamp_or_none()
    closed_at: datetime | None = timestamp_or_none()
    sealed_at: datetime | None = timestamp_or_none()
    sealed_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    manifest: dict[str, Any] | None = Field(
        default=None, sa_column=jsonb_column(nullable=True, default=None)
    )
    manifest_sha256: str | None = Field(
        default=None, sa_column=sa.Column(sa.CHAR(64), nullable=True)
    )
    cancelled_reason: str | None = Field(default=None, max_length=1000)
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()


class Attendance(SQLModel, table=True):
    """Whether one person (staff or not, keyed by ``person_key``) attended a session,
    came late or was absent (with the reason)."""

    __tablename__ = "supervision_attendance"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "person_key"),
        sa.CheckConstraint("status <> 'absent' OR reason IS NOT NULL", name="absent_has_reason"),
    )

    id: uuid.UUID = uuid_id()
    session_id: uuid.UUID = Field(foreign_key="supervision_session.id", index=True)
    # "user:<uuid>" for staff, "name:<folded name>|<folded organisation>" for others.
    person_key: str = Field(max_length=600)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id")
    name: str = Field(max_length=200)
    organisation: str | None = Field(default=None, max_length=300)
    capacity: str = Field(max_length=200)
    status: AttendanceStatus = Field(sa_type=sa.String(16))
    reason: str | None = Field(default=None, max_length=1000)
    arrived_at: datetime | None = timestamp_or_none()
    recorded_by: uuid.UUID = Field(foreign_key="staff_user.id")
    recorded_at: datetime = timestamp_now()


class LogEntry(SQLModel, table=True):
    """One line of a session's record. Append-only: a correction is a new entry."""

    __tablename__ = "supervision_log_entry"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "seq"),
        sa.UniqueConstraint("session_id", "client_ref"),
        sa.CheckConstraint(
            "(kind = 'correction') = (corrects_entry_id IS NOT NULL)", name="correction_target"
        ),
        sa.CheckConstraint("seq > 0", name="seq_positive"),
    )

    id: uuid.UUID = uuid_id()
    session_id: uuid.UUID = Field(foreign_key="supervision_session.id")
    seq: int
    kind: EntryKind = Field(sa_type=sa.String(16))
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    speaker_user_id: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    speaker_name: str = Field(max_length=200)
    speaker_organisation: str | None = Field(default=None, max_length=300)
    corrects_entry_id: uuid.UUID | None = Field(
        default=None, foreign_key="supervision_log_entry.id"
    )
    author_id: uuid.UUID = Field(foreign_key="staff_user.id")
    # The writer's own id for the entry, so that a retried POST does not add it twice.
    client_ref: str | None = Field(default=None, max_length=100)
    created_at: datetime = timestamp_now()


class SupervisionEvidence(SQLModel, table=True):
    """Links a storage ``evidence`` row to a plan, one of its sessions or a log entry.
    Never updated or deleted; withdrawal is storage's (admin only)."""

    __tablename__ = "supervision_evidence"
    __table_args__ = (
        sa.CheckConstraint(
            "log_entry_id IS NULL OR session_id IS NOT NULL", name="entry_has_session"
        ),
        sa.Index("ix_supervision_evidence_plan", "plan_id", "attached_at"),
    )

    id: uuid.UUID = uuid_id()
    evidence_id: uuid.UUID = Field(foreign_key="evidence.id", unique=True)
    plan_id: uuid.UUID = Field(foreign_key="supervision_plan.id")
    session_id: uuid.UUID | None = Field(
        default=None, foreign_key="supervision_session.id", index=True
    )
    log_entry_id: uuid.UUID | None = Field(default=None, foreign_key="supervision_log_entry.id")
    description: str | None = Field(default=None, max_length=1000)
    attached_by: uuid.UUID = Field(foreign_key="staff_user.id")
    attached_at: datetime = timestamp_now()


class Finding(SQLModel, table=True):
    """A finding of a plan, of one of its sessions or of the plan as a whole, naming the
    log entries and evidence it rests on."""

    __tablename__ = "supervision_finding"

    id: uuid.UUID = uuid_id()
    plan_id: uuid.UUID = Field(foreign_key="supervision_plan.id", index=True)
    session_id: uuid.UUID | None = Field(default=None, foreign_key="supervision_session.id")
    title: str = Field(max_length=500)
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    log_entry_ids: list[uuid.UUID] = array_column(sa.Uuid())
    evidence_ids: list[uuid.UUID] = array_column(sa.Uuid())
    version: int = Field(default=1)
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()


class Recommendation(SQLModel, table=True):
    """A recommendation after supervision (kiến nghị sau giám sát) to one agency."""

    __tablename__ = "supervision_recommendation"
    __table_args__ = (
        sa.Index("ix_supervision_recommendation_agency_state", "agency_id", "state"),
        sa.CheckConstraint(
            "state = 'draft' OR state = 'withdrawn' OR referral_id IS NOT NULL",
            name="issued_has_referral",
        ),
    )

    id: uuid.UUID = uuid_id()
    plan_id: uuid.UUID = Field(foreign_key="supervision_plan.id", index=True)
    finding_id: uuid.UUID | None = Field(default=None, foreign_key="supervision_finding.id")
    agency_id: uuid.UUID = Field(foreign_key="agency.id")
    title: str = Field(max_length=500)
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    state: RecommendationState = Field(default=RecommendationState.draft, sa_type=sa.String(24))
    version: int = Field(default=1)
    # The referral through which the agency answers (replies owns it; id only).
    referral_id: uuid.UUID | None = Field(default=None, index=True)
    due_at: datetime | None = timestamp_or_none()
    issued_at: datetime | None = timestamp_or_none()
    issued_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    answered_at: datetime | None = timestamp_or_none()
    answer_outcome: str | None = Field(default=None, max_length=64)
    answer_summary: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    last_check_result: CheckResult | None = Field(default=None, sa_type=sa.String(24))
    last_checked_at: datetime | None = timestamp_or_none()
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()


class RecommendationCheck(SQLModel, table=True):
    """An implementation check made during a re-supervision session."""

    __tablename__ = "supervision_recommendation_check"

    id: uuid.UUID = uuid_id()
    recommendation_id: uuid.UUID = Field(foreign_key="supervision_recommendation.id", index=True)
    session_id: uuid.UUID = Field(foreign_key="supervision_session.id", index=True)
    result: CheckResult = Field(sa_type=sa.String(24))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    log_entry_id: uuid.UUID | None = Field(default=None, foreign_key="supervision_log_entry.id")
    checked_by: uuid.UUID = Field(foreign_key="staff_user.id")
    checked_at: datetime = timestamp_now()
