"""History tables partitioned by year: ``petition_event`` and ``referral_history``.

Both are append-only and the largest tables (5.1M and 3.9M rows at 1M petitions; at 10M
petitions a year they grow by about 51M and 39M rows a year). Each becomes a table
partitioned by RANGE on ``at``, one partition a year (years in Asia/Ho_Chi_Minh, so a
calendar-year query reads one partition), plus a DEFAULT partition for anything outside the
years created. The partitions live in the schema ``partitions``
(``partitions.petition_event_y2026``): the application and the schema comparison see only the
parent tables in ``public``.

What changes with it:
- The primary keys become ``(id, at)``: a partitioned table's unique constraints must hold the
  partition key. ``id`` stays unique in practice (one sequence, ``<table>_id_seq``; PostgreSQL
  15 has no identity columns on partitioned tables, so it is a sequence default).
- ``notification_delivery.event_id`` referenced ``petition_event.id`` by a foreign key, which
  needs a unique constraint on ``id`` alone: that foreign key is dropped. A delivery is written
  by the notification job for an event it has just read, and history rows are never deleted
  (below), so the reference cannot dangle.
- Both tables refuse UPDATE and DELETE (trigger ``history_append_only``, as ``audit_event``):
  history is a record. TRUNCATE, detaching or dropping a whole year stay possible for the owner
  (retention, see docs/scaling.md).
- ``history_create_year_partition(table, year)`` and ``history_ensure_partitions(through)``
  create year partitions (moving any rows the DEFAULT partition already holds for that year);
  the worker's daily ``jobs.ensure_history_partitions`` calls the second one for next year.

The move is set-based (``INSERT ... SELECT``), with indexes, keys and triggers built after it,
and holds an exclusive lock on both tables for its duration (history writes wait, so intake
waits): measured in docs/scaling.md.

Revision ID: 0230
Revises: 0200
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0230"
down_revision: str | Sequence[str] | None = "0200"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, its foreign key column, the referenced table, its index on (fk column, id))
HISTORY_TABLES = (
    ("petition_event", "petition_id", "petition", "ix_petition_event_petition"),
    ("referral_history", "referral_id", "referral", "ix_referral_history_referral"),
)
# Partitions made by the migration: from YEARS_BACK years ago (or the oldest row's year, if
# older) to YEARS_AHEAD years ahead. Empty past years cost nothing and catch backdated rows
# (imports of earlier records, the bench generator's three years) in their own year.
YEARS_BACK = 5
YEARS_AHEAD = 1

FUNCTIONS = (
    """
CREATE FUNCTION history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END $$
""",
    """
CREATE FUNCTION history_create_year_partition(parent text, year integer) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  part text := parent || '_y' || year;
  dflt text := parent || '_default';
  lo timestamptz := make_timestamptz(year, 1, 1, 0, 0, 0, 'Asia/Ho_Chi_Minh');
  hi timestamptz := make_timestamptz(year + 1, 1, 1, 0, 0, 0, 'Asia/Ho_Chi_Minh');
  stray boolean;
BEGIN
  IF to_regclass(format('partitions.%I', part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM partitions.%I WHERE at >= $1 AND at < $2)', dflt)
    INTO stray USING lo, hi;
  IF NOT stray THEN
    EXECUTE format('CREATE TABLE partitions.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
                   part, parent, lo, hi);
    RETURN true;
  END IF;
  -- Rows of that year already landed in the DEFAULT partition: move them into the new
  -- partition (the append-only trigger is bypassed for this one move), then attach it. The
  -- lock keeps writers out from the copy to the delete: a row committed in between would be
  -- deleted without having been copied.
  EXECUTE format('LOCK TABLE partitions.%I IN SHARE ROW EXCLUSIVE MODE', dflt);
  EXECUTE format('CREATE TABLE partitions.%I (LIKE public.%I INCLUDING DEFAULTS)', part, parent);
  EXECUTE format('INSERT INTO partitions.%I SELECT * FROM partitions.%I WHERE at >= $1 AND at < $2',
                 part, dflt) USING lo, hi;
  EXECUTE format('ALTER TABLE partitions.%I DISABLE TRIGGER history_append_only', dflt);
  EXECUTE format('DELETE FROM partitions.%I WHERE at >= $1 AND at < $2', dflt) USING lo, hi;
  EXECUTE format('ALTER TABLE partitions.%I ENABLE TRIGGER history_append_only', dflt);
  EXECUTE format('ALTER TABLE public.%I ATTACH PARTITION partitions.%I'
                 ' FOR VALUES FROM (%L) TO (%L)', parent, part, lo, hi);
  RETURN true;
END $$
""",
    """
CREATE FUNCTION history_ensure_partitions(through_year integer DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  this_year integer := extract(year FROM now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::integer;
  parent text;
  created integer := 0;
BEGIN
  FOREACH parent IN ARRAY ARRAY['petition_event', 'referral_history'] LOOP
    FOR year IN this_year .. coalesce(through_year, this_year + 1) LOOP
      IF history_create_year_partition(parent, year) THEN
        created := created + 1;
      END IF;
    END LOOP;
  END LOOP;
  RETURN created;
END $$
""",
)


def _partition(table: str, fk: str, referenced: str, index: str) -> None:
    old = f"{table}_unpartitioned"
    op.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    op.execute(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{table} TO pk_{old}")
    op.execute(f"ALTER INDEX {index} RENAME TO {index}_unpartitioned")
    op.execute(f"ALTER SEQUENCE {table}_id_seq RENAME TO {old}_id_seq")
    # Same columns, defaults and NOT NULLs; the identity becomes a sequence default.
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS) PARTITION BY RANGE (at)")
    op.execute(f"CREATE SEQUENCE {table}_id_seq AS bigint OWNED BY {table}.id")
    op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')")
    op.execute(f"CREATE TABLE partitions.{table}_default PARTITION OF {table} DEFAULT")
    op.execute(
        f"""
        DO $$
        DECLARE
          first integer;
          this_year integer := extract(year FROM now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::integer;
        BEGIN
          SELECT least(this_year - {YEARS_BACK},
                       min(extract(year FROM at AT TIME ZONE 'Asia/Ho_Chi_Minh')))
            INTO first FROM {old};
          FOR year IN first .. this_year + {YEARS_AHEAD} LOOP
            PERFORM history_create_year_partition('{table}', year);
          END LOOP;
        END $$
        """
    )
    op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
    op.execute(
        f"SELECT setval('{table}_id_seq', coalesce((SELECT max(id) FROM {old}), 0) + 1, false)"
    )
    op.execute(f"DROP TABLE {old}")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id, at)")
    op.execute(f"CREATE INDEX {index} ON {table} ({fk}, id)")
    op.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_{fk}_{referenced} "
        f"FOREIGN KEY ({fk}) REFERENCES {referenced} (id)"
    )
    op.execute(
        f"CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION history_append_only()"
    )
    op.execute(f"ANALYZE {table}")


def _unpartition(table: str, fk: str, referenced: str, index: str) -> None:
    old = f"{table}_partitioned"
    op.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    op.execute(f"ALTER TABLE {old} RENAME CONSTRAINT pk_{table} TO pk_{old}")
    op.execute(f"ALTER TABLE {old} RENAME CONSTRAINT fk_{table}_{fk}_{referenced} TO fk_{old}")
    op.execute(f"ALTER INDEX {index} RENAME TO {index}_partitioned")
    op.execute(f"ALTER SEQUENCE {table}_id_seq RENAME TO {old}_id_seq")
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS)")
    op.execute(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")
    op.execute(f"ALTER TABLE {table} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
    op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
    op.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"coalesce((SELECT max(id) FROM {old}), 0) + 1, false)"
    )
    op.execute(f"DROP TABLE {old}")  # its partitions and its sequence with it
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id)")
    op.execute(f"CREATE INDEX {index} ON {table} ({fk}, id)")
    op.execute(
        f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_{fk}_{referenced} "
        f"FOREIGN KEY ({fk}) REFERENCES {referenced} (id)"
    )
    op.execute(f"ANALYZE {table}")


def upgrade() -> None:
    op.execute("CREATE SCHEMA partitions")
    for statement in FUNCTIONS:
        op.execute(statement)
    op.execute(
        "ALTER TABLE notification_delivery "
        "DROP CONSTRAINT fk_notification_delivery_event_id_petition_event"
    )
    for table in HISTORY_TABLES:
        _partition(*table)


def downgrade() -> None:
    for table in HISTORY_TABLES:
        _unpartition(*table)
    op.execute(
        "ALTER TABLE notification_delivery ADD CONSTRAINT "
        "fk_notification_delivery_event_id_petition_event "
        "FOREIGN KEY (event_id) REFERENCES petition_event (id)"
    )
    op.execute("DROP FUNCTION history_ensure_partitions(integer)")
    op.execute("DROP FUNCTION history_create_year_partition(text, integer)")
    op.execute("DROP FUNCTION history_append_only()")
    op.execute("DROP SCHEMA partitions")
