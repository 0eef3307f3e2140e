"""The look-ups every oversight record has: by id, locked when the caller will change it;
and which of some ids a query finds."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, select

M = TypeVar("M", bound=SQLModel)


async def by_id(
    session: AsyncSession, model: type[M], row_id: uuid.UUID, *, for_update: bool = False
) -> M | None:
    """The row of ``model`` with this id. ``for_update`` takes the row lock and reloads the
    row (``populate_existing``): a caller that waited for the lock sees what was committed."""
    query = select(model).where(sa.inspect(model).primary_key[0] == row_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def ids_found(
    session: AsyncSession, query: Any, column: Any, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``ids`` that ``query`` (a select of ``column``) finds; none asked, no query."""
    if not ids:
        return set()
    rows = await session.execute(query.where(column.in_(list(ids))))
    return set(rows.scalars())
