"""The dashboard's summary of petitions (service.petitions.repository.dashboard).

``petition_count``: petitions by local creation period (day, month, year, all time) × unit ×
agency × kind × category × current status, with the dashboard's figures summed (overdue, due
soon, routed, routed on time). ``petition_count_change``: the signed changes not yet folded
into it, written by statement triggers on ``petition`` (transition tables, so a bulk UPDATE
of a sweep is one grouped INSERT, not a call per row) in the transaction of each change; the
``petitions.fold_counts`` job moves them into the summary. ``petition_count_scope``: the
unfiltered dashboards ready: the city's by period, each unit's and agency's for all time.
Summary + changes always equal the counts over the rows, whatever has been folded.

The triggers are created before the backfill in the same transaction: CREATE TRIGGER locks
out writers of ``petition`` until commit, so no row is counted twice or missed. The backfill
is one grouped pass over ``petition`` (about ten seconds at a million rows).

Revision ID: 0240
Revises: 0230
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0240"
down_revision: str | Sequence[str] | None = "0230"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The days are local (the dashboard's date ranges are Asia/Ho_Chi_Minh days); the figures are
# the dashboard's definitions (repository.dashboard.count_rows, the reference over the rows).
ROW = """
(p.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day,
p.unit_code, p.agency_id, p.kind, p.category_code, p.status,
(p.deadline_status = 'overdue')::int AS overdue,
(p.deadline_status = 'due_soon')::int AS due_soon,
(p.clock_stopped_at IS NOT NULL AND p.due_at IS NOT NULL
  AND p.status NOT IN ('withdrawn', 'merged'))::int AS routed,
(p.clock_stopped_at IS NOT NULL AND p.due_at IS NOT NULL
  AND p.status NOT IN ('withdrawn', 'merged') AND p.clock_stopped_at <= p.due_at)::int AS on_time
"""
KEY = "day, unit_code, agency_id, kind, category_code, status"
CHANGE_COLUMNS = f"{KEY}, n, overdue, due_soon, routed, on_time"
SUMS = "sum(sign * overdue), sum(sign * due_soon), sum(sign * routed), sum(sign * on_time)"

CAPTURE = f"""
CREATE FUNCTION petition_count_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO petition_count_change ({CHANGE_COLUMNS})
    SELECT {KEY}, count(*), sum(overdue), sum(due_soon), sum(routed), sum(on_time)
      FROM (SELECT {ROW} FROM petition_new_rows p) r
     GROUP BY {KEY};
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO petition_count_change ({CHANGE_COLUMNS})
    SELECT {KEY}, sum(sign), {SUMS}
      FROM (SELECT 1 AS sign, {ROW} FROM petition_new_rows p
            UNION ALL
            SELECT -1 AS sign, {ROW} FROM petition_old_rows p) r
     GROUP BY {KEY}
    HAVING sum(sign) <> 0 OR sum(sign * overdue) <> 0 OR sum(sign * due_soon) <> 0
        OR sum(sign * routed) <> 0 OR sum(sign * on_time) <> 0;
  ELSE
    INSERT INTO petition_count_change ({CHANGE_COLUMNS})
    SELECT {KEY}, -count(*), -sum(overdue), -sum(due_soon), -sum(routed), -sum(on_time)
      FROM (SELECT {ROW} FROM petition_old_rows p) r
     GROUP BY {KEY};
  END IF;
  RETURN NULL;
END $$
"""
# DELETE, not TRUNCATE: a TRUNCATE of several tables (the tests' cleanup) may name these too,
# and TRUNCATE refuses a table the firing statement is still using.
RESET = """
CREATE FUNCTION petition_count_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM petition_count;
  DELETE FROM petition_count_change;
  DELETE FROM petition_count_scope;
  RETURN NULL;
END $$
"""
TRIGGERS = (
    "CREATE TRIGGER petition_count_insert AFTER INSERT ON petition"
    " REFERENCING NEW TABLE AS petition_new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION petition_count_capture()",
    "CREATE TRIGGER petition_count_update AFTER UPDATE ON petition"
    " REFERENCING OLD TABLE AS petition_old_rows NEW TABLE AS petition_new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION petition_count_capture()",
    "CREATE TRIGGER petition_count_delete AFTER DELETE ON petition"
    " REFERENCING OLD TABLE AS petition_old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION petition_count_capture()",
    "CREATE TRIGGER petition_count_truncate AFTER TRUNCATE ON petition"
    " FOR EACH STATEMENT EXECUTE FUNCTION petition_count_reset()",
)
SUMMARY_COLUMNS = (
    "grain, period, unit_code, agency_id, kind, category_code, status,"
    " n, overdue, due_soon, routed, on_time"
)
SUMMARY_KEY = "grain, period, unit_code, agency_id, kind, category_code, status"
BACKFILL = f"""
WITH days AS (
  SELECT {KEY}, count(*) AS n, sum(overdue) AS overdue, sum(due_soon) AS due_soon,
         sum(routed) AS routed, sum(on_time) AS on_time
    FROM (SELECT {ROW} FROM petition p) r
   GROUP BY {KEY}
), grains AS (
  SELECT 'day' AS grain, day AS period, * FROM days
  UNION ALL SELECT 'month', date_trunc('month', day)::date, * FROM days
  UNION ALL SELECT 'year', date_trunc('year', day)::date, * FROM days
  UNION ALL SELECT 'all', DATE '0001-01-01', * FROM days
)
INSERT INTO petition_count ({SUMMARY_COLUMNS})
SELECT {SUMMARY_KEY}, sum(n), sum(overdue), sum(due_soon), sum(routed), sum(on_time)
  FROM grains
 GROUP BY {SUMMARY_KEY}
"""

# The unfiltered dashboards from the summary: the city at every grain, units and agencies all time.
SCOPE_BACKFILL = """
INSERT INTO petition_count_scope (scope, scope_key, grain, period, dimension, key, n, overdue,
                                  due_soon, routed, on_time)
SELECT s.scope, s.scope_key, r.grain, r.period, d.dimension, d.key,
       sum(r.n), sum(r.overdue), sum(r.due_soon), sum(r.routed), sum(r.on_time)
  FROM petition_count r
 CROSS JOIN LATERAL (VALUES ('city', NULL::text), ('unit', r.unit_code::text),
                            ('agency', r.agency_id::text)) AS s(scope, scope_key)
 CROSS JOIN LATERAL (VALUES ('total', NULL::text), ('status', r.status::text),
                            ('kind', r.kind::text), ('category', r.category_code::text),
                            ('unit', r.unit_code::text), ('agency', r.agency_id::text))
       AS d(dimension, key)
 WHERE (s.scope = 'city' OR r.grain = 'all') AND (s.scope <> 'agency' OR s.scope_key IS NOT NULL)
 GROUP BY s.scope, s.scope_key, r.grain, r.period, d.dimension, d.key
"""


def _figures() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(name, sa.Integer(), nullable=False)
        for name in ("n", "overdue", "due_soon", "routed", "on_time")
    ]


def _count_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("unit_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        *_figures(),
    ]


def upgrade() -> None:
    op.create_table(
        "petition_count",
        *_count_columns(),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_count")),
    )
    op.create_table(
        "petition_count_change",
        *_count_columns(),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_count_change")),
    )
    op.create_table(
        "petition_count_scope",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("scope_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("dimension", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        *_figures(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_count_scope")),
    )
    op.execute(CAPTURE)
    op.execute(RESET)
    for statement in TRIGGERS:
        op.execute(statement)
    # Indexes after the backfill: one build instead of a million insertions.
    op.execute(BACKFILL)
    op.execute(SCOPE_BACKFILL)
    op.create_index(
        "uq_petition_count_key",
        "petition_count",
        ["grain", "period", "unit_code", "kind", "category_code", "status", "agency_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_index(
        "ix_petition_count_empty", "petition_count", ["id"], postgresql_where=sa.text("n = 0")
    )
    op.create_index(
        "uq_petition_count_scope_key",
        "petition_count_scope",
        ["scope", "scope_key", "grain", "period", "dimension", "key"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_index(
        "ix_petition_count_scope_empty",
        "petition_count_scope",
        ["id"],
        postgresql_where=sa.text("n = 0"),
    )


def downgrade() -> None:
    for name in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER petition_count_{name} ON petition")
    op.execute("DROP FUNCTION petition_count_reset()")
    op.execute("DROP FUNCTION petition_count_capture()")
    op.drop_index("ix_petition_count_scope_empty", table_name="petition_count_scope")
    op.drop_index("uq_petition_count_scope_key", table_name="petition_count_scope")
    op.drop_table("petition_count_scope")
    op.drop_table("petition_count_change")
    op.drop_index("ix_petition_count_empty", table_name="petition_count")
    op.drop_index("uq_petition_count_key", table_name="petition_count")
    op.drop_table("petition_count")
