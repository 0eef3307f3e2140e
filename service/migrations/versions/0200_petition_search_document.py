"""A stored search document on ``petition``: no query folds text per row any more.

``search_fold(text)``: NFC, then ``unaccent`` (with its dictionary named, so the function
can be IMMUTABLE), đ/Đ → d, lower case. Three generated STORED columns use it:

- ``search_title`` and ``search_text`` (title, and title || ' ' || description, folded): the
  trigram ``similarity()`` of the duplicate search reads them instead of calling
  ``immutable_unaccent`` on every candidate;
- ``search_vector``: ``to_tsvector('simple', ...)`` of the folded title (weight A) and
  description (weight B), GIN-indexed (``ix_petition_search_vector``): the staff search
  (every word a token, so ``ngap nuoc`` finds ``ngập nước``; the title's weight ranks).

The expression trigram index of 0110 (``ix_petition_search_trgm``, over
``immutable_unaccent(title || ' ' || description)``) is dropped: no query uses it now, and
it was the most expensive index to maintain at intake.

Adding generated STORED columns rewrites the table once (one ALTER TABLE for the three
columns, under an ACCESS EXCLUSIVE lock): set-based, and measured in docs/benchmarks.md.

Revision ID: 0200
Revises: 0180
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0200"
down_revision: str | Sequence[str] | None = "0180"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

__all__ = ["sa", "sqlmodel"]

OLD_DOCUMENT = "immutable_unaccent((title::text || ' '::text) || description)"
SEARCH_TITLE = "search_fold((title)::text)"
SEARCH_TEXT = "search_fold(((title)::text || ' '::text) || description)"
SEARCH_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, search_fold((title)::text)), 'A'::\"char\")"
    " || setweight(to_tsvector('simple'::regconfig, search_fold(description)), 'B'::\"char\"))"
)


def upgrade() -> None:
    op.execute(
        """
        CREATE OR REPLACE FUNCTION search_fold(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary,
                     translate(normalize($1, NFC), 'đĐ', 'dD'))) $$
        """
    )
    op.execute(
        f"""
        ALTER TABLE petition
          ADD COLUMN search_title text GENERATED ALWAYS AS ({SEARCH_TITLE}) STORED,
          ADD COLUMN search_text text GENERATED ALWAYS AS ({SEARCH_TEXT}) STORED,
          ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({SEARCH_VECTOR}) STORED
        """
    )
    op.create_index(
        "ix_petition_search_vector",
        "petition",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.drop_index("ix_petition_search_trgm", table_name="petition", postgresql_using="gin")
    # The planner's statistics of the new columns (the search estimates its rows from them).
    op.execute("ANALYZE petition")


def downgrade() -> None:
    op.create_index(
        "ix_petition_search_trgm",
        "petition",
        [sa.literal_column(OLD_DOCUMENT).label("doc")],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"doc": "gin_trgm_ops"},
    )
    op.drop_index("ix_petition_search_vector", table_name="petition", postgresql_using="gin")
    op.execute(
        "ALTER TABLE petition DROP COLUMN search_vector, DROP COLUMN search_text,"
        " DROP COLUMN search_title"
    )
    op.execute("DROP FUNCTION IF EXISTS search_fold(text)")
