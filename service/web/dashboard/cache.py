"""The dashboard's figures of one viewer's scope and period, kept a few minutes per process.

Why: the figures of a year of the city read every referral received in it for the agency
scorecards (about 360,000 at 1M petitions: one to two seconds however the statement is cut),
and a People's Council member or a Front leader opens the same dashboard many times an hour.
The figures move by the hour, not by the second: each page says when its figures were
computed. They are kept rendered too (charts and tables: some 1,200 cells for a city's year,
most of a view's time once the figures are known). ``GIAMSAT_DASHBOARD_CACHE_SECONDS``
(default 300; 0 computes on every view, as the tests do). One cache per app
(``service.web.web_routers``), bounded to ``size`` entries, the least recently viewed
dropped first.

Two things keep a popular dashboard from going cold (a year of the city computed from
scratch: 0.6-2.2 s at 1M petitions): views missing at once wait for one computation
(single-flight: the first computes, the others await its result), and a view in the last
fifth of an entry's life starts a refresh in the background (``refresh``: its own database
session) while it is answered from the entry, so an entry viewed every few minutes is
replaced before it expires. A failed refresh leaves the entry to expire as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from service.db import utcnow
from service.web.dashboard.figures import Overview

logger = logging.getLogger(__name__)

Compute = Callable[[], Awaitable[tuple[Overview, Markup]]]
# The share of an entry's life after which a view refreshes it in the background.
REFRESH_AFTER = 0.8


@dataclass(frozen=True)
class Computed:
    overview: Overview
    grid: Markup  # the figures as HTML (their charts and tables), in the viewer's language
    at: datetime  # UTC


class FiguresCache:
    def __init__(self, seconds: float, size: int = 256) -> None:
        self.seconds = seconds
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[float, Computed]] = OrderedDict()
        self._computing: dict[Hashable, asyncio.Future[Computed]] = {}
        self._refreshing: dict[Hashable, asyncio.Task[None]] = {}

    async def get(
        self, key: Hashable, compute: Compute, refresh: Compute | None = None
    ) -> Computed:
        """``key``'s figures: kept ones while fresh, else ``compute``'s (one computation for
        the views that miss at once). ``refresh`` computes them without the request (its
        own session): started in the background when the entry is near its end."""
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.seconds:
            self._entries.move_to_end(key)
            if refresh is not None and now - entry[0] >= self.seconds * REFRESH_AFTER:
                self._refresh_soon(key, refresh)
            return entry[1]
        if self.seconds <= 0:
            return Computed(*await compute(), at=utcnow())
        running = self._computing.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Computed] = asyncio.get_running_loop().create_future()
        self._computing[key] = future
        try:
            computed = Computed(*await compute(), at=utcnow())
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning without waiters
            raise
        else:
            future.set_result(computed)
            self._keep(key, now, computed)
            return computed
        finally:
            del self._computing[key]

    def _keep(self, key: Hashable, at: float, computed: Computed) -> None:
        self._entries[key] = (at, computed)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def _refresh_soon(self, key: Hashable, refresh: Compute) -> None:
        if key in self._refreshing or key in self._computing:
            return

        async def run() -> None:
            started = time.monotonic()
            try:
                computed = Computed(*await refresh(), at=utcnow())
            except Exception:
                logger.exception("dashboard figures: the background refresh failed")
            else:
                self._keep(key, started, computed)
            finally:
                self._refreshing.pop(key, None)

        self._refreshing[key] = asyncio.get_running_loop().create_task(run())
