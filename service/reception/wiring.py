"""What online reception plugs into the platform: its jobs and the periodic sweep."""

from service.kernel.wiring import WiringBuilder
from service.reception import tasks
from service.settings import Settings


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.add_jobs(tasks)
    builder.schedule("reception.sweep", every_seconds=tasks.SWEEP_EVERY_SECONDS)
