"""Running async code from dramatiq's worker threads, and what a running job may use.

Worker threads are plain threads. ``run_async(coro)`` runs a coroutine on an event loop that
belongs to the calling thread (created on first use, reused for every later message), and
``worker_context()`` gives a running job its process's settings, wiring, object store, an
engine and sessions.

Nothing here is process-global: ``setup_broker(settings, wiring)`` builds one
:class:`JobRuntime` and wraps every actor so that the runtime is bound (a context variable,
like dramatiq's current message) while that actor runs. Two brokers in one process (two
deployments in a test) therefore each run their jobs with their own settings.

asyncpg connections belong to the event loop that opened them, so an engine cannot be shared
between loops: each worker thread gets its own small engine (two pooled connections) built
from the runtime's settings, disposed when the thread shuts down. Its sessions carry the
runtime's wiring (``service.kernel.wiring``). With a read replica configured the thread also
gets a READ ONLY engine on it (``read_sessions``, one connection), where a report gathers its
data; without one ``read_sessions`` are the primary's.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from service.db import async_url, create_replica_engine, session_scope
from service.kernel.wiring import NotWired, Wiring
from service.settings import Settings
from service.storage.backends import build_object_store
from service.storage.store import ObjectStore

T = TypeVar("T")

_local = threading.local()


@dataclass
class JobRuntime:
    """What every job of one broker runs with; built once by ``setup_broker``."""

    settings: Settings
    wiring: Wiring
    _store: ObjectStore | None = field(default=None, init=False, repr=False)
    _store_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    async def object_store(self) -> ObjectStore:
        """The object store, built and started (bucket checked) once per runtime."""
        if self._store is None:
            store = build_object_store(self.settings)
            await store.start()
            with self._store_lock:
                if self._store is None:
                    self._store = store
        return self._store


_runtime: contextvars.ContextVar[JobRuntime | None] = contextvars.ContextVar(
    "giamsat_job_runtime", default=None
)


@contextmanager
def running(runtime: JobRuntime) -> Iterator[None]:
    """Bind ``runtime`` while a job runs (the broker's actor wrapper does this)."""
    token = _runtime.set(runtime)
    try:
        yield
    finally:
        _runtime.reset(token)


def current_runtime() -> JobRuntime | None:
    """The runtime of the running job (None outside a job)."""
    return _runtime.get()


@dataclass(frozen=True)
class WorkerContext:
    runtime: JobRuntime
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # The read replica's engine (GIAMSAT_DATABASE_REPLICA_URL), None without one.
    read_engine: AsyncEngine | None = None

    @property
    def read_sessions(self) -> async_sessionmaker[AsyncSession]:
        """Sessions for reads that may lag the primary (a report's data): the replica's,
        READ ONLY, when there is one; the primary's otherwise (``service.readonly``)."""
        if self.read_engine is None:
            return self.sessions
        return self.runtime.wiring.sessions(self.read_engine)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def wiring(self) -> Wiring:
        return self.runtime.wiring

    async def object_store(self) -> ObjectStore:
        return await self.runtime.object_store()

    def session_scope(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A unit of work: commits on a clean exit, rolls back on an exception."""
        return session_scope(self.sessions)


def worker_context() -> WorkerContext:
    """The running job's context; use it inside a coroutine run by ``run_async``."""
    runtime = current_runtime()
    if runtime is None:
        raise NotWired(
            "worker_context() is for jobs run by a broker from"
            " service.jobs.broker.setup_broker(settings, wiring)"
        )
    context: WorkerContext | None = getattr(_local, "context", None)
    if context is None or context.runtime is not runtime:
        settings = runtime.settings
        engine = create_async_engine(
            async_url(settings.require_database_url()),
            pool_size=2,
            max_overflow=2,
            pool_pre_ping=True,
            hide_parameters=True,
            connect_args={
                "server_settings": {"timezone": "UTC", "application_name": "giamsat-worker"}
            },
        )
        context = WorkerContext(
            runtime=runtime,
            engine=engine,
            sessions=runtime.wiring.sessions(engine),
            read_engine=create_replica_engine(
                settings, pool_size=1, application_name="giamsat-worker"
            ),
        )
        _local.context = context
    return context


async def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """What most jobs do: ``work`` in one unit of work of the running job's database
    (committed when it returns, rolled back if it raises); its result."""
    async with worker_context().session_scope() as session:
        return await work(session)


def _thread_loop() -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
    return loop


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on this thread's event loop (not from inside a loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        coro.close()
        raise RuntimeError("run_async() is for synchronous code; await the coroutine instead")
    loop = _thread_loop()
    try:
        return loop.run_until_complete(coro)
    except BaseException:
        # A time limit interrupts the thread mid-await; cancel what is left (rolling back
        # open sessions) so the loop is clean for the next message. If even that fails,
        # start the next message on a fresh loop and engine.
        try:
            _cancel_leftovers(loop)
        except BaseException:
            _local.__dict__.clear()
        raise


def close_thread_context() -> None:
    """Dispose of the calling thread's engine and close its loop (at thread shutdown)."""
    context: WorkerContext | None = getattr(_local, "context", None)
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is not None and not loop.is_closed():
        if context is not None:
            loop.run_until_complete(context.engine.dispose())
            if context.read_engine is not None:
                loop.run_until_complete(context.read_engine.dispose())
        loop.close()
    _local.__dict__.clear()
