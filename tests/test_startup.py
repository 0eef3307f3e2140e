"""Start-up stays cheap: what a `giamsat serve` worker imports before it can answer the
server's health check carries no PDF renderer, bench or job machinery.

Every worker process of `giamsat serve --workers N` re-imports the parent's ``__main__``
(``service.cli``, multiprocessing's spawn) and then the app; WeasyPrint alone took seconds,
enough for uvicorn to kill workers that had not answered its 5 s health check yet.
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("weasyprint", "fontTools", "pydyf", "bench", "dramatiq", "litestar", "sqlalchemy")


def _modules_after(statement: str) -> set[str]:
    code = (
        "import json, sys\n"
        f"{statement}\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(completed.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_command_module() -> None:
    loaded = _modules_after("import service.cli")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_looking_up_a_command_loads_only_that_command() -> None:
    loaded = _modules_after(
        "import click, service.cli\n"
        "service.cli.main.get_command(click.Context(service.cli.main), 'seed')"
    )
    assert "weasyprint" not in loaded
    assert "bench" not in loaded


@pytest.mark.parametrize("module", ["service.app", "reports.controllers", "reports.tasks"])
def test_the_app_imports_no_pdf_renderer(module: str) -> None:
    loaded = _modules_after(f"import {module}")
    assert "weasyprint" not in loaded
    assert "bench" not in loaded


def test_every_command_is_still_reachable() -> None:
    from click.testing import CliRunner

    from service.cli import LAZY_COMMANDS, main

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for name in [*LAZY_COMMANDS, "serve", "migrate", "demo"]:
        assert name in result.output


def test_several_production_workers_need_the_shared_redis() -> None:
    import base64
    import os

    from click.testing import CliRunner

    from service.cli import main

    secrets = {  # strong ones, so that only the missing Redis is wrong
        "GIAMSAT_JWT_SECRET": os.urandom(32).hex(),
        "GIAMSAT_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "GIAMSAT_BROKER_URL": "amqp://giamsat:a-long-broker-password@127.0.0.1:5672/",
    }
    result = CliRunner().invoke(
        main,
        ["serve", "--workers", "2"],
        env={"GIAMSAT_ENVIRONMENT": "production", "GIAMSAT_REDIS_URL": "", **secrets},
    )
    assert result.exit_code != 0
    assert "GIAMSAT_REDIS_URL" in result.output
