"""The columns the generator COPYs into a table, read from the platform's own model: the
table's columns in their order, less the ones the generated rows leave to their default. A
column added to a model is then either generated or named here, never silently missed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def model_columns(model: Any, *, left_default: Iterable[str] = ()) -> list[str]:
    """The columns of ``model``'s table in table order, without ``left_default`` (columns the
    generated rows leave NULL or to the server's default)."""
    columns = [column.name for column in model.__table__.columns]
    skipped = set(left_default)
    if unknown := skipped - set(columns):
        raise ValueError(f"{model.__name__} has no column {sorted(unknown)}")
    return [name for name in columns if name not in skipped]
