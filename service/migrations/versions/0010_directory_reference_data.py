"""directory reference data: categories, routing rules, calendar, office hours

Adds ``agency.kind`` (and one People's Committee per unit), the tables of the directory's
reference data, and the SQL function ``working_days_between(timestamptz, timestamptz)`` that
reports use to measure elapsed working days set-based (``service.directory.calendar`` holds the
same arithmetic in Python; a test keeps the two equal).

Revision ID: 0010
Revises: 0002
Create Date: 2026-11-28 23:38:48.555480
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

__all__ = ["sa", "sqlmodel"]

# Working days d with lo < d <= hi (local dates of the two instants), negative when b < a.
# Regular weekdays are counted arithmetically (whole weeks, then at most six more days), then
# corrected by the calendar_day rows inside the span, so the cost does not grow with the span.
WORKING_DAYS_BETWEEN = """
CREATE OR REPLACE FUNCTION working_days_between(a timestamptz, b timestamptz)
RETURNS integer
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  WITH settings AS (
    SELECT coalesce((SELECT weekdays FROM office_hours WHERE id = 1),
                    ARRAY[1, 2, 3, 4, 5]::smallint[]) AS weekdays,
           coalesce((SELECT timezone FROM office_hours WHERE id = 1),
                    'Asia/Ho_Chi_Minh') AS tz
  ), span AS (
    SELECT (least(a, b) AT TIME ZONE s.tz)::date AS lo,
           (greatest(a, b) AT TIME ZONE s.tz)::date AS hi,
           s.weekdays
      FROM settings s
  )
  SELECT (CASE WHEN b < a THEN -1 ELSE 1 END * (
            ((span.hi - span.lo) / 7) * cardinality(span.weekdays)
          + (SELECT count(*) FROM generate_series(1, (span.hi - span.lo) % 7) AS k
              WHERE extract(isodow FROM span.lo + k)::smallint = ANY (span.weekdays))
          - (SELECT count(*) FROM calendar_day c
              WHERE c.day > span.lo AND c.day <= span.hi
                AND c.kind IN ('holiday', 'day_off')
                AND extract(isodow FROM c.day)::smallint = ANY (span.weekdays))
          + (SELECT count(*) FROM calendar_day c
              WHERE c.day > span.lo AND c.day <= span.hi
                AND c.kind = 'working_day'
                AND NOT extract(isodow FROM c.day)::smallint = ANY (span.weekdays))
         ))::integer
    FROM span
$$
"""


def upgrade() -> None:
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('holiday', 'day_off', 'working_day')",
            name=op.f("ck_calendar_day_kind_known"),
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_day")),
    )
    op.create_table(
        "office_hours",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "weekdays",
            postgresql.ARRAY(sa.SmallInteger()),
            server_default="{1,2,3,4,5}",
            nullable=False,
        ),
        sa.Column(
            "periods",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_office_hours_singleton")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_hours")),
    )
    op.create_table(
        "petition_category",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name_vi", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_petition_category")),
    )
    op.create_table(
        "reference_seed",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column(
            "applied_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_reference_seed")),
    )
    op.create_table(
        "routing_rule",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("category_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("unit_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("unit_level", sa.String(length=16), nullable=True),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("agency_of_unit", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("is_fallback", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "unit_level IS NULL OR unit_level IN ('province', 'commune')",
            name=op.f("ck_routing_rule_unit_level_known"),
        ),
        sa.CheckConstraint(
            "(agency_id IS NOT NULL) <> agency_of_unit", name=op.f("ck_routing_rule_one_target")
        ),
        sa.CheckConstraint(
            "unit_code IS NULL OR unit_level IS NULL", name=op.f("ck_routing_rule_unit_or_level")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_routing_rule_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["petition_category.code"],
            name=op.f("fk_routing_rule_category_code_petition_category"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"], ["admin_unit.code"], name=op.f("fk_routing_rule_unit_code_admin_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule")),
    )
    op.create_index(op.f("ix_routing_rule_agency_id"), "routing_rule", ["agency_id"], unique=False)
    op.create_index(
        op.f("ix_routing_rule_category_code"), "routing_rule", ["category_code"], unique=False
    )
    op.add_column(
        "agency", sa.Column("kind", sa.String(length=32), server_default="other", nullable=False)
    )
    op.create_index(
        "uq_agency_people_committee_unit",
        "agency",
        ["unit_code"],
        unique=True,
        postgresql_where=sa.text("kind = 'people_committee'"),
    )
    op.execute(WORKING_DAYS_BETWEEN)


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS working_days_between(timestamptz, timestamptz)")
    op.drop_index(
        "uq_agency_people_committee_unit",
        table_name="agency",
        postgresql_where=sa.text("kind = 'people_committee'"),
    )
    op.drop_column("agency", "kind")
    op.drop_index(op.f("ix_routing_rule_category_code"), table_name="routing_rule")
    op.drop_index(op.f("ix_routing_rule_agency_id"), table_name="routing_rule")
    op.drop_table("routing_rule")
    op.drop_table("reference_seed")
    op.drop_table("petition_category")
    op.drop_table("office_hours")
    op.drop_table("calendar_day")
