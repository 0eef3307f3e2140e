"""Building the dramatiq broker from settings and declaring the registered jobs on it.

Nothing here runs at import time: ``setup_broker(settings, wiring)`` is called by the worker,
the CLI and tests, each getting a fresh broker with the wiring's jobs declared as actors (each
actor runs with that broker's ``JobRuntime``: settings, wiring, object store).

Jobs name a queue (``"default"``); on the broker it is ``<namespace>.<queue>``
(``GIAMSAT_QUEUE_NAMESPACE``, e.g. ``giamsat.default``), so that two deployments sharing a
RabbitMQ vhost or a Redis database never consume each other's messages. The database (outbox
rows, failed jobs) keeps the job's own queue name; ``broker_queue`` and ``job_queue``
translate, and every place that names a queue to the broker goes through them.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from service.jobs import context
from service.jobs.context import JobRuntime
from service.jobs.middleware import FailureRecorder, OutboxDelivery, ThreadCleanup
from service.jobs.queues import QueueNamespace, broker_queue, job_queue, namespace_of
from service.jobs.registry import JobSpec
from service.kernel.wiring import Wiring
from service.settings import BrokerKind, Settings

__all__ = ["broker_queue", "job_queue", "namespace_of"]

MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 10 * 60 * 1_000
TIME_LIMIT_MS = 10 * 60 * 1_000
PING_TIMEOUT_SECONDS = 2.0


def _middleware(settings: Settings) -> list[Middleware]:
    return [
        QueueNamespace(settings.queue_namespace),
        AgeLimit(),
        TimeLimit(time_limit=TIME_LIMIT_MS),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        CurrentMessage(),  # an actor may read its retry count (reports.render)
        OutboxDelivery(),
        FailureRecorder(settings),
        Retries(
            max_retries=settings.job_max_retries,
            min_backoff=MIN_BACKOFF_MS,
            max_backoff=MAX_BACKOFF_MS,
        ),
        ThreadCleanup(),
    ]


def build_broker(settings: Settings) -> dramatiq.Broker:
    """A broker for ``settings.broker`` (no actors declared, not made global)."""
    middleware = _middleware(settings)
    if settings.broker is BrokerKind.stub:
        return StubBroker(middleware=middleware)
    if settings.broker is BrokerKind.redis:
        from dramatiq.brokers.redis import RedisBroker

        # Its own bookkeeping keys (heartbeats, acks) under the namespace too.
        return RedisBroker(
            url=settings.broker_url, middleware=middleware, namespace=settings.queue_namespace
        )
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    # Publisher confirms: the relay marks an outbox row sent only once RabbitMQ has it.
    return RabbitmqBroker(url=settings.broker_url, middleware=middleware, confirm_delivery=True)


def _actor_function(spec: JobSpec, runtime: JobRuntime) -> Callable[..., Any]:
    """The job, run with ``runtime`` bound (``worker_context()``) and, when it is a
    coroutine function, on the worker thread's event loop."""
    fn = spec.fn
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with context.running(runtime):
                return context.run_async(fn(*args, **kwargs))

    else:

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with context.running(runtime):
                return fn(*args, **kwargs)

    return run


def declare_jobs(broker: dramatiq.Broker, runtime: JobRuntime) -> None:
    """Declare every job of ``runtime.wiring`` as an actor on ``broker``."""
    for spec in runtime.wiring.jobs.values():
        if spec.name in broker.actors:
            continue
        options = dict(spec.options)
        if spec.max_retries is not None:
            options["max_retries"] = spec.max_retries
        dramatiq.actor(
            actor_name=spec.name,
            queue_name=broker_queue(broker, spec.queue),
            broker=broker,
            **options,
        )(_actor_function(spec, runtime))


def setup_broker(settings: Settings, wiring: Wiring) -> dramatiq.Broker:
    """Build the broker, make it dramatiq's global one, and declare the wiring's jobs on it.

    Its jobs run with ``settings`` and ``wiring`` (``worker_context()``), whatever other
    broker the process may have set up.
    """
    runtime = JobRuntime(settings=settings, wiring=wiring)
    broker = build_broker(settings)
    declare_jobs(broker, runtime)
    dramatiq.set_broker(broker)
    return broker


def start_worker(
    broker: dramatiq.Broker, *, threads: int = 4, queues: set[str] | None = None
) -> dramatiq.Worker:
    """Start in-process worker threads (the dramatiq CLI's boot sequence, minus the forking).

    ``queues`` limits consumption to those job queues (tests use a queue of their own);
    without it the worker consumes every declared queue, all of them in its namespace.
    """
    broker.emit_after("process_boot")
    names = {broker_queue(broker, queue) for queue in queues} if queues is not None else None
    worker = dramatiq.Worker(broker, worker_threads=threads, queues=names)
    worker.start()
    return worker


def _ping_rabbitmq(url: str) -> None:
    import pika

    parameters = pika.URLParameters(url)
    parameters.socket_timeout = PING_TIMEOUT_SECONDS
    parameters.stack_timeout = PING_TIMEOUT_SECONDS
    parameters.blocked_connection_timeout = PING_TIMEOUT_SECONDS
    parameters.connection_attempts = 1
    connection = pika.BlockingConnection(parameters)
    connection.close()


def _ping_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(
        url, socket_connect_timeout=PING_TIMEOUT_SECONDS, socket_timeout=PING_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    finally:
        client.close()


async def broker_ping(settings: Settings) -> None:
    """Connect to the broker and close again; raises when it is unreachable."""
    if settings.broker is BrokerKind.stub:
        return
    ping = _ping_redis if settings.broker is BrokerKind.redis else _ping_rabbitmq
    await asyncio.wait_for(
        asyncio.to_thread(ping, settings.broker_url), timeout=PING_TIMEOUT_SECONDS + 1
    )
