"""The public portal files petitions as an API client of its own.

Every petition names the client that filed it (``petition.client_id``), and the intake's
idempotency keys are per client. The portal's web form (channel ``web``) is such a client:
one row with a fixed id (``service.web.public.filing.PORTAL_CLIENT_ID``). It holds no usable
key (the prefix is not a key's shape and the hash matches nothing) and is inactive, so no
caller can authenticate as it; the portal uses its id only.

Revision ID: 0280
Revises: 0260
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0280"
down_revision: str | Sequence[str] | None = "0260"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PORTAL_CLIENT_ID = "6f1c2a4e-0c1d-4e55-9a0b-70727461c000"


def upgrade() -> None:
    op.execute(
        sa.text(
            """
INSERT INTO api_client (id, name, key_prefix, key_hash, scopes, rate_limit_per_minute,
                        active, created_at)
VALUES (CAST(:id AS uuid), 'Cổng thông tin (web)', 'web-portal', '-', '{}', 0, false, now())
ON CONFLICT DO NOTHING
"""
        ).bindparams(id=PORTAL_CLIENT_ID)
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "DELETE FROM api_client WHERE id = CAST(:id AS uuid)"
            " AND NOT EXISTS (SELECT 1 FROM petition WHERE client_id = CAST(:id AS uuid))"
        ).bindparams(id=PORTAL_CLIENT_ID)
    )
