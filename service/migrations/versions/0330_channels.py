"""Publishing to channels: the units' channel accounts (tokens Fernet-encrypted), the
Front's announcements, and one publication row per (item, channel, unit) with its delivery
state (the partial index keeps the open ones at hand).

Revision ID: 0330
Revises: 0310
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0330"
down_revision: str | Sequence[str] | None = "0310"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

__all__ = ["sa", "sqlmodel"]


def upgrade() -> None:
    op.create_table(
        "channel_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("token_ciphertext", sa.Text(), nullable=False),
        sa.Column("token_last4", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("needs_token", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["admin_unit.code"], name=op.f("fk_channel_account_unit_code_admin_unit")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["staff_user.id"], name=op.f("fk_channel_account_updated_by_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_account")),
        sa.UniqueConstraint(
            "unit_code", "channel", name=op.f("uq_channel_account_unit_code_channel")
        ),
    )
    op.create_table(
        "publication",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_type", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("remote_post_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff_user.id"], name=op.f("fk_publication_created_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["admin_unit.code"], name=op.f("fk_publication_unit_code_admin_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publication")),
        sa.UniqueConstraint(
            "item_type",
            "item_id",
            "channel",
            "unit_code",
            name=op.f("uq_publication_item_type_item_id_channel_unit_code"),
        ),
    )
    op.create_index("ix_publication_created", "publication", ["created_at", "id"], unique=False)
    op.create_index(
        "ix_publication_open",
        "publication",
        ["status"],
        unique=False,
        postgresql_where=sa.text("status IN ('pending', 'retrying')"),
    )
    op.create_table(
        "announcement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("image_evidence_id", sa.Uuid(), nullable=True),
        sa.Column(
            "target_units",
            postgresql.ARRAY(sa.String(length=16)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "target_groups", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff_user.id"], name=op.f("fk_announcement_created_by_staff_user")
        ),
        sa.ForeignKeyConstraint(
            ["image_evidence_id"],
            ["evidence.id"],
            name=op.f("fk_announcement_image_evidence_id_evidence"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["admin_unit.code"], name=op.f("fk_announcement_unit_code_admin_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement")),
    )
    op.create_index(
        "ix_announcement_unit_created", "announcement", ["unit_code", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_announcement_unit_created", table_name="announcement")
    op.drop_table("announcement")
    op.drop_index(
        "ix_publication_open",
        table_name="publication",
        postgresql_where=sa.text("status IN ('pending', 'retrying')"),
    )
    op.drop_index("ix_publication_created", table_name="publication")
    op.drop_table("publication")
    op.drop_table("channel_account")
