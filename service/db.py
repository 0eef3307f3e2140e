"""Database engine, metadata conventions and session scopes.

Requests get their session from Litestar's SQLAlchemy plugin (one transaction per request,
committed by the framework after a 2xx/3xx response). Jobs and CLI commands use
``session_scope`` which commits on a clean exit and rolls back on an exception. With
``GIAMSAT_DATABASE_REPLICA_URL`` a second, READ ONLY engine on the replica
(``create_replica_engine``) serves the read-heavy paths (``service.readonly``).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel import Field, SQLModel, select

from service.settings import Settings

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = SQLModel.metadata

M = TypeVar("M", bound=SQLModel)
N = TypeVar("N", bound=SQLModel)
S = TypeVar("S", bound=enum.Enum)
Q = TypeVar("Q", bound=sa.Select[*tuple[Any, ...]])


def utcnow() -> datetime:
    return datetime.now(UTC)


def tz_column(
    *,
    nullable: bool = False,
    default_now: bool = False,
    index: bool = False,
    primary_key: bool = False,
) -> sa.Column:  # type: ignore[type-arg]
    """A timezone-aware timestamp column (stored in UTC)."""
    return sa.Column(
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=sa.func.now() if default_now else None,
        index=index,
        primary_key=primary_key,
    )


def uuid_id() -> Any:
    """A UUID primary key made in Python, so a new row's id is known before it is flushed."""
    return Field(default_factory=uuid.uuid4, primary_key=True)


def bigint_id(*, identity: bool = True) -> Any:
    """A bigint primary key numbered by the database: an identity column, or (``identity=False``)
    the ``bigserial`` sequence of the tables that were created before identity columns were used.
    """
    if identity:
        column = sa.Column(sa.BigInteger, sa.Identity(), primary_key=True)
    else:
        column = sa.Column(sa.BigInteger, primary_key=True, autoincrement=True)
    return Field(default=None, sa_column=column)


def timestamp_now(*, index: bool = False, primary_key: bool = False) -> Any:
    """A required timestamptz that defaults to now, in Python and in the database
    (``primary_key``: part of the key, as the partition key of a partitioned table must be)."""
    return Field(
        default_factory=utcnow,
        sa_column=tz_column(default_now=True, index=index, primary_key=primary_key),
    )


def timestamp_or_none(*, index: bool = False) -> Any:
    """A nullable timestamptz, unset until the moment it records happens."""
    return Field(default=None, sa_column=tz_column(nullable=True, index=index))


def partial_index(name: str, *columns: Any, where: str, unique: bool = False) -> sa.Index:
    """An index over only the rows ``where`` holds: a working set (the open ones, the pending
    ones), or with ``unique`` at most one such row per ``columns``."""
    return sa.Index(name, *columns, unique=unique, postgresql_where=sa.text(where))


def folded(value: str | sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """A text folded for comparison (lower case, no accents, đ as d): ``immutable_unaccent``
    of migration 0001, the form the trigram indexes hold. A Python string is folded once in
    the statement."""
    if isinstance(value, str):
        value = sa.literal(value, sa.Text())
    return sa.func.immutable_unaccent(value)


def folded_similarity(
    left: str | sa.ColumnElement[str], right: str | sa.ColumnElement[str]
) -> sa.ColumnElement[float]:
    """pg_trgm's ``similarity`` of two folded texts (0..1): the duplicate search's measure."""
    return sa.func.similarity(folded(left), folded(right))


def update_by_id(table: sa.Table, *columns: str) -> sa.Update:
    """An UPDATE of ``columns`` of one row of ``table`` by ``id``, for an executemany whose
    rows ``by_id`` makes (bound names apart from the columns', which SQLAlchemy reserves
    for the SET values)."""
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values({column: sa.bindparam(f"b_{column}") for column in columns})
    )


def narrowed(statement: Q, *filters: tuple[Any, object]) -> Q:
    """``statement`` with each ``(column, value)`` filter the caller gave (``None``: any
    value): a list's optional filters, each ``column == value``; a flag matches with ``IS``."""
    for column, value in filters:
        if value is not None:
            matches = column.is_(value) if isinstance(value, bool) else column == value
            statement = statement.where(matches)
    return statement


def by_id(row_id: Any, **values: Any) -> dict[str, Any]:
    """One row of an ``update_by_id`` executemany."""
    return {"b_id": row_id, **{f"b_{column}": value for column, value in values.items()}}


def array_column(item_type: Any) -> Any:
    """A NOT NULL array of ``item_type``, empty unless set (in Python and in the database)."""
    return Field(
        default_factory=list,
        sa_column=sa.Column(postgresql.ARRAY(item_type), nullable=False, server_default="{}"),
    )


def jsonb_column(*, nullable: bool = False, default: str | None = "{}") -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        postgresql.JSONB(none_as_null=True),
        nullable=nullable,
        server_default=sa.text(f"'{default}'::jsonb") if default is not None else None,
    )


async def claim_pending(
    session: AsyncSession, model: type[M], row_id: Any, pending: S, *, column: str = "state"
) -> tuple[M | None, S | None]:
    """A job's claim on one row of ``model``: ``(row, None)`` with the row locked ``FOR
    UPDATE`` (and re-read) while its ``column`` is still ``pending``; otherwise ``(None,
    settled)``, the state it already reached (``pending``'s enum) for the job to answer, or
    ``(None, None)`` when there is no such row. The lock makes a second run of the same job
    wait here and then find the row settled, so nothing is sent twice."""
    row = await session.get(model, row_id, with_for_update=True, populate_existing=True)
    if row is None:
        return None, None
    state = getattr(row, column)
    if state != pending:
        return None, type(pending)(state)
    return row, None


async def custom_plans(session: AsyncSession) -> None:
    """Plan this transaction's statements for their parameters: asyncpg prepares statements,
    and after five runs PostgreSQL may keep a generic plan, which cannot see what a tsquery,
    a unit or a period selects (the search then read the whole table: 10 s at 1M; a year's
    scorecards 21 s instead of 0.7 s)."""
    await session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))


async def rows_where(
    session: AsyncSession, model: type[M], *conditions: Any, order_by: Sequence[Any]
) -> list[M]:
    """The rows of ``model`` that meet every condition, in ``order_by`` order."""
    result = await session.execute(select(model).where(*conditions).order_by(*order_by))
    return list(result.scalars())


async def pairs_where(
    session: AsyncSession,
    first: type[M],
    second: type[N],
    on: Any,
    *conditions: Any,
    order_by: Sequence[Any],
) -> list[tuple[M, N]]:
    """The rows of ``first`` each with its row of ``second`` (joined ``on``) that meet every
    condition, in ``order_by`` order: a record's files with how they were attached."""
    result = await session.execute(
        select(first, second).join(second, on).where(*conditions).order_by(*order_by)
    )
    return [(row[0], row[1]) for row in result.all()]


def children_of(
    model: type[M], key: Any, *order_by: Any
) -> Callable[[AsyncSession, uuid.UUID], Awaitable[list[M]]]:
    """The look-up of a record's children (its answers, its sessions...) that every domain
    makes, declared once per child: ``(session, parent_id)`` -> the rows of ``model`` whose
    ``key`` is the parent's id, in ``order_by`` order."""

    async def read(session: AsyncSession, parent_id: uuid.UUID) -> list[M]:
        return await rows_where(session, model, key == parent_id, order_by=order_by)

    return read


def async_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the asyncpg driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def create_engine(
    settings: Settings,
    *,
    url: str | None = None,
    pool_size: int | None = None,
    application_name: str = "giamsat",
    read_only: bool = False,
) -> AsyncEngine:
    """The primary's engine (``url`` and ``read_only`` make the replica's, see below)."""
    server_settings = {"timezone": "UTC", "application_name": application_name}
    if read_only:
        # Every transaction on this engine is READ ONLY, on a hot standby (where it is anyway)
        # and on any other server a replica URL might name (the primary itself, a logical
        # replica): a write there fails at once instead of forking the data.
        server_settings["default_transaction_read_only"] = "on"
    size = settings.database_pool_size if pool_size is None else pool_size
    engine = create_async_engine(
        async_url(url or settings.require_database_url()),
        pool_size=size,
        max_overflow=size,
        # No pre-ping (a round trip, three with its transaction, at every checkout): a pooled
        # connection the server closed is dropped at checkout without asking it
        # (``_drop_closed_connection``), and recycled after ``POOL_RECYCLE_SECONDS`` (idle
        # timeouts of proxies and firewalls in between).
        pool_pre_ping=False,
        pool_recycle=POOL_RECYCLE_SECONDS,
        # Bound values can be a petitioner's name or phone: keep them out of error messages,
        # which end up in logs and stored job tracebacks.
        hide_parameters=True,
        connect_args={"server_settings": server_settings},
    )
    event.listen(engine.sync_engine, "checkout", _drop_closed_connection)
    return engine


POOL_RECYCLE_SECONDS = 1800


def _drop_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A checkout listener: a pooled connection whose socket the server closed (PostgreSQL
    restarted or terminated the backend) is discarded and the pool hands out another one,
    freshly connected. asyncpg notices the closed socket by itself (its protocol sees the
    EOF), so this costs no round trip, unlike ``pool_pre_ping``.

    What it cannot see (a connection that dies during the request, a server that went away
    without closing the socket) fails that request: SQLAlchemy marks the error a
    disconnect, invalidates every connection the pool made before it, and the app answers
    503 (``service.scrub.database_unavailable``); the next request connects afresh.
    """
    connection = getattr(dbapi_connection, "_connection", None)
    if connection is not None and connection.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


def create_replica_engine(
    settings: Settings, *, pool_size: int | None = None, application_name: str = "giamsat"
) -> AsyncEngine | None:
    """The read replica's engine (``GIAMSAT_DATABASE_REPLICA_URL``), READ ONLY; None when no
    replica is configured (the read paths then use the primary's session, as before)."""
    if not settings.database_replica_url:
        return None
    return create_engine(
        settings,
        url=settings.database_replica_url,
        pool_size=pool_size,
        application_name=f"{application_name}-read",
        read_only=True,
    )


REPLICA_LAG_SQL = sa.text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL"
    " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0"
    " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END"
)
"""Seconds the replica's data is behind the primary: 0 when it has replayed all it received,
else the age of the last transaction it replayed (an upper bound when the primary is idle);
NULL when the server is not a standby (nothing to measure, e.g. a logical replica)."""


async def replica_lag_seconds(engine: AsyncEngine) -> float | None:
    async with engine.connect() as conn:
        lag = (await conn.execute(REPLICA_LAG_SQL)).scalar_one()
    return None if lag is None else max(0.0, float(lag))


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def session_scope(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A unit of work outside a request: commits on exit, rolls back on error."""
    async with sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


@asynccontextmanager
async def command_session(
    settings: Settings,
    sessions: Callable[[AsyncEngine], async_sessionmaker[AsyncSession]] = session_factory,
) -> AsyncIterator[AsyncSession]:
    """One unit of work for a CLI command, on an engine of its own that is disposed after.

    ``sessions`` makes the session factory: pass the wiring's (``build_wiring(settings).sessions``)
    when the work raises domain events (seeding a calendar, re-running a job).
    """
    engine = create_engine(settings)
    try:
        async with session_scope(sessions(engine)) as session:
            yield session
    finally:
        await engine.dispose()
