"""``giamsat audit verify``: seal what is pending, then check the whole chain."""

import asyncio
import sys

import click

from service.audit.chain import VerifyResult, seal_pending, verify
from service.db import create_engine, session_factory, session_scope
from service.settings import Settings


async def verify_chain(settings: Settings) -> VerifyResult:
    engine = create_engine(settings)
    try:
        sessions = session_factory(engine)
        async with session_scope(sessions) as session:
            await seal_pending(session)
        async with session_scope(sessions) as session:
            return await verify(session)
    finally:
        await engine.dispose()


@click.group("audit")
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@click.pass_obj
def verify_command(settings: Settings) -> None:
    """Seal pending events, recompute the hash chain, report the first broken link."""
    result = asyncio.run(verify_chain(settings))
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} events checked")
        if result.unsealed:
            click.echo(f"{result.unsealed} newer events are not sealed yet")
        return
    click.echo(
        f"audit chain BROKEN at seq {result.first_broken_seq} "
        f"after {result.checked} intact events: {result.problem}",
        err=True,
    )
    sys.exit(1)
