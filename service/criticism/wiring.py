"""What social criticism plugs into the platform: the item provider for the points of its
criticism, and the referral events that move a point's state."""

from service.criticism.provider import provider
from service.criticism.service import ITEM_TYPE, apply_referral_event
from service.kernel.wiring import WiringBuilder
from service.replies import events
from service.replies.providers import check_item_provider
from service.settings import Settings

FOLLOWED_EVENTS = (
    events.ACKNOWLEDGED,
    events.EXTENSION_GRANTED,
    events.ANSWER_PUBLISHED,
    events.REOPENED,
    events.OVERDUE,
    events.CANCELLED,
)


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.provide(ITEM_TYPE, check_item_provider(provider))
    for name in FOLLOWED_EVENTS:
        builder.subscribe(name, apply_referral_event)
