"""Published supervision conclusions and the open-data release files.

- ``supervision_plan.conclusion_published_at/_by``: the Front's decision to make a concluded
  plan's conclusion public (the plan action ``publish``), read newest first by the Atom feed of
  conclusions through a partial index of the published plans.
- ``open_data_file``: one row per (dataset, format, local day) of the daily open-data files
  in the object store, written after the upload.

Revision ID: 0310
Revises: 0290
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0310"
down_revision: str | Sequence[str] | None = "0290"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "supervision_plan",
        sa.Column("conclusion_published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "supervision_plan", sa.Column("conclusion_published_by", sa.Uuid(), nullable=True)
    )
    op.create_foreign_key(
        op.f("fk_supervision_plan_conclusion_published_by_staff_user"),
        "supervision_plan",
        "staff_user",
        ["conclusion_published_by"],
        ["id"],
    )
    op.create_index(
        "ix_supervision_plan_published",
        "supervision_plan",
        ["conclusion_published_at", "id"],
        postgresql_where=sa.text("conclusion_published_at IS NOT NULL"),
    )
    op.create_table(
        "open_data_file",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dataset", sa.String(16), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("object_key", sa.String(512), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_data_file")),
        sa.UniqueConstraint("dataset", "format", "day", name="uq_open_data_file_day"),
    )


def downgrade() -> None:
    op.drop_table("open_data_file")
    op.drop_index("ix_supervision_plan_published", table_name="supervision_plan")
    op.drop_constraint(
        op.f("fk_supervision_plan_conclusion_published_by_staff_user"),
        "supervision_plan",
        type_="foreignkey",
    )
    op.drop_column("supervision_plan", "conclusion_published_by")
    op.drop_column("supervision_plan", "conclusion_published_at")
