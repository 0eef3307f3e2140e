"""What the open data plugs in: the daily build job and its schedule."""

from service.kernel.wiring import WiringBuilder
from service.opendata import tasks
from service.settings import Settings

# Once per UTC day (07:00 in Hanoi): the day's files hold what was public before midnight.
BUILD_EVERY_SECONDS = 24 * 60 * 60


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.add_jobs(tasks)
    builder.schedule("opendata.build", every_seconds=BUILD_EVERY_SECONDS)
