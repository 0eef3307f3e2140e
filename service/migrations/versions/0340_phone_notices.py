"""Notices by SMS and Zalo: the citizen's opt-out.

``notify_channel`` and ``notification_delivery.status`` are plain strings, so the new
channels (``sms``, ``zalo``) and the delivery status ``refused`` need no schema change. A
citizen who says "no more notices" is recorded in ``petition.notify_opted_out_at`` (when;
NULL while they are notified). Adding a nullable column without a default is a catalogue
change only in PostgreSQL: no table rewrite, however many petitions there are. A partial
index holds the petitions still notified by SMS, which an inbound "STOP" reply may concern.

Revision ID: 0340
Revises: 0330
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0340"
down_revision: str | Sequence[str] | None = "0330"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SMS_NOTIFIED = "notify_channel = 'sms' AND notify_opted_out_at IS NULL"


def upgrade() -> None:
    op.add_column(
        "petition", sa.Column("notify_opted_out_at", sa.DateTime(timezone=True), nullable=True)
    )
    # What an inbound SMS "STOP" may concern (a small part of the table).
    op.create_index(
        "ix_petition_sms_notified",
        "petition",
        ["id"],
        postgresql_where=sa.text(SMS_NOTIFIED),
    )


def downgrade() -> None:
    op.drop_index("ix_petition_sms_notified", table_name="petition")
    op.drop_column("petition", "notify_opted_out_at")
