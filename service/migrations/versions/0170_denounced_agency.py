"""A denunciation's denounced agency and position (Law 25/2018 Art. 12-13).

``petition.denounced_agency_id`` / ``denounced_position``: the denunciation is about the head
or an official of that agency, so it is routed to the agency's superior and the agency's
officers never see the denouncer (``service.petitions.access.may_reveal_identity``).

Revision ID: 0170
Revises: 0150
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0170"
down_revision: str | Sequence[str] | None = "0160"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

__all__ = ["sa", "sqlmodel"]


def upgrade() -> None:
    op.add_column("petition", sa.Column("denounced_agency_id", sa.Uuid(), nullable=True))
    op.add_column("petition", sa.Column("denounced_position", sa.String(length=16), nullable=True))
    op.create_foreign_key(
        op.f("fk_petition_denounced_agency_id_agency"),
        "petition",
        "agency",
        ["denounced_agency_id"],
        ["id"],
    )
    op.create_check_constraint(
        op.f("ck_petition_denounced_agency_with_position"),
        "petition",
        "(denounced_agency_id IS NULL) = (denounced_position IS NULL)",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_petition_denounced_agency_with_position"), "petition", type_="check"
    )
    op.drop_constraint(
        op.f("fk_petition_denounced_agency_id_agency"), "petition", type_="foreignkey"
    )
    op.drop_column("petition", "denounced_position")
    op.drop_column("petition", "denounced_agency_id")
