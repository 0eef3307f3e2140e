"""Running async code from dramatiq's worker threads.

Worker threads are plain threads. ``run_async(coro)`` runs a coroutine on an event loop that
belongs to the calling thread (created on first use, reused for every later message), and
``worker_context()`` gives that thread the process's settings, an engine and sessions.

asyncpg connections belong to the event loop that opened them, so an engine cannot be shared
between loops: each worker thread gets its own small engine (two pooled connections) built
from the process's settings, disposed when the thread shuts down. The settings are the ones
``service.jobs.broker.setup_broker`` was given.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from service.db import async_url, session_factory, session_scope
from service.settings import Settings

T = TypeVar("T")

_settings: Settings | None = None
_local = threading.local()


def configure(settings: Settings) -> None:
    """Set the settings that this process's jobs run with."""
    global _settings
    _settings = settings


def process_settings() -> Settings:
    if _settings is None:
        raise RuntimeError("jobs are not configured: call service.jobs.broker.setup_broker()")
    return _settings


@dataclass(frozen=True)
class WorkerContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    def session_scope(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A unit of work: commits on a clean exit, rolls back on an exception."""
        return session_scope(self.sessions)


def worker_context() -> WorkerContext:
    """The calling thread's context; use it inside a coroutine run by ``run_async``."""
    settings = process_settings()
    context: WorkerContext | None = getattr(_local, "context", None)
    if context is None or context.settings is not settings:
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
        context = WorkerContext(settings=settings, engine=engine, sessions=session_factory(engine))
        _local.context = context
    return context


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
        loop.close()
    _local.__dict__.clear()
