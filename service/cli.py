"""The ``giamsat`` command line.

Each package that has commands defines them in its own ``cli.py``; they are attached below.
"""

import asyncio

import click

from bench.cli import bench
from reports.cli import report
from service.audit.cli import audit
from service.jobs.cli import jobs, worker
from service.seed import seed
from service.settings import Settings


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """giamsat: petitions, supervision and reports for the Vietnam Fatherland Front."""
    ctx.obj = Settings()


@main.command()
@click.pass_obj
def migrate(settings: Settings) -> None:
    """Bring the database schema up to date (alembic upgrade heads)."""
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
    import uvicorn

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


@main.command()
@click.pass_obj
def demo(settings: Settings) -> None:
    """Run everything locally: embedded PostgreSQL and Redis, API, worker, demo data."""
    from service.demo import run_demo

    run_demo(settings)


main.add_command(worker)
main.add_command(jobs)
main.add_command(audit)
main.add_command(seed)
main.add_command(report)
main.add_command(bench)
