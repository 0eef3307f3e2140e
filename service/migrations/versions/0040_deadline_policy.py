"""Deadline policy table.

Revision ID: 0040
Revises: 0030
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0040"
down_revision: str | Sequence[str] | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

__all__ = ["sa", "sqlmodel"]


def upgrade() -> None:
    op.create_table(
        "deadline_policy",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_kind", sa.String(length=32), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("warn_amount", sa.Integer(), nullable=False),
        sa.Column("warn_unit", sa.String(length=16), nullable=False),
        sa.Column("max_extensions", sa.Integer(), nullable=False),
        sa.Column("extension_amount", sa.Integer(), nullable=False),
        sa.Column("extension_unit", sa.String(length=16), nullable=False),
        sa.Column("feedback_window_days", sa.Integer(), nullable=False),
        sa.Column("reopen_limit", sa.Integer(), nullable=False),
        sa.Column("legal_basis", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_deadline_policy_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_policy")),
        sa.UniqueConstraint(
            "item_kind", "urgency", "step", name=op.f("uq_deadline_policy_item_kind_urgency_step")
        ),
    )


def downgrade() -> None:
    op.drop_table("deadline_policy")
