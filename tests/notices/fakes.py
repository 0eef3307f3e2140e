"""Local HTTP servers that answer as the services' documentation says (started by the
tests; nothing here talks to the internet).

- ``FakeSmsGateway``: a generic SMS gateway, 200 with a JSON receipt, or any scripted
  status (429, 5xx, 4xx) or a closed connection (down).
- ``FakeZns``: Zalo ZNS ``POST /message/template``: checks the ``access_token`` header,
  answers ``{"error": 0, "message": "Success", "data": {"msg_id": ..., "sent_time": ...,
  "quota": {...}}}``, ``-124`` for a wrong token, ``-118`` "Zalo account not existed" for a
  number it does not know, and scripted answers (``-100`` unknown error, HTTP 429/5xx).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes import QuietHandler, serving


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())


@dataclass
class Fake:
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    # Scripted answers, taken in order, then the default: (status, JSON body) or "drop".
    script: list[Any] = field(default_factory=list)
    down: bool = False  # the connection is closed without an answer

    def answer(self, request: Request) -> tuple[int, Any]:
        return 200, {}


@dataclass
class FakeSmsGateway(Fake):
    def answer(self, request: Request) -> tuple[int, Any]:
        return 200, {"status": "accepted", "id": f"sms-{len(self.requests)}"}


ZNS_TOKEN = "zns-token-for-tests"
ZNS_NOT_ON_ZALO = "84339999999"


@dataclass
class FakeZns(Fake):
    token: str = ZNS_TOKEN

    def answer(self, request: Request) -> tuple[int, Any]:
        if request.headers.get("access_token") != self.token:
            return 200, {"error": -124, "message": "Access token invalid"}
        body = request.json()
        if body.get("phone") == ZNS_NOT_ON_ZALO:
            return 200, {"error": -118, "message": "Zalo account not existed"}
        return 200, {
            "error": 0,
            "message": "Success",
            "data": {
                "msg_id": f"a1b2c3{len(self.requests)}",
                "sent_time": str(int(time.time() * 1000)),
                "quota": {"dailyQuota": "500", "remainingQuota": "499"},
            },
        }


def _serve(state: Fake, path: str) -> Iterator[Fake]:
    class Handler(QuietHandler):
        def _handle(self) -> None:
            body = self.body()
            parts = urlsplit(self.path)
            request = Request(
                self.command,
                parts.path,
                parse_qs(parts.query),
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            if state.down:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            state.requests.append(request)
            scripted = state.script.pop(0) if state.script else None
            status, answer = scripted if scripted is not None else state.answer(request)
            self.answer(status, answer)

        do_POST = do_GET = _handle

    with serving(Handler) as url:
        state.url = f"{url}{path}"
        yield state


@pytest.fixture
def sms_gateway() -> Iterator[FakeSmsGateway]:
    yield from _serve(FakeSmsGateway(), "/api/send")  # type: ignore[misc]


@pytest.fixture
def zns() -> Iterator[FakeZns]:
    yield from _serve(FakeZns(), "/message/template")  # type: ignore[misc]
