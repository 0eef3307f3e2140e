"""A petition filed without a unit code records how its unit was found from the address.

``petition.address_rule`` is the rule of ``service.directory.addresses`` that resolved
``address_text`` to the ward or commune (``new_name``, ``old_ward_converted``...); NULL for a
petition whose client named the unit (every petition before this revision). A nullable
column without a default: adding it rewrites nothing.

Revision ID: 0290
Revises: 0285
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0290"
down_revision: str | Sequence[str] | None = "0285"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "petition",
        sa.Column("address_rule", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("petition", "address_rule")
