"""dramatiq middleware: record jobs that exhausted their retries, expose the current outbox
id to actors, and clean up each worker thread's event loop and engine."""

from __future__ import annotations

import contextvars
import traceback
from typing import Any

import dramatiq
import psycopg
import structlog
from dramatiq.middleware import Middleware
from psycopg.types.json import Jsonb

from service.jobs import context
from service.jobs.queues import job_queue
from service.scrub import describe_failure, internal_names, scrub
from service.settings import Settings

logger = structlog.get_logger(__name__)

TRACEBACK_LIMIT = 8000
ERROR_LIMIT = 2000
OUTBOX_ID_OPTION = "outbox_id"

_current_outbox_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "giamsat_outbox_id", default=None
)


def current_outbox_id() -> int | None:
    """The outbox row the running job was published from (None outside a job).

    A relay that crashes between publishing and marking a row sent publishes it again, so
    the same outbox id can arrive twice; an actor can use it as an idempotency key.
    """
    return _current_outbox_id.get()


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as a plain libpq one (for psycopg)."""
    for prefix in ("postgresql+asyncpg://", "postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def _truncate_traceback(text: str) -> str:
    if len(text) <= TRACEBACK_LIMIT:
        return text
    # The innermost frames (at the end) say the most.
    return "…(truncated)\n" + text[-TRACEBACK_LIMIT:]


class OutboxDelivery(Middleware):
    """Makes the message's outbox id available through ``current_outbox_id()``."""

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        value = message.options.get(OUTBOX_ID_OPTION)
        _current_outbox_id.set(int(value) if value is not None else None)

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: Any,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        _current_outbox_id.set(None)

    after_skip_message = after_process_message  # type: ignore[assignment]


class FailureRecorder(Middleware):
    """Writes a ``job_failure`` row for every message the broker gives up on.

    That is a nack: retries exhausted (or a ``throws`` exception), an age limit passed, or
    no actor of that name on this worker. The row is written on its own short psycopg
    connection (failures are rare, and this runs in a worker thread, outside any event loop).
    """

    def __init__(self, settings: Settings) -> None:
        # The broker's own settings: a nack happens outside any job, so the job runtime is
        # not bound here.
        self.database_url = settings.database_url
        self.hide = internal_names(settings)

    def after_nack(self, broker: dramatiq.Broker, message: Any) -> None:
        # The worker stuffs the exception into the message before nacking it.
        self._record(broker, message, getattr(message, "_exception", None))

    def _record(
        self, broker: dramatiq.Broker, message: Any, exception: BaseException | None
    ) -> None:
        if exception is None:
            error = "the message was rejected"
            trace = None
        else:
            # Admins read these: no internal address (a broker URL, a store's host and
            # bucket) in the error or the traceback; the worker's log has them.
            hide = self.hide
            error = describe_failure(exception, hide=hide)[:ERROR_LIMIT]
            trace = _truncate_traceback(
                scrub(
                    message.options.get("traceback")
                    or "".join(traceback.format_exception(exception)),
                    hide=hide,
                )
            )
        outbox_id = message.options.get(OUTBOX_ID_OPTION)
        try:
            if not self.database_url:
                raise RuntimeError("no database configured")
            with psycopg.connect(
                libpq_url(self.database_url), autocommit=True, connect_timeout=10
            ) as conn:
                conn.execute(
                    "INSERT INTO job_failure"
                    " (message_id, outbox_id, job_name, queue, args, error, traceback)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (
                        message.message_id,
                        int(outbox_id) if outbox_id is not None else None,
                        message.actor_name,
                        job_queue(broker, message.queue_name),
                        Jsonb(dict(message.kwargs)),
                        error,
                        trace,
                    ),
                )
        except Exception:
            # The broker still dead-letters the message; the log keeps the evidence.
            logger.exception(
                "job_failure_not_recorded", message_id=message.message_id, job=message.actor_name
            )


class ThreadCleanup(Middleware):
    """Closes each worker thread's event loop and engine when the thread stops."""

    def before_worker_thread_shutdown(self, broker: dramatiq.Broker, thread: Any) -> None:
        context.close_thread_context()
