"""What oversight plugs into the platform: the item provider for recommendations, and the
referral events that move a recommendation's state."""

from service.kernel.wiring import WiringBuilder
from service.oversight.provider import provider
from service.oversight.service.recommendations import ITEM_TYPE, apply_referral_event
from service.replies import events
from service.replies.providers import check_item_provider
from service.settings import Settings

FOLLOWED_EVENTS = events.ITEM_STATE_EVENTS


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.provide(ITEM_TYPE, check_item_provider(provider))
    for name in FOLLOWED_EVENTS:
        builder.subscribe(name, apply_referral_event)
