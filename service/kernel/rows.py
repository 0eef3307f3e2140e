"""The look-ups every record has: by id, locked when the caller will change it
(and each model's getter declared from it; the loader that answers 404 for a row the viewer
may not see), the one row that meets some conditions,
several by their ids, which of some ids a query finds, the rows of a period and a number
per id."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, select

from service.errors import NotFound
from service.i18n import msg

M = TypeVar("M", bound=SQLModel)
R = TypeVar("R", bound=SQLModel, covariant=True)
V = TypeVar("V")
V_contra = TypeVar("V_contra", contravariant=True)


async def by_id(
    session: AsyncSession, model: type[M], row_id: uuid.UUID, *, for_update: bool = False
) -> M | None:
    """The row of ``model`` with this id. ``for_update`` takes the row lock and reloads the
    row (``populate_existing``): a caller that waited for the lock sees what was committed."""
    query = select(model).where(sa.inspect(model).primary_key[0] == row_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


class Getter(Protocol[R]):
    def __call__(
        self, session: AsyncSession, row_id: uuid.UUID, /, *, for_update: bool = False
    ) -> Awaitable[R | None]: ...


def getter(model: type[M]) -> Getter[M]:
    """:func:`by_id` for one model: ``get(session, row_id, for_update=False)``."""

    async def get(
        session: AsyncSession, row_id: uuid.UUID, *, for_update: bool = False
    ) -> M | None:
        return await by_id(session, model, row_id, for_update=for_update)

    return get


class Loader(Protocol[R, V_contra]):
    def __call__(
        self,
        session: AsyncSession,
        row_id: uuid.UUID,
        viewer: V_contra,
        /,
        *,
        for_update: bool = False,
    ) -> Awaitable[R]: ...


def visible_loader(get: Getter[M], sees: Callable[[V, M], object], missing: str) -> Loader[M, V]:
    """``load(session, row_id, viewer, for_update=False)``: the row ``get`` finds, 404 (the
    catalogue message ``missing``) when there is none or ``sees(viewer, row)`` is false, as
    for a row that does not exist."""

    async def load(
        session: AsyncSession, row_id: uuid.UUID, viewer: V, *, for_update: bool = False
    ) -> M:
        found = await get(session, row_id, for_update=for_update)
        if found is None or not sees(viewer, found):
            raise NotFound(msg(missing))
        return found

    return load


async def one_where(
    session: AsyncSession, model: type[M], *conditions: Any, for_update: bool = False
) -> M | None:
    """The row of ``model`` that meets every condition (a unique key's), or None; locked and
    reloaded with ``for_update``, as :func:`by_id`."""
    query = select(model).where(*conditions)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def keyed_by_id(
    session: AsyncSession, model: type[M], ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, M]:
    """The rows of ``model`` with these ids, by id (a missing id is simply not a key)."""
    if not ids:
        return {}
    key = sa.inspect(model).primary_key[0]
    rows = await session.execute(select(model).where(key.in_(list(ids))))
    return {getattr(row, key.key): row for row in rows.scalars()}


def keyed_getter(
    model: type[M],
) -> Callable[[AsyncSession, Sequence[uuid.UUID]], Awaitable[dict[uuid.UUID, M]]]:
    """:func:`keyed_by_id` for one model, as :func:`getter` is :func:`by_id` for one:
    ``rows_by_id(session, ids)``."""

    async def keyed(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, M]:
        return await keyed_by_id(session, model, ids)

    return keyed


async def ids_found(
    session: AsyncSession, query: Any, column: Any, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``ids`` that ``query`` (a select of ``column``) finds; none asked, no query."""
    if not ids:
        return set()
    rows = await session.execute(query.where(column.in_(list(ids))))
    return set(rows.scalars())


def in_period(column: Any, start: Any | None, end: Any | None) -> list[Any]:
    """The conditions that ``column`` falls in the half-open period [start, end), a bound
    that is None leaving that side open: how every statistic and list reads "from ... to"."""
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions


async def per_id(
    session: AsyncSession, key: Any, value: Any, ids: Collection[uuid.UUID], *conditions: Any
) -> dict[uuid.UUID, int]:
    """One whole number per id of ``ids`` (``value``, an aggregate such as a count or a
    maximum, over the rows whose ``key`` column holds that id and that meet ``conditions``),
    in one query for a page of ids; an id with no rows is simply not a key, none asked, no
    query."""
    if not ids:
        return {}
    rows = await session.execute(
        select(key, value).where(key.in_(set(ids)), *conditions).group_by(key)
    )
    return {row_id: int(number) for row_id, number in rows.all()}
