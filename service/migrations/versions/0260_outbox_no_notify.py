"""The outbox insert no longer NOTIFYs: the relay polls.

Migration 0030's ``outbox_notify`` statement trigger called ``pg_notify`` after every insert
into ``outbox``, so that a listening relay woke at once. PostgreSQL serialises the commits
of all transactions that notified (one global lock on the notification queue, wait event
``Lock:object``): every intake, with its two outbox rows, queued behind every other one at
commit. The relay now polls the pending rows every ``GIAMSAT_RELAY_INTERVAL_SECONDS``
(0.25 s by default; one index probe of ``ix_outbox_pending_due``, which holds only pending
rows), so a job waits at most that long before it is published (``service.jobs.relay``).

Revision ID: 0260
Revises: 0250
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0260"
down_revision: str | Sequence[str] | None = "0250"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS outbox_notify()")


def downgrade() -> None:
    op.execute(
        """
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('giamsat_outbox', '');
  RETURN NULL;
END $$
"""
    )
    op.execute(
        """
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()
"""
    )
