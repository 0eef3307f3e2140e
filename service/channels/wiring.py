"""What the channels package plugs into the platform: its publish job."""

from service.channels import tasks
from service.kernel.wiring import WiringBuilder
from service.settings import Settings


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.add_jobs(tasks)
