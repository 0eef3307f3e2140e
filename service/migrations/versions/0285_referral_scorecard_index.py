"""An index the console's dashboard showed missing (``giamsat bench pages``).

ix_referral_scorecard: the agency scorecards of a period (``service.replies.scorecards``)
read every referral received in it: a year of the city is about 360,000 of the 858,000
referrals at 1M petitions. From the table that is a scan of its 560 MB; from this index
(``created_at``, with the columns the scorecard reads) an index-only scan of about 100 MB.
Declared with the other referral indexes in ``service.replies.models``.

Revision ID: 0285
Revises: 0280
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0285"
down_revision: str | Sequence[str] | None = "0280"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As ``service.replies.models.SCORECARD_COLUMNS`` on the day of this migration.
SCORECARD_COLUMNS = [
    "agency_id",
    "unit_code",
    "acknowledged_at",
    "acceptance_due_at",
    "answered_at",
    "answer_due_at",
    "declined_at",
    "published_at",
    "reopen_count",
    "satisfied",
    "extensions",
]


def upgrade() -> None:
    op.create_index(
        "ix_referral_scorecard",
        "referral",
        ["created_at"],
        unique=False,
        postgresql_include=SCORECARD_COLUMNS,
    )


def downgrade() -> None:
    op.drop_index("ix_referral_scorecard", table_name="referral")
