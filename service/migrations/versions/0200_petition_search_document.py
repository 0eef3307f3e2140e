"""A stored search document on ``petition``: no query folds text per row any more.

The fold is 0001's ``immutable_unaccent(text)`` (``unaccent`` with its dictionary named, so
it can be IMMUTABLE; đ/Đ → d; lower case). It is also NFC/NFD-insensitive: PostgreSQL's
unaccent rules (13 and later) remove the combining marks U+0300-U+036F, so "ngập" typed with
combining marks folds to "ngap" as the precomposed one does (tests/petitions/test_search.py
checks both forms). A ``normalize(..., NFC)`` first would cost about 3 times the fold at every
intake for nothing. Three generated STORED columns use it:

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
SEARCH_TITLE = "immutable_unaccent((title)::text)"
SEARCH_TEXT = "immutable_unaccent(((title)::text || ' '::text) || description)"
SEARCH_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, immutable_unaccent((title)::text)),"
    " 'A'::\"char\") || setweight(to_tsvector('simple'::regconfig,"
    " immutable_unaccent(description)), 'B'::\"char\"))"
)


def upgrade() -> None:
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
