"""What the petitions package plugs into the platform at start-up (idempotent): the item
provider replies uses to show petitions, the referral event handlers, and the petition
table's deadline clocks (recomputed when the working-day calendar changes)."""

from service.deadlines.recompute import register_clock_table
from service.petitions.models import Petition
from service.petitions.provider import PetitionProvider
from service.petitions.referral_events import HANDLERS
from service.replies.events import subscribe
from service.replies.providers import item_provider, register_item_provider
from service.settings import Settings


def register(settings: Settings) -> None:
    # Only when none is registered: a test may have put a stand-in there on purpose.
    if item_provider("petition") is None:
        register_item_provider("petition", PetitionProvider(settings))
    for name, handler in HANDLERS.items():
        subscribe(name, handler)
    register_clock_table(Petition)
