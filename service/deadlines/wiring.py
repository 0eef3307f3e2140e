"""The deadlines package: the recompute job, enqueued by a calendar hook whenever the
working-day calendar changes (the clock tables themselves come from their domains)."""

from service.deadlines import tasks
from service.kernel.wiring import WiringBuilder
from service.settings import Settings


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.add_jobs(tasks)
    builder.on_calendar_change(tasks.schedule_recompute)
