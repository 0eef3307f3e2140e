"""``giamsat seed``: load or refresh the reference data (idempotent)."""

import asyncio
from typing import TYPE_CHECKING

import click

from service.db import create_engine, session_factory, session_scope
from service.settings import Settings

if TYPE_CHECKING:
    from service.directory.seed import SeedReport


async def seed_command(settings: Settings) -> "SeedReport":
    from service.directory.seed import seed_reference_data

    engine = create_engine(settings)
    try:
        async with session_scope(session_factory(engine)) as session:
            report = await seed_reference_data(session)
    finally:
        await engine.dispose()
    return report


@click.command("seed")
@click.pass_obj
def seed(settings: Settings) -> None:
    """Load the reference data: units, agencies, categories, routing rules, calendar.

    Safe to run again: units are refreshed from the vietnam-provinces package; the rest is
    added once per data set and never overwrites what an administrator changed.
    """
    report = asyncio.run(seed_command(settings))
    for name, value in report.counts().items():
        click.echo(f"{name}: {value}")
    click.echo(f"unit rows written: {report.units_written}")
    click.echo(f"data sets applied: {', '.join(report.sets_applied) or 'none (already seeded)'}")
