"""Queue names on the broker: ``<namespace>.<queue>`` (``GIAMSAT_QUEUE_NAMESPACE``).

Jobs and the database (outbox rows, failed jobs) use the job's own queue name (``default``);
the broker sees it inside the deployment's namespace, so that deployments sharing a RabbitMQ
vhost or a Redis database never take each other's messages. The namespace travels with the
broker (``QueueNamespace``, put on it by ``build_broker``).
"""

from __future__ import annotations

import dramatiq
from dramatiq.middleware import Middleware


class QueueNamespace(Middleware):
    """Carries the deployment's queue namespace on its broker (no hooks)."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace


def namespace_of(broker: dramatiq.Broker) -> str:
    for middleware in broker.middleware:
        if isinstance(middleware, QueueNamespace):
            return middleware.namespace
    raise RuntimeError("the broker was not built by service.jobs.broker.build_broker")


def broker_queue(broker: dramatiq.Broker, queue: str) -> str:
    """The broker's name for a job's queue: ``<namespace>.<queue>``."""
    return f"{namespace_of(broker)}.{queue}"


def job_queue(broker: dramatiq.Broker, name: str) -> str:
    """The job's queue for a broker queue name (also its delay or dead-letter queue)."""
    for suffix in (".DQ", ".XQ"):
        name = name.removesuffix(suffix)
    return name.removeprefix(f"{namespace_of(broker)}.")
