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
import warnings
from pathlib import Path
from typing import Any

import pytest
from litestar.utils.helpers import unwrap_partial

import service.app as app_module
from service.app import create_app
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CODEMOD = ROOT / "scripts" / "codemod_litestar_markers.py"

# The domains migrate their own controllers (issue 15, one helper each); the platform's
# routes are everything else.
DOMAINS = ("service.petitions", "service.replies", "service.oversight", "reports")
PLATFORM_SOURCES = sorted(
    path
    for path in (ROOT / "service").iterdir()
    if (path.is_dir() or path.suffix == ".py")
    and f"service.{path.stem}" not in DOMAINS
    and path.name not in ("migrations", "static", "__pycache__")
)

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


def _in_a_domain(route: Any) -> bool:
    owner = route if isinstance(route, type) else unwrap_partial(getattr(route, "fn", route))
    module = getattr(owner, "__module__", "") or ""
    return module.startswith(DOMAINS)


def test_the_platform_routes_emit_no_deprecation_warning(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Health, auth, directory, jobs, storage, audit and the docs: built without the domains'
    routes (which their own branches migrate), with warnings as errors."""
    every_route = app_module._api_routes
    platform = [route for route in every_route() if not _in_a_domain(route)]
    assert platform
    assert len(platform) < len(every_route())
    monkeypatch.setattr(app_module, "_api_routes", lambda: platform)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        create_app(settings)


def test_the_platform_declares_every_parameter_explicitly() -> None:
    """What the build cannot see once the modules are imported (a ``Parameter(query=...)``
    at import time): the codemod finds nothing left to rewrite outside the domains."""
    assert PLATFORM_SOURCES
    done = subprocess.run(
        [sys.executable, str(CODEMOD), "--check", *map(str, PLATFORM_SOURCES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
