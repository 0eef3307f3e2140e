"""The work queue's tab counts under a search (docs/benchmarks.md, section 9).

ix_petition_open_unit_status (a ward's open petitions by status) and
ix_petition_open_deadline_unit (open petitions by deadline state, then ward). The queue's
tabs (received, needs information, overdue, due soon: open petitions of a status or a
deadline state, of a ward or the city) are counted under a search by reading a bounded
number of each tab's rows (``listing.capped_counts``); without these indexes PostgreSQL
found them through a bitmap of every open petition of the status, the deadline state or the
ward (up to 200,000 at 1M: 20-75 ms a tab). 200,000 entries each at 1M petitions: seconds
to build. Declared with the other petition indexes in ``service.petitions.models``.

Revision ID: 0380
Revises: 0370
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0380"
down_revision: str | Sequence[str] | None = "0370"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

__all__ = ["sa", "sqlmodel"]

OPEN_PETITIONS = (
    "status IN ('received', 'needs_info', 'accepted', 'referred', 'in_progress',"
    " 'answered', 'reopened')"
)


INDEXES = {
    "ix_petition_open_unit_status": ["unit_code", "status"],
    "ix_petition_open_deadline_unit": ["deadline_status", "unit_code"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(
            name, "petition", columns, unique=False, postgresql_where=sa.text(OPEN_PETITIONS)
        )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="petition", postgresql_where=sa.text(OPEN_PETITIONS))
