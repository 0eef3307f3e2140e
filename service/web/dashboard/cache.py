"""The dashboard's figures of one viewer's scope and period, kept a few minutes per process.

Why: the figures of a year of the city read every referral received in it for the agency
scorecards (about 360,000 at 1M petitions: one to two seconds however the statement is cut),
and a People's Council member or a Front leader opens the same dashboard many times an hour.
The figures move by the hour, not by the second: each page says when its figures were
computed. They are kept rendered too (charts and tables: some 1,200 cells for a city's year,
most of a view's time once the figures are known). ``GIAMSAT_DASHBOARD_CACHE_SECONDS``
(default 300; 0 computes on every view, as the tests do). One cache per app
(``service.web.web_routers``), bounded to ``size`` entries, the least recently viewed
dropped first; two views missing at once both compute (no lock: a miss costs time, never a
wrong figure).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from service.db import utcnow
from service.web.dashboard.figures import Overview


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

    async def get(
        self, key: Hashable, compute: Callable[[], Awaitable[tuple[Overview, Markup]]]
    ) -> Computed:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.seconds:
            self._entries.move_to_end(key)
            return entry[1]
        computed = Computed(*await compute(), at=utcnow())
        if self.seconds > 0:
            self._entries[key] = (now, computed)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return computed
