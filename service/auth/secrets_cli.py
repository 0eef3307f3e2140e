"""``giamsat secrets generate`` and ``giamsat secrets reencrypt``."""

from __future__ import annotations

import asyncio
import secrets as random

import click

from service.settings import Settings


@click.group("secrets")
def secrets() -> None:
    """Secrets: generate fresh ones; re-encrypt stored data after a key rotation."""


@secrets.command("generate")
def generate() -> None:
    """Print fresh values for the secret settings, as lines for .env."""
    from service.auth.crypto import generate_key

    click.echo(
        "# Add to .env (or the service's environment); keep them out of version control.\n"
        "# Rotating the encryption key: move the current GIAMSAT_ENCRYPTION_KEY into\n"
        "# GIAMSAT_ENCRYPTION_OLD_KEYS (comma-separated), set the new one, restart, then run\n"
        "# `giamsat secrets reencrypt`; drop the old keys once it reports nothing left."
    )
    click.echo(f"GIAMSAT_JWT_SECRET={random.token_urlsafe(48)}")
    click.echo(f"GIAMSAT_ENCRYPTION_KEY={generate_key()}")
    click.echo("# for GIAMSAT_STORAGE_BACKEND=s3 (and the same as MinIO's root password):")
    click.echo(f"# GIAMSAT_S3_SECRET_KEY={random.token_urlsafe(30)}")


async def _reencrypt(settings: Settings, batch_size: int) -> list[str]:
    from service.auth.rotation import reencrypt_all
    from service.db import create_engine, session_factory

    engine = create_engine(settings)
    try:
        results = await reencrypt_all(session_factory(engine), settings, batch_size=batch_size)
    finally:
        await engine.dispose()
    lines = [result.line() for result in results]
    if any(result.undecryptable for result in results):
        raise click.ClickException(
            "; ".join(lines)
            + ". Add the key those rows were encrypted with to GIAMSAT_ENCRYPTION_OLD_KEYS."
        )
    return lines


@secrets.command("reencrypt")
@click.option("--batch-size", type=click.IntRange(min=1), default=500, show_default=True)
@click.pass_obj
def reencrypt(settings: Settings, batch_size: int) -> None:
    """Re-encrypt every encrypted column with the current GIAMSAT_ENCRYPTION_KEY (idempotent)."""
    from service.auth.secret_policy import require_safe_secrets

    require_safe_secrets(settings)
    for line in asyncio.run(_reencrypt(settings, batch_size)):
        click.echo(line)
