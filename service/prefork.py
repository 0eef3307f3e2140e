"""``giamsat serve --workers N``: build the app once, then fork the workers from it.

uvicorn starts each worker with multiprocessing's *spawn*: a fresh interpreter that imports
``service.cli`` and then ``service.asgi`` (every domain, ``create_app``) again, N times at once
on the machine's cores; four workers on two cores took 48 s to come up. Here the supervisor
loads the app once (uvicorn's own ``Config.load``), and uvicorn's own supervisor
(``Multiprocess``: health checks, a dead worker replaced, SIGHUP/SIGTTIN/SIGTTOU) starts the
workers with *fork*: each inherits the built app copy-on-write and only runs its lifespan.
A worker that dies is replaced by a fork too, in a fraction of a second. The built app is
moved out of the garbage collector's reach (``gc.freeze``) before the forks, as Python's
documentation advises for fork without exec, so the workers' collections do not write to
(and so copy) the pages they share.

This is the pre-fork model of gunicorn's ``--preload`` and of uvicorn's proposed ``--preload``
(Kludex/uvicorn#3031, not released): uvicorn takes its start method from one module attribute,
``uvicorn._subprocess.spawn``, which is swapped for the fork context while the supervisor
runs. Where that attribute is missing (another uvicorn) or there is no fork (not POSIX),
``preforking_supported()`` is false and the workers are spawned as before.

What the parent builds must survive a fork: nothing connects before a request (the SQLAlchemy
pool, Redis and the object store's client connect lazily, in the worker), no event loop exists
yet, and the one thread, the listener of Litestar's logging queue, is stopped before each fork
and started again on both sides (a forked queue with no listener would swallow the worker's
Litestar log records and grow without bound); a forked worker leaves by ``os._exit``, without
``atexit``, so it drains the queue in a multiprocessing finalizer instead. A worker gets the
signal dispositions a spawned one has, not the supervisor's.
"""

from __future__ import annotations

import gc
import logging
import logging.handlers
import multiprocessing
import multiprocessing.util
import os
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn


def preforking_supported() -> bool:
    from uvicorn import _subprocess

    return (
        hasattr(os, "register_at_fork")
        and "fork" in multiprocessing.get_all_start_methods()
        and hasattr(_subprocess, "spawn")
    )


def run_preforked(config: uvicorn.Config) -> None:
    """Serve ``config`` (an import string, ``config.workers`` > 1) with forked workers."""
    from uvicorn import _subprocess
    from uvicorn.supervisors.multiprocess import SIGNALS, Multiprocess

    config.load()  # imports the app here, once; a worker finds config.loaded and skips it
    # What was built stays shared: the workers' collections do not touch (and so copy) it.
    gc.freeze()
    sockets = [config.bind_socket()]
    os.register_at_fork(
        before=_stop_log_listeners,
        after_in_parent=_start_log_listeners,
        after_in_child=lambda: _as_spawned_worker(list(SIGNALS)),
    )
    spawn = _subprocess.spawn
    _subprocess.spawn = multiprocessing.get_context("fork")  # type: ignore[assignment]
    try:
        Multiprocess(config, sockets=sockets).run()
    except KeyboardInterrupt:  # as uvicorn.run: Ctrl-C is a way to stop
        pass
    finally:
        _subprocess.spawn = spawn
        for sock in sockets:
            sock.close()


def _log_listeners() -> list[logging.handlers.QueueListener]:
    """The listeners of the queue handlers on any logger (Litestar's logging config)."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    handlers = [h for lg in loggers if isinstance(lg, logging.Logger) for h in lg.handlers]
    listeners = [getattr(handler, "listener", None) for handler in handlers]
    return [item for item in listeners if isinstance(item, logging.handlers.QueueListener)]


def _stop_log_listeners() -> None:
    for listener in _log_listeners():
        if listener._thread is not None:  # type: ignore[attr-defined]
            listener.stop()  # drains the queue, then joins its thread


def _start_log_listeners() -> None:
    for listener in _log_listeners():
        if listener._thread is None:  # type: ignore[attr-defined]
            listener.start()


def _as_spawned_worker(supervisor_signals: list[int]) -> None:
    """In a new worker: the signal handlers of a fresh interpreter (uvicorn's server installs
    its own for SIGINT/SIGTERM while it serves), and the logging listeners running."""
    for sig in supervisor_signals:
        signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)
    _start_log_listeners()
    multiprocessing.util.Finalize(None, _stop_log_listeners, exitpriority=0)
