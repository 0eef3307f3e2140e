"""Sessions: access tokens are checked against their session on every request.

``auth_session`` is one login; access tokens carry its id (``sid``) and the auth middleware
looks it up (with the user's active flag, role and scope) on each request, so logging out,
deactivating a user or changing their role, area or password takes effect on the next
request. Its refresh tokens form one rotation family: reusing a spent one revokes the
session. Each existing refresh token gets a session of its own (live tokens keep working;
access tokens issued before this revision carry no session and must be refreshed).

Revision ID: 0160
Revises: 0150
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0160"
down_revision: str | Sequence[str] | None = "0150"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

__all__ = ["sa", "sqlmodel"]


def upgrade() -> None:
    op.create_table(
        "auth_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_auth_session_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
    )
    op.create_index(op.f("ix_auth_session_user_id"), "auth_session", ["user_id"], unique=False)
    op.add_column("refresh_token", sa.Column("session_id", sa.Uuid(), nullable=True))
    op.execute("UPDATE refresh_token SET session_id = gen_random_uuid()")
    op.execute(
        "INSERT INTO auth_session (id, user_id, created_at, revoked_at) "
        "SELECT session_id, user_id, created_at, revoked_at FROM refresh_token"
    )
    op.alter_column("refresh_token", "session_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_refresh_token_session_id_auth_session"),
        "refresh_token",
        "auth_session",
        ["session_id"],
        ["id"],
    )
    op.create_index(
        op.f("ix_refresh_token_session_id"), "refresh_token", ["session_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_refresh_token_session_id"), table_name="refresh_token")
    op.drop_constraint(
        op.f("fk_refresh_token_session_id_auth_session"), "refresh_token", type_="foreignkey"
    )
    op.drop_column("refresh_token", "session_id")
    op.drop_index(op.f("ix_auth_session_user_id"), table_name="auth_session")
    op.drop_table("auth_session")
