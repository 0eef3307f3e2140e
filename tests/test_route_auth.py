"""Every route either is deliberately public or refuses a caller without credentials, and
no staff route lets an API client in (and the reverse)."""

import re
import uuid

import httpx
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import create_api_client

# Public on purpose: liveness, docs, login/refresh, the citizen's tracking view (secret-checked),
# the public answers feed, report verification, and signed object URLs (signature-checked),
# and the static files (the docs pages' vendored scripts).
PUBLIC = re.compile(
    r"^/(health|ready|schema.*)$"
    r"|^/api/v1/auth/(login|refresh)$"
    r"|^/api/v1/track/.*"
    r"|^/api/v1/public/.*"
    r"|^/api/v1/reports/verify/.*"
    r"|^/api/v1/objects/.*"
    r"|^/static/.*"
    # The portal's pages (service/web) and the console's login page.
    r"|^/(lang)?$"
    r"|^/(tra-cuu|gui-kien-nghi|tra-loi|xac-minh|thong-bao|tiep-cong-dan|gop-y-du-thao)(/.*)?$"
    r"|^/console/login$"
    # The Open311 server: public reads; its POST checks the api_key of the form (403).
    r"|^/open311/v2/.*"
)
# The console's pages answer a caller without a session with the login page, not a 401:
# a person is sent to log in (service/web/sessions.py).
CONSOLE = re.compile(r"^/console(/.*)?$")
_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def _concrete(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        kind = match.group(2) or "str"
        return {
            "uuid": str(uuid.UUID(int=1)),
            "int": "1",
            "date": "2026-01-01",
            "path": "a/b",
        }.get(kind, "x")

    return _PARAM.sub(value, path)


def _routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            assert isinstance(handler, HTTPRouteHandler)
            for method in sorted(handler.http_methods):
                if method in {"HEAD", "OPTIONS"}:
                    continue
                found.append((method, route.path))
    return sorted(set(found))


async def test_every_private_route_needs_credentials(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    checked = 0
    for method, path in _routes(app):
        if PUBLIC.match(path):
            continue
        response = await client.request(method, _concrete(path))
        if CONSOLE.match(path):
            assert response.status_code == 303, f"{method} {path} -> {response.status_code}"
            assert response.headers["location"].startswith("/console/login")
            checked += 1
            continue
        assert response.status_code == 401, f"{method} {path} -> {response.status_code}"
        assert response.headers["content-type"].startswith("application/problem+json")
        checked += 1
    assert checked > 10


async def test_api_keys_open_no_staff_route(
    app: Litestar, client: httpx.AsyncClient, session: AsyncSession, hanoi: object
) -> None:
    """An API client (a citizen app) may only reach the routes made for API clients."""
    _, key = await create_api_client(session, scopes=["petitions:write", "petitions:read"])
    allowed_for_clients = re.compile(
        r"^/api/v1/(petitions(/\{[^/]+\}/evidence)?|reception/bookings)$"
    )
    for method, path in _routes(app):
        if PUBLIC.match(path) or allowed_for_clients.match(path):
            continue
        response = await client.request(method, _concrete(path), headers={"X-API-Key": key})
        if CONSOLE.match(path):  # an API key is no session: sent to log in
            assert response.status_code == 303, f"{method} {path} -> {response.status_code}"
            continue
        assert response.status_code in {403, 404}, f"{method} {path} -> {response.status_code}"


@pytest.mark.parametrize("path", ["/health", "/schema/openapi.json"])
async def test_public_routes_answer_without_credentials(
    client: httpx.AsyncClient, path: str
) -> None:
    assert (await client.get(path)).status_code == 200
