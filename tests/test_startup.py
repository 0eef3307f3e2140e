"""Start-up stays cheap: what a `giamsat serve` worker imports before it can answer the
server's health check carries no PDF renderer, bench or job machinery.

Every worker process of `giamsat serve --workers N` re-imports the parent's ``__main__``
(``service.cli``, multiprocessing's spawn) and then the app; WeasyPrint alone took seconds,
enough for uvicorn to kill workers that had not answered its 5 s health check yet.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

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


def _wait_for(condition: Callable[[], bool], seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_several_workers_are_forks_of_the_app_built_once() -> None:
    """`giamsat serve --workers 2` builds the app in the supervisor and forks the workers from
    it (they run the supervisor's command line, not a fresh interpreter of multiprocessing's
    spawn); a worker that dies is replaced by another fork, and SIGTERM stops them all."""
    import httpx

    from bench.servers import api_server, children

    giamsat = Path(sys.executable).with_name("giamsat")
    # /health and the start-up touch no database: any URL will do.
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    with api_server(url, workers=2, entry=[str(giamsat)], env={"GIAMSAT_LOG_LEVEL": "INFO"}) as api:

        def started() -> int:
            return api.log_path.read_text(errors="replace").count("Application startup complete.")

        _wait_for(lambda: started() == 2 and len(children(api.pid)) == 2)
        workers = children(api.pid)
        supervisor = Path(f"/proc/{api.pid}/cmdline").read_bytes()
        assert [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in workers] == [supervisor] * 2
        assert httpx.get(api.base_url + "/health", timeout=10).json() == {"status": "ok"}

        os.kill(workers[0], signal.SIGKILL)
        _wait_for(lambda: started() == 3 and workers[0] not in children(api.pid))
        replaced = children(api.pid)
        assert len(replaced) == 2
        assert httpx.get(api.base_url + "/health", timeout=10).json() == {"status": "ok"}

        api.process.send_signal(signal.SIGTERM)
        assert api.process.wait(timeout=60) == 0
        assert not [pid for pid in replaced if Path(f"/proc/{pid}").exists()]
        assert "Stopping parent process" in api.log_path.read_text(errors="replace")
