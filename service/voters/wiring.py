"""What the voters domain plugs into the platform: the item provider of its recommendations,
the referral events that move them, and the import job."""

from service.kernel.wiring import WiringBuilder
from service.replies import events
from service.replies.providers import check_item_provider
from service.settings import Settings
from service.voters import tasks
from service.voters.provider import provider
from service.voters.service import ITEM_TYPE, apply_referral_event

FOLLOWED_EVENTS = events.ITEM_STATE_EVENTS


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.provide(ITEM_TYPE, check_item_provider(provider))
    builder.add_jobs(tasks)
    for name in FOLLOWED_EVENTS:
        builder.subscribe(name, apply_referral_event)
