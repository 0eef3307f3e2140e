"""What the replies package plugs into the platform at start-up (idempotent)."""

from service.deadlines.recompute import register_clock_table
from service.replies.models import Referral


def register() -> None:
    """Referral clocks move when the working-day calendar changes."""
    register_clock_table(Referral)
