"""Tracking numbers from one PostgreSQL SEQUENCE per (prefix, year) instead of the
``tracking_sequence`` counter row that every intake of a year locked until its commit.

``tracking_number(prefix, year)`` returns ``nextval`` of ``tracking_<prefix>_<year>`` and
creates that sequence the first time it is asked for (under an advisory lock, so concurrent
first intakes of a new year neither fail nor make two). Each existing counter becomes a
sequence starting at its ``last_value + 1``, so a migrated database continues its numbering
without a collision; the counter table is then dropped (nothing else reads it).

``reference_data_version``: one row whose version every change of reference data increments,
so each process's reference cache knows when to reload (``service.directory.cache``).

Revision ID: 0250
Revises: 0240
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0250"
down_revision: str | Sequence[str] | None = "0240"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SECURITY DEFINER: the sequence is created as the schema owner (the migration role), so an
# application role without CREATE on the schema can still open a new year. Its search_path
# holds no schema another role can create in (every name inside is qualified).
TRACKING_NUMBER = """
CREATE OR REPLACE FUNCTION tracking_number(p_prefix text, p_year integer) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    seq text;
BEGIN
    IF p_prefix !~ '^[A-Za-z0-9]{1,8}$' OR p_year NOT BETWEEN 1900 AND 9999 THEN
        RAISE EXCEPTION 'invalid tracking prefix or year: %, %', p_prefix, p_year
            USING ERRCODE = '22023';
    END IF;
    seq := 'tracking_' || lower(p_prefix) || '_' || p_year;
    IF to_regclass('public.' || seq) IS NULL THEN
        -- Only the first intake of a (prefix, year) gets here. The lock (held to the end of
        -- this transaction) makes a concurrent first intake wait, then find the sequence.
        PERFORM pg_advisory_xact_lock(hashtext('tracking_number'), hashtext(seq));
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS public.%I AS bigint', seq);
    END IF;
    RETURN nextval(('public.' || seq)::regclass);
END
$$
"""


def upgrade() -> None:
    op.execute(TRACKING_NUMBER)
    # One sequence per existing counter (a handful of rows: one per province and year).
    op.execute(
        """
        DO $$
        DECLARE counter record;
        BEGIN
            FOR counter IN SELECT prefix, year, last_value FROM tracking_sequence LOOP
                EXECUTE format(
                    'CREATE SEQUENCE IF NOT EXISTS public.%I AS bigint START WITH %s',
                    'tracking_' || lower(counter.prefix) || '_' || counter.year,
                    counter.last_value + 1
                );
            END LOOP;
        END
        $$
        """
    )
    op.drop_table("tracking_sequence")
    op.create_table(
        "reference_data_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_reference_data_version_singleton")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_data_version")),
    )
    op.execute("INSERT INTO reference_data_version (id, version) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("reference_data_version")
    op.create_table(
        "tracking_sequence",
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", name=op.f("pk_tracking_sequence")),
    )
    op.execute(
        """
        DO $$
        DECLARE seq record;
        BEGIN
            FOR seq IN SELECT sequencename, last_value, start_value FROM pg_sequences
                        WHERE schemaname = 'public'
                          AND sequencename ~ '^tracking_[a-z0-9]+_[0-9]{4}$' LOOP
                INSERT INTO tracking_sequence (prefix, year, last_value)
                VALUES (upper(split_part(seq.sequencename, '_', 2)),
                        split_part(seq.sequencename, '_', 3)::integer,
                        -- never read since the upgrade: its start is the next number
                        coalesce(seq.last_value, seq.start_value - 1));
                EXECUTE format('DROP SEQUENCE public.%I', seq.sequencename);
            END LOOP;
        END
        $$
        """
    )
    op.execute("DROP FUNCTION tracking_number(text, integer)")
