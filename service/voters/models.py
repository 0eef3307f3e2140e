"""Council sessions, voter meetings, opinions, minutes imports and compiled recommendations.

An opinion belongs to one meeting; compiling a session links opinions to one
``voter_recommendation`` (``recommendation_id``): the recommendation's sources are its
opinions, each with its meeting, ward and voters count. An imported opinion remembers the
file (``import_id``) and the row it came from; ``(import_id, row_number)`` is unique, so a job
run twice inserts each row once. ``voter_import`` is unique per meeting and file hash: the same
file uploaded again is the same import.

The referral of a recommendation is stored as an id only (replies owns it).
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from service.db import jsonb_column, partial_index, timestamp_now, timestamp_or_none, uuid_id


class SessionLevel(StrEnum):
    city = "city"  # HĐND thành phố
    ward = "ward"  # HĐND phường, xã


class MeetingTiming(StrEnum):
    before = "before"  # trước kỳ họp
    after = "after"  # sau kỳ họp


class ImportState(StrEnum):
    previewed = "previewed"  # validated, nothing saved; waiting for the officer's confirmation
    queued = "queued"  # confirmed; the job will save the rows
    done = "done"
    rejected = "rejected"  # the officer dropped it


class VoterRecommendationState(StrEnum):
    draft = "draft"  # compiled, not yet sent
    referred = "referred"  # a referral was created; waiting for the agency
    acknowledged = "acknowledged"
    declined = "declined"  # the agency says it is not competent; send to another
    overdue = "overdue"
    answered = "answered"
    withdrawn = "withdrawn"


class CouncilSession(SQLModel, table=True):
    """A session (kỳ họp) of a People's Council: the city's or a ward's."""

    __tablename__ = "voter_council_session"
    __table_args__ = (
        sa.UniqueConstraint("unit_code", "term", "number", name="uq_voter_council_session_number"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        sa.CheckConstraint("number > 0", name="number_positive"),
    )

    id: uuid.UUID = uuid_id()
    term: str = Field(max_length=32)  # nhiệm kỳ, e.g. 2026-2031
    number: int  # kỳ họp thứ ...
    title: str = Field(max_length=300)
    level: SessionLevel = Field(sa_type=sa.String(8))
    unit_code: str = Field(foreign_key="admin_unit.code", max_length=16, index=True)
    starts_on: date
    ends_on: date
    version: int = Field(default=1)
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()


class VoterMeeting(SQLModel, table=True):
    """One meeting of delegates with voters in a ward, before or after a session."""

    __tablename__ = "voter_meeting"
    __table_args__ = (
        sa.CheckConstraint("voters_attending >= 0", name="voters_not_negative"),
        sa.Index("ix_voter_meeting_session", "council_session_id", "held_on"),
    )

    id: uuid.UUID = uuid_id()
    council_session_id: uuid.UUID = Field(foreign_key="voter_council_session.id")
    unit_code: str = Field(foreign_key="admin_unit.code", max_length=16, index=True)
    timing: MeetingTiming = Field(sa_type=sa.String(8))
    held_on: date
    place: str = Field(max_length=300)
    delegates: list[str] = Field(
        default_factory=list,
        sa_column=sa.Column(postgresql.ARRAY(sa.Text()), nullable=False, server_default="{}"),
    )
    voters_attending: int = Field(default=0)
    # The minutes (biên bản) as stored evidence.
    minutes_evidence_id: uuid.UUID | None = Field(default=None, foreign_key="evidence.id")
    version: int = Field(default=1)
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()


class VoterImport(SQLModel, table=True):
    """A minutes spreadsheet uploaded for a meeting: its validated rows wait here (``rows``)
    until the officer confirms; the job then saves them and counts ``processed_rows``."""

    __tablename__ = "voter_import"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "sha256", name="uq_voter_import_file"),)

    id: uuid.UUID = uuid_id()
    meeting_id: uuid.UUID = Field(foreign_key="voter_meeting.id", index=True)
    sha256: str = Field(max_length=64)
    filename: str | None = Field(default=None, max_length=255)
    file_format: str = Field(max_length=8)  # xlsx | csv
    encoding: str | None = Field(default=None, max_length=16)
    state: ImportState = Field(default=ImportState.previewed, sa_type=sa.String(12))
    total_rows: int = Field(default=0)
    error_rows: int = Field(default=0)
    processed_rows: int = Field(default=0)
    rows: list[dict[str, Any]] = Field(default_factory=list, sa_column=jsonb_column(default="[]"))
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_column=jsonb_column(default="[]"))
    version: int = Field(default=1)
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()
    finished_at: datetime | None = timestamp_or_none()


class VoterRecommendation(SQLModel, table=True):
    """One matter of a session, compiled from the opinions of one or more meetings."""

    __tablename__ = "voter_recommendation"
    __table_args__ = (
        sa.Index("ix_voter_recommendation_session", "council_session_id", "created_at"),
        sa.CheckConstraint(
            "state IN ('draft', 'withdrawn') OR referral_id IS NOT NULL",
            name="referred_has_referral",
        ),
    )

    id: uuid.UUID = uuid_id()
    council_session_id: uuid.UUID = Field(foreign_key="voter_council_session.id")
    title: str = Field(max_length=500)
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id")
    state: VoterRecommendationState = Field(
        default=VoterRecommendationState.draft, sa_type=sa.String(16)
    )
    referral_id: uuid.UUID | None = Field(default=None, index=True)
    referred_at: datetime | None = timestamp_or_none()
    answered_at: datetime | None = timestamp_or_none()
    answer_outcome: str | None = Field(default=None, max_length=64)
    answer_summary: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1)
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()


class VoterOpinion(SQLModel, table=True):
    """An opinion (ý kiến, kiến nghị) voters raised at a meeting. No voter's name is kept:
    the minutes' text is what the ledger carries."""

    __tablename__ = "voter_opinion"
    __table_args__ = (
        sa.Index("ix_voter_opinion_session", "council_session_id", "created_at", "id"),
        partial_index(
            "uq_voter_opinion_import_row",
            "import_id",
            "row_number",
            where="import_id IS NOT NULL",
            unique=True,
        ),
        sa.CheckConstraint("voters_count >= 1", name="voters_count_positive"),
    )

    id: uuid.UUID = uuid_id()
    meeting_id: uuid.UUID = Field(foreign_key="voter_meeting.id", index=True)
    council_session_id: uuid.UUID = Field(foreign_key="voter_council_session.id")
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    topic: str | None = Field(default=None, max_length=200)
    suggested_agency: str | None = Field(default=None, max_length=300)
    voters_count: int = Field(default=1)  # how many voters raised it at this meeting
    import_id: uuid.UUID | None = Field(default=None, foreign_key="voter_import.id")
    row_number: int | None = None
    recommendation_id: uuid.UUID | None = Field(
        default=None, foreign_key="voter_recommendation.id", index=True
    )
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()
