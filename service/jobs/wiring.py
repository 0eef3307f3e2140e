"""The jobs package's own housekeeping: the outbox purge, hourly; the history tables' coming
year partitions, daily."""

from service.jobs import tasks
from service.kernel.wiring import WiringBuilder
from service.settings import Settings

PURGE_OUTBOX_EVERY_SECONDS = 3600
HISTORY_PARTITIONS_EVERY_SECONDS = 86400


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.add_jobs(tasks)
    builder.schedule("jobs.purge_outbox", every_seconds=PURGE_OUTBOX_EVERY_SECONDS)
    builder.schedule(
        "jobs.ensure_history_partitions", every_seconds=HISTORY_PARTITIONS_EVERY_SECONDS
    )
