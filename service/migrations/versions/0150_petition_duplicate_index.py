"""An index the benchmarks showed missing (bench/, docs/benchmarks.md).

ix_petition_open_category_latitude: the duplicate-candidate search of petitions
(``service.petitions.duplicates.find_duplicates``) asks for open petitions of a category
in the petition's unit OR inside a box around its coordinates. With only
``(unit_code, category_code)`` indexed, the OR arm on coordinates cannot use an index, and
PostgreSQL scanned every open petition of the category city-wide (about 28,000 at 1M
petitions: 0.2-0.7 s). With this index each arm has one and the plan is a BitmapOr of two
small index scans (15 ms). Declared with the other petition indexes in
``service.petitions.models``.

Revision ID: 0150
Revises: 0140
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0150"
down_revision: str | Sequence[str] | None = "0140"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

__all__ = ["sa", "sqlmodel"]

OPEN_PETITIONS = (
    "status IN ('received', 'needs_info', 'accepted', 'referred', 'in_progress',"
    " 'answered', 'reopened')"
)


def upgrade() -> None:
    op.create_index(
        "ix_petition_open_category_latitude",
        "petition",
        ["category_code", "latitude"],
        unique=False,
        postgresql_where=sa.text(OPEN_PETITIONS),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_petition_open_category_latitude",
        table_name="petition",
        postgresql_where=sa.text(OPEN_PETITIONS),
    )
