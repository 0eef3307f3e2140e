"""Indexes that the benchmarks showed missing, on tables of other packages.

Created by migration 0150; declared here so that ``SQLModel.metadata`` (imported through
``service.migrations.registry``) matches the migrated schema. The owning package may move a
declaration into its own ``__table_args__`` (and drop it here); the migration stays.
"""

import sqlalchemy as sa

from service.petitions.models import OPEN_PREDICATE, Petition

_petition = Petition.__table__  # type: ignore[attr-defined]

# Duplicate candidates near a point: see migration 0150 and docs/benchmarks.md.
petition_open_category_latitude = sa.Index(
    "ix_petition_open_category_latitude",
    _petition.c.category_code,
    _petition.c.latitude,
    postgresql_where=sa.text(OPEN_PREDICATE),
)
