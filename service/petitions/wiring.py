"""What the petitions package plugs into the platform: the item provider replies uses to show
petitions, the referral event handlers, its jobs and sweeps, and the petition table's deadline
clocks (recomputed when the working-day calendar changes). The dashboard summary's fold is one
of the scheduled jobs."""

from service.kernel.wiring import WiringBuilder
from service.petitions import tasks
from service.petitions.models import Petition
from service.petitions.provider import PetitionProvider
from service.petitions.referral_events import BATCH_HANDLERS, HANDLERS
from service.replies.providers import check_item_provider
from service.settings import Settings

SWEEP_EVERY_SECONDS = 60
PURGE_IDEMPOTENCY_KEYS_EVERY_SECONDS = 3600
# The dashboard reads the unfolded changes too: folding keeps that part small, not exact.
FOLD_COUNTS_EVERY_SECONDS = 60


def wire(builder: WiringBuilder, settings: Settings) -> None:
    builder.provide("petition", check_item_provider(PetitionProvider(settings)))
    for name, handler in HANDLERS.items():
        builder.subscribe(name, handler, batch=BATCH_HANDLERS.get(name))
    builder.clock_table(Petition)
    builder.add_jobs(tasks)
    builder.schedule("petitions.sweep", every_seconds=SWEEP_EVERY_SECONDS)
    builder.schedule(
        "petitions.purge_idempotency_keys", every_seconds=PURGE_IDEMPOTENCY_KEYS_EVERY_SECONDS
    )
    builder.schedule("petitions.fold_counts", every_seconds=FOLD_COUNTS_EVERY_SECONDS)
