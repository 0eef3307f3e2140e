"""The reports package's jobs: rendering and delivering reports."""

from reports import tasks
from service.kernel.wiring import WiringBuilder
from service.settings import Settings


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.add_jobs(tasks)
