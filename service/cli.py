"""The ``giamsat`` command line.

Each package that has commands defines them in its own ``cli.py``; they are attached below,
lazily: ``import service.cli`` must stay cheap, because every command pays for it, and a worker
spawned by uvicorn (where ``giamsat serve`` cannot fork them, ``service.prefork``) re-imports it
(multiprocessing's spawn re-runs the parent's ``__main__``) before it can answer the server's
health check. A command's module (WeasyPrint for ``report``, dramatiq for ``worker``, the
bench) is imported only when that command runs.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from service.settings import Settings

WORKER_HEALTHCHECK_TIMEOUT_SECONDS = 30

# name -> "module:attribute" of a click command, imported on first use.
LAZY_COMMANDS = {
    "worker": "service.jobs.cli:worker",
    "jobs": "service.jobs.cli:jobs",
    "audit": "service.audit.cli:audit",
    "seed": "service.seed:seed",
    "report": "reports.cli:report",
    "bench": "bench.cli:bench",
    "secrets": "service.auth.secrets_cli:secrets",
}


class _Group(click.Group):
    """Shows domain errors and configuration problems as one line, not a traceback, and
    loads the commands of ``LAZY_COMMANDS`` only when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in LAZY_COMMANDS:
            module_name, attribute = LAZY_COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            self.add_command(command, cmd_name)
        return command

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
    from service.settings import Settings

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
    """Run the HTTP API with uvicorn (several workers: the app built once, the workers forked)."""
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

    processes = workers or settings.workers
    if processes > 1 and not settings.redis_url:
        message = (
            "GIAMSAT_REDIS_URL is not set: with several workers each process would keep "
            "its own rate-limit counters"
        )
        if settings.environment == "production":
            raise click.ClickException(message + ".")
        click.echo(f"warning: {message} (allowed outside production).", err=True)
    options: dict[str, Any] = {
        "host": host or settings.host,
        "port": port or settings.port,
        "workers": processes,
        # X-Forwarded-For is read by the app itself, from GIAMSAT_TRUSTED_PROXIES only
        # (service.ratelimit); uvicorn's own handling would trust 127.0.0.1 by default.
        "proxy_headers": False,
        "access_log": False,
        "log_config": None,
        # uvicorn kills a worker that has not answered its health check within this many
        # seconds, also while it is still starting; with more workers than cores, start-up
        # takes longer than uvicorn's default of 5 s.
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_TIMEOUT_SECONDS,
    }
    if processes > 1:
        from service.prefork import preforking_supported, run_preforked

        if preforking_supported():  # the app built once, the workers forked from it
            run_preforked(uvicorn.Config("service.asgi:app", **options))
            return
    serve_one(uvicorn.Config("service.asgi:app", **options))


def serve_one(config: Any) -> None:
    """One worker (``uvicorn.run``'s path, ``config`` a ``uvicorn.Config``), with the built app
    moved out of the garbage collector's reach (``gc.freeze``), as the forked workers have it
    (``service.prefork``): a full collection otherwise walks the million objects of the app
    (its ~300 handlers, models, templates), a 0.4-0.5 s pause of the request that triggers it
    (the council dashboard's p95 at 1M petitions, docs/benchmarks.md section 9)."""
    import contextlib
    import gc
    import sys

    import uvicorn

    config.load()  # imports the app here; the server finds config.loaded and skips it
    gc.freeze()
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run: Ctrl-C is a way to stop
        server.run()
    if not server.started:  # as uvicorn.run: a failed start-up is an exit status
        sys.exit(3)


@main.command("create-user")
@click.argument("username")
@click.option("--full-name", required=True)
@click.option("--role", required=True)
@click.option("--unit", "unit_code", default=None, help="Ward/commune code; omit for city level.")
@click.option("--agency-code", default=None, help="Agency code, for agency officers.")
@click.password_option()
@click.pass_obj
def create_user(settings: Settings, username: str, **account: Any) -> None:
    """Create a staff account."""
    from service.auth.cli import create_user_command

    # The options go through by name: create_user_command declares and types them.
    asyncio.run(create_user_command(settings, username, **account))
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
