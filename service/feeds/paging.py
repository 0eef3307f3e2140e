"""Keyset pages of a newest-first list in both directions, for RFC 5005 paged feeds.

A feed page links to the first (newest) page, the next (older) one, the previous (newer) one
and the last (oldest) one. Each is a keyset position, never an offset, so a page costs one
index range whatever its depth, and an entry published meanwhile shifts no page under a
reader: ``before=<cursor>`` is the page of entries older than a position, ``after=<cursor>``
the page of those newer than it, ``page=last`` the oldest entries. The cursors are the
platform's one codec (:mod:`service.http.cursor`), bound to their list.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import Invalid
from service.http import cursor as keyset
from service.i18n import msg

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """Which page: the first (nothing set), older than ``before``, newer than ``after``, or
    the ``last``; at most one of them."""

    before: str | None = None
    after: str | None = None
    last: bool = False

    def __post_init__(self) -> None:
        if sum((self.before is not None, self.after is not None, self.last)) > 1:
            raise Invalid(msg("feed_page_ambiguous"), field="before")

    @property
    def is_first(self) -> bool:
        return self.before is None and self.after is None and not self.last


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    # ``before`` of the next (older) page; None on the last page.
    next_cursor: str | None
    # ``after`` of the previous (newer) page; None on the first page.
    prev_cursor: str | None


async def fetch_page(
    session: AsyncSession,
    query: sa.Select[Any],
    *,
    moment: Any,
    row_id: Any,
    list_name: str,
    request: PageRequest,
    limit: int,
    key: Callable[[T], tuple[datetime, uuid.UUID]],
) -> Page[T]:
    """``query`` (one entity per row) paged newest first on ``(moment, row_id)``."""
    position = sa.tuple_(moment, row_id)

    def at(row: T) -> str:
        return keyset.encode(list_name, *key(row))

    def decoded(token: str) -> tuple[datetime, uuid.UUID]:
        found, found_id = keyset.decode(list_name, token, (datetime, uuid.UUID))
        return found, found_id

    newest_first = (moment.desc(), row_id.desc())
    oldest_first = (moment.asc(), row_id.asc())
    if request.before is not None:
        query = query.where(position < decoded(request.before)).order_by(*newest_first)
    elif request.after is not None:
        query = query.where(position > decoded(request.after)).order_by(*oldest_first)
    elif request.last:
        query = query.order_by(*oldest_first)
    else:
        query = query.order_by(*newest_first)
    found: list[T] = list((await session.execute(query.limit(limit + 1))).scalars())
    more = len(found) > limit
    rows = found[:limit]
    if request.after is not None or request.last:
        # Read oldest first to find the page; shown newest first like every other page.
        rows.reverse()
        prev_cursor = at(rows[0]) if more and rows else None
        next_cursor = at(rows[-1]) if rows and not request.last else None
        return Page(rows, next_cursor, prev_cursor)
    next_cursor = at(rows[-1]) if more else None
    prev_cursor = at(rows[0]) if request.before is not None and rows else None
    return Page(rows, next_cursor, prev_cursor)
