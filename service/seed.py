"""``giamsat seed``: every kind of reference data, idempotently.

The directory (units, agencies, categories, routing rules, calendar) and the deadline policy
live in different packages; this is the one place that seeds them all, used by the CLI and
by ``giamsat demo``.
"""

import asyncio
from dataclasses import dataclass

import click
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import command_session
from service.deadlines.policy import seed_default_policy
from service.directory.cache import changed as reference_changed
from service.directory.seed import SeedReport, seed_reference_data
from service.settings import Settings


@dataclass(frozen=True)
class SeedAllReport:
    directory: SeedReport
    deadline_policies_added: int


async def seed_all(session: AsyncSession) -> SeedAllReport:
    directory = await seed_reference_data(session)
    report = SeedAllReport(directory, await seed_default_policy(session))
    await reference_changed(session)  # running processes reload their reference cache
    return report


async def _seed(settings: Settings) -> SeedAllReport:
    from service.wiring import build_wiring

    # A calendar seeded over running clocks awaits the calendar hooks (a recompute job).
    async with command_session(settings, build_wiring(settings).sessions) as session:
        return await seed_all(session)


@click.command("seed")
@click.pass_obj
def seed(settings: Settings) -> None:
    """Load the reference data: units, agencies, categories, routing rules, calendar and
    deadline policy.

    Safe to run again: units are refreshed from the vietnam-provinces package; the rest is
    added once per data set and never overwrites what an administrator changed.
    """
    report = asyncio.run(_seed(settings))
    for name, value in report.directory.counts().items():
        click.echo(f"{name}: {value}")
    click.echo(f"unit rows written: {report.directory.units_written}")
    applied = ", ".join(report.directory.sets_applied) or "none (already seeded)"
    click.echo(f"data sets applied: {applied}")
    click.echo(f"deadline policies added: {report.deadline_policies_added}")
