"""The mail package's job: one letter per ``mail.send_letter`` (no schedule)."""

from service.kernel.wiring import WiringBuilder
from service.mail import tasks
from service.settings import Settings


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.add_jobs(tasks)
