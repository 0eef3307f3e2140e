"""The ``giamsat`` command line.

Each package that has commands defines them in its own ``cli.py``; they are attached below.
"""

import asyncio
from typing import Any

import click

from bench.cli import bench
from reports.cli import report
from service.audit.cli import audit
from service.auth.secrets_cli import secrets
from service.jobs.cli import jobs, worker
from service.seed import seed
from service.settings import Settings


class _Group(click.Group):
    """Shows domain errors and configuration problems as one line, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from pydantic import ValidationError

        from service.errors import ServiceError
        from service.i18n import cli_locale

        try:
            return super().invoke(ctx)
        except ServiceError as exc:
            raise click.ClickException(exc.detail.render(cli_locale())) from exc
        except ValidationError as exc:
            raise click.ClickException(str(exc)) from exc
        except RuntimeError as exc:
            if "GIAMSAT_" not in str(exc):
                raise
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Group)
@click.pass_context
def main(ctx: click.Context) -> None:
    """giamsat: petitions, supervision and reports for the Vietnam Fatherland Front."""
    ctx.obj = Settings()


@main.command()
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Bring the database schema up to date (alembic upgrade head)."""
    from service.migrations.runner import upgrade

    upgrade(settings.require_database_url())
    click.echo("database is up to date")


@main.command()
@click.option("--host", default=None, help="Bind address (default: GIAMSAT_HOST).")
@click.option("--port", type=int, default=None, help="Port (default: GIAMSAT_PORT).")
@click.option("--workers", type=int, default=None, help="Worker processes (GIAMSAT_WORKERS).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> None:
    """Run the HTTP API with uvicorn."""
    import os

    import uvicorn

    from service.auth.secret_policy import require_safe_secrets

    require_safe_secrets(settings)  # here, not only in each worker process: one clear line
    # The app reads its settings from the environment (service.asgi), in every worker: pass
    # the bind address on, so that the URLs it derives (public_base_url) name this port.
    if host:
        os.environ["GIAMSAT_HOST"] = host
    if port:
        os.environ["GIAMSAT_PORT"] = str(port)

    uvicorn.run(
        "service.asgi:app",
        factory=False,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        proxy_headers=True,
        access_log=False,
        log_config=None,
    )


@main.command("create-user")
@click.argument("username")
@click.option("--full-name", required=True)
@click.option("--role", required=True)
@click.option("--unit", "unit_code", default=None, help="Ward/commune code; omit for city level.")
@click.option("--agency-code", default=None, help="Agency code, for agency officers.")
@click.password_option()
@click.pass_obj
def create_user(
    settings: Settings,
    username: str,
    full_name: str,
    role: str,
    unit_code: str | None,
    agency_code: str | None,
    password: str,
) -> None:
    """Create a staff account."""
    from service.auth.cli import create_user_command

    asyncio.run(
        create_user_command(settings, username, full_name, role, unit_code, agency_code, password)
    )
    click.echo(f"created {username}")


@main.command("create-api-client")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, default=["petitions:write"], show_default=True)
@click.option("--rate-limit", type=int, default=120, show_default=True, help="Requests/minute.")
@click.option("--webhook-url", default=None, help="Where status notifications are POSTed.")
@click.pass_obj
def create_api_client(
    settings: Settings, name: str, scopes: tuple[str, ...], rate_limit: int, webhook_url: str | None
) -> None:
    """Register a citizen-facing app and print its API key (shown only this once)."""
    from service.auth.cli import create_api_client_command

    key = asyncio.run(
        create_api_client_command(settings, name, list(scopes), rate_limit, webhook_url)
    )
    click.echo(key)


@main.command()
@click.pass_obj
def demo(settings: Settings) -> None:
    """Run everything locally: embedded PostgreSQL and Redis, API, worker, demo data."""
    from service.auth.secret_policy import refuse_demo_in_production
    from service.demo import run_demo

    refuse_demo_in_production(settings)

    run_demo(settings)


main.add_command(worker)
main.add_command(jobs)
main.add_command(audit)
main.add_command(seed)
main.add_command(report)
main.add_command(bench)
main.add_command(secrets)
