"""Hostile input on every route of the built app: bodies the JSON decoder refuses are 400,
JSON sent under another content type is 415, and hostile bytes in query strings and headers
are never a 5xx.

The routes are enumerated from the app itself, so a route added later is checked too.
"""

import asyncio
import re
import uuid
from collections.abc import Iterator, MutableMapping
from typing import Any, get_args

import httpx
import pytest
from litestar import Litestar
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import StaffUser
from tests.factories import create_api_client, login

_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")

HOSTILE_BODIES = {
    "nested-100000": b"[" * 100_000,
    "nested-object-100000": b'{"a":' * 100_000,
    "not-utf8": b"\xff\xfe\xfd",
    "not-utf8-in-string": b'{"title": "\xff\xfe\xfd"}',
    "lone-surrogate-utf8": b'{"title": "\xed\xa0\x80"}',
    "escaped-lone-surrogate": b'{"title": "\\ud800"}',
    "truncated": b'{"title": ',
    "nul": b"\x00",
}
NOT_JSON_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/xml",
    "text/xml",
]


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


def _handlers(app: Litestar) -> Iterator[tuple[str, str, HTTPRouteHandler]]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            assert isinstance(handler, HTTPRouteHandler)
            for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"}):
                yield method, route.path, handler


def json_body_routes(app: Litestar) -> list[tuple[str, str]]:
    """Every (method, path) whose handler takes a JSON ``data`` body."""
    found = []
    for method, path, handler in _handlers(app):
        data = handler.parsed_fn_signature.parameters.get("data")
        if data is None:
            continue
        media_type = getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON)
        if media_type == RequestEncodingType.JSON:
            found.append((method, path))
    return sorted(set(found))


@pytest.fixture
async def credentials(
    client: httpx.AsyncClient, session: AsyncSession, admin: StaffUser
) -> list[dict[str, str]]:
    """An admin (who passes every staff guard), an API client (the citizen-app routes) and
    nobody (the public routes)."""
    _, key = await create_api_client(
        session, scopes=["petitions:write", "petitions:read", "sms:inbound"]
    )
    return [await login(client, admin), {"X-API-Key": key}, {}]


async def _send(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: bytes,
    content_type: str,
    credentials: list[dict[str, str]],
) -> list[httpx.Response]:
    """The request under each credential; the caller checks what came back."""
    responses = []
    for headers in credentials:
        response = await client.request(
            method,
            _concrete(path),
            content=body,
            headers={
                **headers,
                "Content-Type": content_type,
                "Idempotency-Key": uuid.uuid4().hex,
                "If-Match": '"1"',
            },
        )
        responses.append(response)
    return responses


def test_the_enumeration_finds_the_routes_named_in_the_issue(app: Litestar) -> None:
    routes = json_body_routes(app)
    assert ("POST", "/api/v1/petitions") in routes
    assert ("POST", "/api/v1/auth/login") in routes
    assert any(path.startswith("/api/v1/track/") for _, path in routes)
    assert len(routes) > 20


@pytest.mark.parametrize("body", list(HOSTILE_BODIES.values()), ids=list(HOSTILE_BODIES))
async def test_a_body_the_json_decoder_refuses_is_400_on_every_route(
    app: Litestar, client: httpx.AsyncClient, credentials: list[dict[str, str]], body: bytes
) -> None:
    for method, path in json_body_routes(app):
        responses = await _send(client, method, path, body, "application/json", credentials)
        statuses = [response.status_code for response in responses]
        assert all(status < 500 for status in statuses), f"{method} {path} -> {statuses}"
        refused = [response for response in responses if response.status_code == 400]
        # Authentication and guards come first; one of the callers gets past them.
        assert refused, f"{method} {path} -> {statuses}"
        for response in refused:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["type"].endswith("/malformed-body"), response.text


@pytest.mark.parametrize("content_type", NOT_JSON_TYPES)
async def test_json_under_another_content_type_is_415_on_every_route(
    app: Litestar,
    client: httpx.AsyncClient,
    credentials: list[dict[str, str]],
    content_type: str,
) -> None:
    for method, path in json_body_routes(app):
        responses = await _send(client, method, path, b"{}", content_type, credentials)
        statuses = [response.status_code for response in responses]
        assert all(status < 500 for status in statuses), f"{method} {path} -> {statuses}"
        refused = [response for response in responses if response.status_code == 415]
        assert refused, f"{method} {path} -> {statuses}"
        for response in refused:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["type"].endswith("/unsupported-media-type")


async def test_a_json_body_without_a_content_type_is_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b'{"username": "a", "password": "b"}'
    )
    assert response.status_code == 415


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/merge-patch+json"],
)
async def test_json_types_are_accepted(client: httpx.AsyncClient, content_type: str) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"username": "nobody", "password": "wrong password"}',
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 401


async def test_a_petition_sent_as_a_form_is_not_filed(
    client: httpx.AsyncClient, session: AsyncSession, hanoi: object
) -> None:
    _, key = await create_api_client(session)
    response = await client.post(
        "/api/v1/petitions",
        headers={"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex},
        data={"kind": "feedback", "title": "Ổ gà"},
    )
    assert response.status_code == 415


HOSTILE_QUERY_STRINGS = [
    b"q=%ff%fe%fd&limit=%ff",
    b"q=%ed%a0%80&cursor=%ed%a0%80",
    b"q=\xff\xfe\xfd&cursor=\xff",
    b"q=%00&cursor=%00&unit_code=%00",
    b"limit=99999999999999999999999999&offset=-1",
    b"cursor=" + b"A" * 5000,
    # One second past 9999-12-31 as Unix seconds: msgspec's range check lets it through and
    # datetime refuses it with a bare ValueError (it was a 500).
    b"since=253402300800&until=253402300800.5&due_before=253402300800&due_after=253402300800"
    b"&created_from=253402300800&created_to=253402300800",
]
HOSTILE_HEADERS = [
    {"X-Request-ID": b"\xff\xfe\xfd"},
    {"Idempotency-Key": b"\xff\xfe\xfd"},
    {"If-Match": b'"\xff\xfe"'},
    {"If-None-Match": b"\xed\xa0\x80"},
    {"Accept-Language": b"\xff\xfe\xfd"},
    {"Authorization": b"Bearer \xff\xfe\xfd"},
    {"X-API-Key": b"\xff\xfe\xfd"},
]


async def _raw_get(app: Litestar, path: str, query: bytes, headers: dict[str, str]) -> int:
    """A GET with the query string's bytes as sent (httpx would refuse non-ASCII ones)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    status = 0
    started = asyncio.Event()
    requested = False

    async def receive() -> dict[str, object]:
        # The (empty) body once; then, as a client that has read the status and gone, a
        # disconnect: a streamed answer (an export, a live log) stops there.
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await started.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
            started.set()

    await app(scope, receive, send)  # type: ignore[arg-type]
    return status


@pytest.mark.parametrize("query", HOSTILE_QUERY_STRINGS)
async def test_hostile_query_strings_are_never_a_server_error(
    app: Litestar, client: httpx.AsyncClient, credentials: list[dict[str, str]], query: bytes
) -> None:
    for method, path, _ in _handlers(app):
        if method != "GET" or path.startswith("/schema"):
            continue
        for headers in credentials:
            status = await _raw_get(app, _concrete(path), query, headers)
            assert 0 < status < 500, f"{path}?{query!r} -> {status}"


@pytest.mark.parametrize("hostile", HOSTILE_HEADERS, ids=lambda h: next(iter(h)))
async def test_hostile_header_bytes_are_never_a_server_error(
    app: Litestar,
    client: httpx.AsyncClient,
    credentials: list[dict[str, str]],
    hostile: dict[str, bytes],
) -> None:
    for method, path in json_body_routes(app):
        for headers in credentials:
            merged = {k.encode(): v.encode() for k, v in headers.items()}
            merged[b"Idempotency-Key"] = uuid.uuid4().hex.encode()
            merged.update((k.encode(), v) for k, v in hostile.items())
            response = await client.request(method, _concrete(path), json={}, headers=merged)
            assert response.status_code < 500, f"{method} {path} -> {response.status_code}"


@pytest.mark.parametrize(
    "body",
    [b"[" * 900 + b"]" * 900, b'{"title": ' + b"[" * 900 + b"]" * 900 + b"}"],
    ids=["deep-array", "deep-field"],
)
async def test_deep_but_well_formed_json_is_never_a_server_error(
    app: Litestar, client: httpx.AsyncClient, credentials: list[dict[str, str]], body: bytes
) -> None:
    """Nesting the decoder accepts must not overflow validation or serialisation later."""
    for method, path in json_body_routes(app):
        responses = await _send(client, method, path, body, "application/json", credentials)
        statuses = [response.status_code for response in responses]
        assert all(status < 500 for status in statuses), f"{method} {path} -> {statuses}"


@pytest.mark.parametrize("segment", ["%00", "%ff%fe", "%ed%a0%80", "a" * 5000])
async def test_hostile_path_segments_are_never_a_server_error(
    app: Litestar, client: httpx.AsyncClient, credentials: list[dict[str, str]], segment: str
) -> None:
    for method, path, _ in _handlers(app):
        if method != "GET" or not _PARAM.search(path):
            continue
        concrete = _PARAM.sub(
            lambda match: segment if (match.group(2) or "str") == "str" else "1", path
        )
        for headers in credentials:
            response = await client.get(concrete, headers=headers)
            assert response.status_code < 500, f"{concrete[:80]} -> {response.status_code}"


def _body_models(app: Litestar) -> set[type[BaseModel]]:
    """The pydantic models of request bodies, with the models nested in them."""
    found: set[type[BaseModel]] = set()
    pending: list[Any] = []
    for _, _, handler in _handlers(app):
        data = handler.parsed_fn_signature.parameters.get("data")
        if data is not None:
            pending.append(data.annotation)
    while pending:
        annotation = pending.pop()
        pending.extend(get_args(annotation))  # X | None, Annotated[X, ...], list[X]
        model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        if model and annotation not in found:
            found.add(annotation)
            pending.extend(f.annotation for f in annotation.model_fields.values())
    return found


def _flattened(annotation: Any) -> set[Any]:
    """The annotation and every type inside it (``X | None``, ``Annotated[X, ...]``)."""
    return {annotation}.union(*(_flattened(arg) for arg in get_args(annotation)))


def test_booleans_of_request_bodies_are_only_true_or_false(app: Litestar) -> None:
    """Litestar validates bodies with ``strict=False``, which overrides pydantic's StrictBool:
    ``"active": 0`` and ``"consent_to_publish": "no"`` were taken as false."""
    checked = []
    for model in _body_models(app):
        for name, field in model.model_fields.items():
            if bool not in _flattened(field.annotation):
                continue
            checked.append(f"{model.__name__}.{name}")
            for value in (0, 1, "no", "true"):
                with pytest.raises(ValidationError) as refused:
                    model.model_validate({field.alias or name: value}, strict=False)
                codes = {e["type"] for e in refused.value.errors() if e["loc"][:1] == (name,)}
                assert "bool_type" in codes, (model.__name__, name, value)
    assert {"PetitionCreate.consent_to_publish", "AgencyUpdate.active"} <= set(checked)
