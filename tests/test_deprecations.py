"""Building the app emits no deprecation warning of ours (issue 15): every handler declares
its dependencies, path, query and header parameters and body with Litestar's explicit
markers (``scripts/codemod_litestar_markers.py`` writes them), so Litestar 3 finds what
Litestar 2 inferred.

pyproject.toml makes any ``LitestarDeprecationWarning`` an error in every test; these tests
say it once, on purpose, and catch the warnings raised while our modules are imported too
(``Parameter(query=...)`` warns when it is called, at import), in a fresh interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CODEMOD = ROOT / "scripts" / "codemod_litestar_markers.py"

# Every module with route handlers: the app's packages and the reports.
SOURCES = [ROOT / "service", ROOT / "reports"]

BUILD = """
import warnings

warnings.simplefilter("error", DeprecationWarning)  # LitestarDeprecationWarning is one
# Not ours: SQLAlchemy (2.0) warns that advanced_alchemy's own mixins still use
# ``declarative_mixin``, when advanced_alchemy is imported.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"advanced_alchemy(\\.|$)")

from service.app import create_app
from service.settings import Settings

create_app(Settings())
print("built")
"""


def _environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "GIAMSAT_DATABASE_URL": settings.database_url,
        "GIAMSAT_DATA_DIR": str(settings.data_dir),
        "GIAMSAT_BROKER": "stub",
        "GIAMSAT_JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "GIAMSAT_LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "",
    }


def test_building_the_app_emits_no_deprecation_warning(settings: Settings) -> None:
    """The whole app, every domain included, imported and built with warnings as errors."""
    done = subprocess.run(
        [sys.executable, "-c", BUILD],
        cwd=ROOT,
        env=_environment(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("built")


def test_every_handler_declares_its_parameters_explicitly() -> None:
    """What the build cannot see once the modules are imported (a ``Parameter(query=...)``
    at import time): the codemod finds nothing left to rewrite anywhere."""
    done = subprocess.run(
        [sys.executable, str(CODEMOD), "--check", *map(str, SOURCES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


SAMPLE = """
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import Parameter

Limit = Annotated[int, Parameter(ge=1, le=100)]
IfMatch = Parameter(header="If-Match", default=None, required=False)


class Things(Controller):
    path = "/units/{unit_id:uuid}/things"

    @get("/{thing_id:int}")
    async def read(
        self,
        unit_id: uuid.UUID,
        thing_id: Annotated[int, Parameter(ge=1)],
        db_session: AsyncSession,
        states: list[str] | None = Parameter(query="state", default=None),
        q: str | None = Parameter(default=None, max_length=10),
        limit: Limit = 20,
        since: datetime | None = None,
        tag: IfMatch_ = None,
    ) -> None: ...

    @post("/")
    async def change(
        self,
        data: Thing,
        unit_id: uuid.UUID,
        etag: str | None = IfMatch,
    ) -> None: ...
"""

EXPECTED = """
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import Parameter
from litestar.di import NamedDependency
<the new litestar.params import>

Limit = Annotated[int, QueryParameter(ge=1, le=100)]
class Things(Controller):
    path = "/units/{unit_id:uuid}/things"

    @get("/{thing_id:int}")
    async def read(
        self,
        unit_id: FromPath[uuid.UUID],
        thing_id: Annotated[int, PathParameter(ge=1)],
        db_session: NamedDependency[AsyncSession],
        states: Annotated[list[str] | None, QueryParameter(name="state")] = None,
        q: Annotated[str | None, QueryParameter(max_length=10)] = None,
        limit: Limit = 20,
        since: FromQuery[datetime | None] = None,
        tag: FromQuery[IfMatch_] = None,
    ) -> None: ...

    @post("/")
    async def change(
        self,
        data: RequestBody[Thing],
        unit_id: FromPath[uuid.UUID],
        etag: Annotated[str | None, HeaderParameter(name="If-Match", required=False)] = None,
    ) -> None: ...
"""


PARAMS = "FromPath, FromQuery, HeaderParameter, PathParameter, QueryParameter, RequestBody"
EXPECTED = EXPECTED.replace(
    "<the new litestar.params import>", f"from litestar.params import {PARAMS}"
)


def test_the_codemod_writes_every_marker_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    sample = tmp_path / "controllers.py"
    sample.write_text(SAMPLE)
    command = [sys.executable, str(CODEMOD), "--no-ruff", "--scan", str(tmp_path), str(sample)]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    assert sample.read_text() == EXPECTED
    again = subprocess.run([*command[:2], "--check", *command[2:]], capture_output=True)
    assert again.returncode == 0, again.stdout
