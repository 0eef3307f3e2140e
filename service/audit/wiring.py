"""The audit package's sealer: a job and its schedule (every few seconds)."""

from service.audit import tasks
from service.kernel.wiring import WiringBuilder
from service.settings import Settings


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.add_jobs(tasks)
    builder.schedule("audit.seal", every_seconds=tasks.SEAL_EVERY_SECONDS)
