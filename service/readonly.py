"""The read session: what the read-heavy handlers query, on the read replica when there is one.

A handler that only reads, and whose reader can bear data a moment old, takes
``read_session: ReadSession`` instead of ``db_session``:

- with ``GIAMSAT_DATABASE_REPLICA_URL`` set it is a session of its own on the replica's engine
  (``service.db.create_replica_engine``: every transaction READ ONLY), opened for the request
  and closed after it; it carries the wiring (item providers) but nothing it does is
  committed, and a write fails at once;
- unset, it *is* the request's ``db_session`` (same connection, same transaction): everything
  reads the primary exactly as before, and no request holds a second connection.

Read-your-writes: a replica lags the primary by the replication delay (milliseconds on a quiet
network, seconds under a bulk load; ``/ready`` shows it as ``replica_lag_seconds``). So only
the views where a moment's delay is harmless read it: the lists and search, the dashboards and
scorecards, the public feed, and the reports' data gathering. A staff member who has just
changed a petition and reloads the list may, on a lagging replica, still see the old row
there; its detail page (the ETag an ``If-Match`` edit is checked against), every action and
every read inside a write stay on the primary, so no decision is ever taken on stale data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeAlias

from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

READ_SESSION = "read_session"

ReadSession: TypeAlias = NamedDependency[AsyncSession]
"""The parameter ``read_session: ReadSession`` (Litestar injects it by that name)."""


async def _primary(db_session: NamedDependency[AsyncSession]) -> AsyncSession:
    return db_session


def provide_read_session(replica_sessions: async_sessionmaker[AsyncSession] | None) -> Provide:
    """The app's ``read_session`` dependency: a replica session per request, or the request's
    own primary session when ``replica_sessions`` is None."""
    if replica_sessions is None:
        return Provide(_primary)
    sessions = replica_sessions

    async def replica() -> AsyncIterator[AsyncSession]:
        # Closed, not committed: there is nothing to commit, and close() keeps what the
        # handler loaded readable (rollback would expire it before the response is shaped).
        async with sessions() as session:
            yield session

    return Provide(replica)
