"""What oversight plugs into the platform at start-up (idempotent): the item provider for
recommendations, and the referral events that move a recommendation's state."""

from service.oversight.provider import provider
from service.oversight.service.recommendations import ITEM_TYPE, apply_referral_event
from service.replies import events
from service.replies.providers import register_item_provider

FOLLOWED_EVENTS = (
    events.ACKNOWLEDGED,
    events.DECLINED,
    events.EXTENSION_GRANTED,
    events.ANSWER_PUBLISHED,
    events.REOPENED,
    events.ESCALATED,
    events.OVERDUE,
    events.CANCELLED,
)


def register() -> None:
    register_item_provider(ITEM_TYPE, provider)
    for name in FOLLOWED_EVENTS:
        events.subscribe(name, apply_referral_event)
