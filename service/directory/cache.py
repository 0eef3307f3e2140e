"""The reference data intake reads on every request (units, categories, the routing
suggestion, the working-day calendar, the deadline rules), cached per process.

Invalidation, simple on purpose:
- Every administrative change of that data (``service.directory.service``'s writes) calls
  ``changed(session)`` in its own transaction: it adds one to the single row of
  ``reference_data_version`` and empties this process's cache at once and again after the
  transaction ends (commit or rollback), so this process never keeps what it read meanwhile.
- A process compares its cached version with that row at most every ``check_seconds``
  (``GIAMSAT_REFERENCE_CACHE_SECONDS``, default 2 s; 0 checks on every use) on the caller's
  session, and empties its cache when it moved. So another replica sees an admin change
  within ``check_seconds``: a petition filed in that window may be routed or validated by
  the previous rules, as if it had arrived a moment earlier. The row is read by primary key
  only when a check is due, so the check costs nothing per request in the steady state.

Units and categories are cached as found (a miss is read again, never cached), so a row
added by a seed appears at once; the routing suggestion, the calendar and the deadline rules
are cached per key until the version moves.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.deadlines.clock import DeadlineRule
from service.deadlines.models import DeadlineStep, ItemKind, Urgency
from service.deadlines.policy import rule_for
from service.directory.calendar import WorkingCalendar, load_calendar
from service.directory.models import AdminUnit, PetitionCategory, ReferenceDataVersion, UnitLevel
from service.directory.routing import suggested_agency_id, superior_of

DEFAULT_CHECK_SECONDS = 2.0
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class UnitRef:
    code: str
    level: UnitLevel
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class CategoryRef:
    code: str
    active: bool


@dataclass
class ReferenceCache:
    check_seconds: float = DEFAULT_CHECK_SECONDS
    version: int | None = None
    checked_at: float = float("-inf")
    # Units and categories as found (never a miss).
    units: dict[str, UnitRef | None] = field(default_factory=dict)
    categories: dict[str, CategoryRef | None] = field(default_factory=dict)
    routes: dict[tuple[str, str], uuid.UUID | None] = field(default_factory=dict)
    superiors: dict[uuid.UUID, uuid.UUID | None] = field(default_factory=dict)
    # None: no policy row (rule_for's LookupError).
    rules: dict[tuple[str, str, str], DeadlineRule | None] = field(default_factory=dict)
    calendars: dict[None, WorkingCalendar] = field(default_factory=dict)
    # Bumped by every clear(): a value loaded across an await (or in another dramatiq
    # thread) while the cache was cleared was read before the change, and is not stored.
    generation: int = 0

    def clear(self) -> None:
        self.generation += 1
        self.version = None
        self.checked_at = float("-inf")
        self.units.clear()
        self.categories.clear()
        self.routes.clear()
        self.superiors.clear()
        self.rules.clear()
        self.calendars.clear()

    async def _fresh(self, session: AsyncSession) -> None:
        now = time.monotonic()
        if self.version is not None and now - self.checked_at < self.check_seconds:
            return
        version = (
            await session.execute(
                sa.select(col(ReferenceDataVersion.version)).where(
                    col(ReferenceDataVersion.id) == 1
                )
            )
        ).scalar_one_or_none() or 0
        if version != self.version:
            self.clear()
            self.version = int(version)
        self.checked_at = now

    async def _cached(
        self,
        session: AsyncSession,
        store: dict[K, V],
        key: K,
        load: Callable[[], Awaitable[V]],
        *,
        keep_none: bool = True,
    ) -> V:
        """``store[key]``, loaded on a miss. A value loaded while the cache was cleared (across
        the await, or in another thread) was read before the change, and is not kept; nor is
        a ``None`` without ``keep_none`` (a miss is read again)."""
        await self._fresh(session)
        if key in store:
            return store[key]
        generation = self.generation
        found = await load()
        if generation == self.generation and (keep_none or found is not None):
            store[key] = found
        return found

    async def unit(self, session: AsyncSession, code: str) -> UnitRef | None:
        async def load() -> UnitRef | None:
            row = await session.get(AdminUnit, code)
            return None if row is None else UnitRef(row.code, UnitLevel(row.level), row.parent_code)

        return await self._cached(session, self.units, code, load, keep_none=False)

    async def category(self, session: AsyncSession, code: str) -> CategoryRef | None:
        async def load() -> CategoryRef | None:
            row = await session.get(PetitionCategory, code)
            return None if row is None else CategoryRef(row.code, bool(row.active))

        return await self._cached(session, self.categories, code, load, keep_none=False)

    async def suggested_agency(
        self, session: AsyncSession, category_code: str, unit_code: str
    ) -> uuid.UUID | None:
        """The id of the agency the routing rules suggest (``suggest_agency``)."""
        return await self._cached(
            session,
            self.routes,
            (category_code, unit_code),
            lambda: suggested_agency_id(session, category_code, unit_code),
        )

    async def superior(self, session: AsyncSession, agency_id: uuid.UUID) -> uuid.UUID | None:
        async def load() -> uuid.UUID | None:
            agency = await superior_of(session, agency_id)
            return agency.id if agency else None

        return await self._cached(session, self.superiors, agency_id, load)

    async def calendar(self, session: AsyncSession) -> WorkingCalendar:
        # One calendar, under the key None.
        return await self._cached(session, self.calendars, None, lambda: load_calendar(session))

    async def deadline_rule(
        self, session: AsyncSession, kind: ItemKind, urgency: Urgency, step: DeadlineStep
    ) -> DeadlineRule:
        """``rule_for``; raises LookupError as it does when no policy row exists (that is
        cached too)."""

        async def load() -> DeadlineRule | None:
            try:
                return await rule_for(session, kind, urgency, step)
            except LookupError:
                return None

        key = (str(kind), str(urgency), str(step))
        rule = await self._cached(session, self.rules, key, load)
        if rule is None:
            raise LookupError(key)
        return rule


# One per process: the app factory sets ``check_seconds`` from the settings.
reference_cache = ReferenceCache()


def configure(check_seconds: float) -> None:
    reference_cache.check_seconds = check_seconds
    reference_cache.clear()


async def changed(session: AsyncSession) -> None:
    """Reference data changes in this transaction: every process's cache must let it go."""
    table = ReferenceDataVersion.__table__  # type: ignore[attr-defined]
    # An upsert: the row is there after migration 0250, but a restore or a TRUNCATE of
    # everything but the reference tables (the tests do) must not stop the counting.
    await session.execute(
        pg_insert(table)
        .values(id=1, version=1)
        .on_conflict_do_update(index_elements=["id"], set_={"version": table.c.version + 1})
    )
    reference_cache.clear()
    sync_session = session.sync_session
    if not sync_session.info.get("reference_cache_hooked"):
        sync_session.info["reference_cache_hooked"] = True
        event.listen(sync_session, "after_commit", _clear_after)
        event.listen(sync_session, "after_soft_rollback", _clear_after)


def _clear_after(*_: Any) -> None:
    reference_cache.clear()
