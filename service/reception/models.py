"""Tables of online reception: a unit's reception schedule (the days it covers, the slot
length and how many citizens a slot takes), the bookings, and the evidence of a reception.

A booking's national ID number is stored only encrypted (``national_id_ciphertext``, the
petitions' Fernet key); lists, logs and the audit never carry it. No double booking: a
booking takes a seat (1..capacity) of its slot, and a partial unique index holds one live
booking per (schedule, slot, seat); the service also locks the schedule row while it counts.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from service.db import partial_index, timestamp_now, timestamp_or_none, tz_column, uuid_id


class BookingStatus(StrEnum):
    booked = "booked"
    in_progress = "in_progress"  # the identity was checked, the reception runs
    completed = "completed"  # an outcome was recorded
    cancelled = "cancelled"  # by the citizen
    no_show = "no_show"


class Action(StrEnum):
    start = "start"  # identity check at the start
    complete = "complete"
    cancel = "cancel"
    mark_no_show = "mark_no_show"


class Outcome(StrEnum):
    petition = "petition"  # filed as a petition through the normal intake
    answered = "answered"  # answered on the spot
    guided = "guided"  # guided to the competent body


LIVE_STATUSES = ("booked", "in_progress", "completed", "no_show")
LIVE_PREDICATE = "status <> 'cancelled'"


class ReceptionSchedule(SQLModel, table=True):
    """When a unit (a ward, or the city: the province code) receives citizens online."""

    __tablename__ = "reception_schedule"
    __table_args__ = (
        sa.CheckConstraint("slot_minutes BETWEEN 10 AND 240", name="slot_minutes_range"),
        sa.CheckConstraint("capacity BETWEEN 1 AND 50", name="capacity_range"),
        sa.CheckConstraint("ends_on >= starts_on", name="period_order"),
        sa.Index("ix_reception_schedule_unit", "unit_code", "starts_on"),
    )

    id: uuid.UUID = uuid_id()
    unit_code: str = Field(foreign_key="admin_unit.code", max_length=16)
    title: str = Field(max_length=200)
    starts_on: date
    ends_on: date
    slot_minutes: int
    capacity: int
    active: bool = Field(default=True)
    version: int = Field(default=1)
    created_by: uuid.UUID = Field(foreign_key="staff_user.id")
    created_at: datetime = timestamp_now()


class ReceptionBooking(SQLModel, table=True):
    __tablename__ = "reception_booking"
    __table_args__ = (
        partial_index(
            "uq_reception_booking_seat",
            "schedule_id",
            "slot_start",
            "seat",
            where=LIVE_PREDICATE,
            unique=True,
        ),
        sa.Index("ix_reception_booking_unit_slot", "unit_code", "slot_start", "id"),
        partial_index(
            "ix_reception_booking_open", "slot_start", where="status IN ('booked', 'in_progress')"
        ),
        sa.CheckConstraint("seat >= 1", name="seat_positive"),
    )

    id: uuid.UUID = uuid_id()
    schedule_id: uuid.UUID = Field(foreign_key="reception_schedule.id")
    unit_code: str = Field(foreign_key="admin_unit.code", max_length=16)
    slot_start: datetime = Field(sa_column=tz_column())
    slot_end: datetime = Field(sa_column=tz_column())
    seat: int
    code: str = Field(max_length=24, sa_column_kwargs={"unique": True})
    secret_hash: str = Field(max_length=64)
    full_name: str = Field(max_length=200)
    phone: str = Field(max_length=20)
    # The CCCD number, Fernet-encrypted; never in plain text anywhere.
    national_id_ciphertext: str = Field(sa_type=sa.Text)
    topic: str = Field(sa_type=sa.Text)
    status: BookingStatus = Field(default=BookingStatus.booked, sa_type=sa.String(16))
    # The video meeting's room code (the link comes from the provider template in settings).
    meeting_code: str = Field(max_length=32)
    officer_ids: list[uuid.UUID] = Field(
        default_factory=list,
        sa_column=sa.Column(
            postgresql.ARRAY(postgresql.UUID(as_uuid=True)), nullable=False, server_default="{}"
        ),
    )
    identity_checked_at: datetime | None = timestamp_or_none()
    identity_checked_by: uuid.UUID | None = Field(default=None, foreign_key="staff_user.id")
    identity_document: str | None = Field(default=None, max_length=32)
    record: str | None = Field(default=None, sa_type=sa.Text)  # biên bản
    outcome: Outcome | None = Field(default=None, sa_type=sa.String(16))
    outcome_text: str | None = Field(default=None, sa_type=sa.Text)
    guided_to: str | None = Field(default=None, max_length=300)
    petition_id: uuid.UUID | None = Field(default=None, foreign_key="petition.id")
    reminded_at: datetime | None = timestamp_or_none()
    finished_at: datetime | None = timestamp_or_none()
    version: int = Field(default=1)
    created_at: datetime = timestamp_now()
    updated_at: datetime = timestamp_now()


class ReceptionEvidence(SQLModel, table=True):
    """Evidence shown or sent during a reception (uploaded through the storage endpoints)."""

    __tablename__ = "reception_evidence"

    booking_id: uuid.UUID = Field(foreign_key="reception_booking.id", primary_key=True)
    evidence_id: uuid.UUID = Field(foreign_key="evidence.id", primary_key=True)
    added_by: uuid.UUID = Field(foreign_key="staff_user.id")
    added_at: datetime = timestamp_now()
