"""What the replies package plugs into the platform: the referral events it publishes (others
subscribe to them), its jobs and sweep, and the referral table's deadline clocks."""

from service.kernel.wiring import WiringBuilder
from service.replies import events, tasks
from service.replies.models import Referral
from service.settings import Settings


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.declare_events(events.EVENT_NAMES)
    builder.add_jobs(tasks)
    builder.schedule(tasks.SWEEP_JOB, every_seconds=tasks.SWEEP_EVERY_SECONDS)
    # Referral clocks move when the working-day calendar changes.
    builder.clock_table(Referral)
