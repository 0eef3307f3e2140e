"""The URLs the platform hands out name the address it serves on (issue 10, item 15).

``GIAMSAT_PUBLIC_BASE_URL`` when set; otherwise derived from ``GIAMSAT_HOST`` and
``GIAMSAT_PORT``, and ``giamsat serve --host/--port`` reach the app's settings too. The whole
path (a petition's ``track_url``, a signed upload URL) is checked against a running demo in
``tests/test_demo_process.py``.
"""

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from service.cli import main
from service.settings import Settings
from service.storage.local import LocalObjectStore


@pytest.mark.parametrize(
    ("host", "port", "public", "expected"),
    [
        ("127.0.0.1", 8000, None, "http://127.0.0.1:8000"),
        ("127.0.0.1", 8100, None, "http://127.0.0.1:8100"),
        ("0.0.0.0", 8100, None, "http://127.0.0.1:8100"),
        ("::", 8100, None, "http://[::1]:8100"),
        ("::1", 9000, None, "http://[::1]:9000"),
        ("giamsat.local", 8080, None, "http://giamsat.local:8080"),
        ("0.0.0.0", 8100, "https://giamsat.hanoi.gov.vn/", "https://giamsat.hanoi.gov.vn"),
        ("0.0.0.0", 8100, "https://mttq.example.vn/giamsat", "https://mttq.example.vn/giamsat"),
    ],
)
def test_public_base_url_follows_the_bind_address(
    host: str, port: int, public: str | None, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GIAMSAT_PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("GIAMSAT_HOST", host)
    monkeypatch.setenv("GIAMSAT_PORT", str(port))
    if public is not None:
        monkeypatch.setenv("GIAMSAT_PUBLIC_BASE_URL", public)
    assert Settings(_env_file=None).public_base_url == expected  # type: ignore[call-arg]


def test_a_copy_with_another_port_derives_again() -> None:
    settings = Settings(_env_file=None, port=8000)  # type: ignore[call-arg]
    assert settings.model_copy(update={"port": 8100}).public_base_url == "http://127.0.0.1:8100"
    fixed = Settings(_env_file=None, public_base_url="https://x.vn")  # type: ignore[call-arg]
    assert fixed.model_copy(update={"port": 8100}).public_base_url == "https://x.vn"


async def test_signed_upload_urls_name_the_port(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, port=8100, data_dir=tmp_path)  # type: ignore[call-arg]
    store = LocalObjectStore.from_settings(settings)
    await store.start()
    upload = await store.create_multipart("evidence/2026/x.pdf", "application/pdf")
    url = await store.presigned_part_url("evidence/2026/x.pdf", upload, 1, ttl=60)
    assert url.startswith("http://127.0.0.1:8100/")


def _app_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What ``service.asgi`` builds the app with (nothing connects before a request)."""
    monkeypatch.setenv("GIAMSAT_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/x")
    monkeypatch.setenv("GIAMSAT_BROKER", "stub")
    monkeypatch.setenv("GIAMSAT_DATA_DIR", str(tmp_path))


def test_serve_port_reaches_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``service.asgi`` builds its settings from the environment in each worker: what
    ``serve --host/--port`` says must be there when uvicorn imports it. One worker serves
    the app built before the server starts and frozen out of the collector's reach."""
    import gc

    import uvicorn

    seen: dict[str, Any] = {}

    def run(server: uvicorn.Server, sockets: Any = None) -> None:
        config = server.config
        seen.update(
            host=config.host,
            port=config.port,
            loaded=config.loaded,
            frozen=gc.get_freeze_count(),
            public=Settings(_env_file=None).public_base_url,  # type: ignore[call-arg]
        )
        server.started = True

    monkeypatch.delenv("GIAMSAT_PUBLIC_BASE_URL", raising=False)
    for name in ("GIAMSAT_HOST", "GIAMSAT_PORT"):
        monkeypatch.setenv(name, "")  # restored afterwards, whatever serve writes
        monkeypatch.delenv(name)
    _app_environment(monkeypatch, tmp_path)
    monkeypatch.setattr(uvicorn.Server, "run", run)
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "8123"])
    finally:
        gc.unfreeze()
    assert result.exit_code == 0, result.output
    assert (seen["host"], seen["port"]) == ("0.0.0.0", 8123)
    assert seen["public"] == "http://127.0.0.1:8123"
    assert seen["loaded"] is True  # the app imported before the server ran
    assert seen["frozen"] > 100_000  # the built app, not a handful of objects


def test_serve_exits_with_uvicorns_status_when_start_up_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import gc

    import uvicorn

    _app_environment(monkeypatch, tmp_path)

    def run(server: uvicorn.Server, sockets: Any = None) -> None:
        return None  # the lifespan failed: the server never started

    monkeypatch.setattr(uvicorn.Server, "run", run)
    try:
        result = CliRunner().invoke(main, ["serve", "--port", "8124"])
    finally:
        gc.unfreeze()
    assert result.exit_code == 3
