"""Online citizen reception: schedules, bookings (one live booking per seat of a slot: a
partial unique index), and the evidence of a reception. The petition channel
``online_reception`` is a plain string value: no schema change for it.

Revision ID: 0370
Revises: 0360
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0370"
down_revision: str | Sequence[str] | None = "0360"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reception_schedule",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("slot_minutes BETWEEN 10 AND 240", name="slot_minutes_range"),
        sa.CheckConstraint("capacity BETWEEN 1 AND 50", name="capacity_range"),
        sa.CheckConstraint("ends_on >= starts_on", name="period_order"),
        sa.ForeignKeyConstraint(["unit_code"], ["admin_unit.code"]),
        sa.ForeignKeyConstraint(["created_by"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reception_schedule_unit", "reception_schedule", ["unit_code", "starts_on"])
    op.create_table(
        "reception_booking",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("schedule_id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("slot_start", TZ, nullable=False),
        sa.Column("slot_end", TZ, nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("national_id_ciphertext", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("meeting_code", sa.String(length=32), nullable=False),
        sa.Column(
            "officer_ids",
            postgresql.ARRAY(postgresql.UUID(as_uuid=True)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("identity_checked_at", TZ, nullable=True),
        sa.Column("identity_checked_by", sa.Uuid(), nullable=True),
        sa.Column("identity_document", sa.String(length=32), nullable=True),
        sa.Column("record", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_text", sa.Text(), nullable=True),
        sa.Column("guided_to", sa.String(length=300), nullable=True),
        sa.Column("petition_id", sa.Uuid(), nullable=True),
        sa.Column("reminded_at", TZ, nullable=True),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("seat >= 1", name="seat_positive"),
        sa.ForeignKeyConstraint(["schedule_id"], ["reception_schedule.id"]),
        sa.ForeignKeyConstraint(["unit_code"], ["admin_unit.code"]),
        sa.ForeignKeyConstraint(["identity_checked_by"], ["staff_user.id"]),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(
        "uq_reception_booking_seat",
        "reception_booking",
        ["schedule_id", "slot_start", "seat"],
        unique=True,
        postgresql_where=sa.text("status <> 'cancelled'"),
    )
    op.create_index(
        "ix_reception_booking_unit_slot", "reception_booking", ["unit_code", "slot_start", "id"]
    )
    op.create_index(
        "ix_reception_booking_open",
        "reception_booking",
        ["slot_start"],
        postgresql_where=sa.text("status IN ('booked', 'in_progress')"),
    )
    op.create_table(
        "reception_evidence",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("evidence_id", sa.Uuid(), nullable=False),
        sa.Column("added_by", sa.Uuid(), nullable=False),
        sa.Column("added_at", TZ, server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["reception_booking.id"]),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"]),
        sa.ForeignKeyConstraint(["added_by"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("booking_id", "evidence_id"),
    )


def downgrade() -> None:
    op.drop_table("reception_evidence")
    op.drop_index("ix_reception_booking_open", table_name="reception_booking")
    op.drop_index("ix_reception_booking_unit_slot", table_name="reception_booking")
    op.drop_index("uq_reception_booking_seat", table_name="reception_booking")
    op.drop_table("reception_booking")
    op.drop_index("ix_reception_schedule_unit", table_name="reception_schedule")
    op.drop_table("reception_schedule")
