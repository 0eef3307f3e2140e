"""ASGI entry point for servers: ``uvicorn service.asgi:app`` (settings from the environment)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar import Litestar


def _build_app() -> Litestar:
    """The app, built with the cyclic garbage collector paused: importing every domain and
    building ~300 handlers allocates about a million objects and frees almost none, so the
    collections that allocation triggers find nothing, and cost a sixth of the start-up.
    (``giamsat serve`` with several workers then freezes what was built before it forks:
    ``service.prefork``.)"""
    gc.disable()
    try:
        from service.app import create_app
        from service.settings import Settings

        return create_app(Settings())
    finally:
        gc.enable()


app = _build_app()
