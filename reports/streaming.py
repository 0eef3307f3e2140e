"""Long tables straight from a server-side cursor into the renderer.

The renderer is synchronous (WeasyPrint) and runs in a worker thread so that the event loop
stays free; the rows come from an async database cursor on that loop. `ThreadRows` is the
bridge: a plain iterable whose iteration (in the render thread) asks the loop for the next
batch of rows. Only one batch is in memory at a time, and the renderer holds at most one
chunk of rows, so neither grows with the table.

`render_in_thread` runs `render_pdf` that way; the worker, the CLI and the tests all use it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, ParamSpec

from sqlalchemy.ext.asyncio import AsyncSession

from reports.render import RenderedPdf, render_pdf
from reports.sections import Cell

Row = Sequence[Cell]
BATCH_ROWS = 250
P = ParamSpec("P")


class ThreadRows:
    """An iterable over an async source of rows, for a consumer in another thread.

    ``source`` is a zero-argument function returning the async iterator; it is called on the
    first iteration, so the query runs when the renderer reaches the table, not before.
    """

    def __init__(
        self,
        source: Callable[[], AsyncIterator[Row]],
        loop: asyncio.AbstractEventLoop,
        *,
        batch: int = BATCH_ROWS,
    ) -> None:
        self._source = source
        self._loop = loop
        self._batch = batch
        self._loop_thread = threading.get_ident()

    def __iter__(self) -> Iterator[Row]:
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError(
                "these rows come from the event loop's thread; render with render_in_thread()"
            )
        rows = self._source()
        try:
            while True:
                batch = asyncio.run_coroutine_threadsafe(self._next(rows), self._loop).result()
                if not batch:
                    return
                yield from batch
        finally:
            closer = getattr(rows, "aclose", None)
            if closer is not None and not self._loop.is_closed():
                asyncio.run_coroutine_threadsafe(closer(), self._loop).result()

    async def _next(self, rows: AsyncIterator[Row]) -> list[Row]:
        batch: list[Row] = []
        async for row in rows:
            batch.append(row)
            if len(batch) >= self._batch:
                break
        return batch


def streamed(
    session: AsyncSession,
    statement: Any,
    params: dict[str, Any] | None = None,
    *,
    transform: Callable[[Any], Row] = tuple,
) -> Callable[[], AsyncIterator[Row]]:
    """A source for `ThreadRows`: the statement's rows through a server-side cursor, each
    turned into table cells by ``transform`` (it gets the SQLAlchemy row)."""

    async def rows() -> AsyncIterator[Row]:
        result = await session.stream(statement, params or {})
        try:
            async for partition in result.partitions(BATCH_ROWS):
                for row in partition:
                    yield transform(row)
        finally:
            await result.close()

    return rows


def _in_thread(render: Callable[P, RenderedPdf]) -> Callable[P, Awaitable[RenderedPdf]]:
    """``render`` with the same parameters, run in a worker thread while this loop feeds it
    `ThreadRows` (the parameters are declared once, on `render_pdf`)."""

    async def in_thread(*args: P.args, **kwargs: P.kwargs) -> RenderedPdf:
        return await asyncio.to_thread(render, *args, **kwargs)

    return in_thread


# `render_pdf` in a worker thread while this loop feeds it `ThreadRows`.
render_in_thread = _in_thread(render_pdf)
