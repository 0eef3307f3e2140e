"""The app shell: health, readiness, OpenAPI, problem+json for bad requests."""

import httpx
from asgi_lifespan import LifespanManager

from service.app import create_app
from service.auth.models import StaffUser
from service.settings import Settings
from tests.factories import _free_port, login


async def test_health_answers_without_auth(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_ready_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.json()["checks"]["database"] == "ok"


async def test_openapi_is_3_1(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")
    assert (await client.get("/schema")).status_code == 200


async def test_unknown_route_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


async def test_bad_json_is_400_not_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_validation_errors_name_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json={"username": "x"})
    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["errors"]]
    assert "password" in fields


async def test_bad_uuid_in_path_is_4xx(client: httpx.AsyncClient, admin: StaffUser) -> None:
    headers = await login(client, admin)
    response = await client.get("/api/v1/admin/users/not-a-uuid", headers=headers)
    assert 400 <= response.status_code < 500


async def test_huge_body_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"username": "' + b"a" * (3 * 1024 * 1024) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_text_the_database_cannot_store_is_422(
    client: httpx.AsyncClient, admin: StaffUser
) -> None:
    headers = await login(client, admin)
    response = await client.patch(
        f"/api/v1/admin/users/{admin.id}", headers=headers, json={"full_name": "Nguyễn\u0000An"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_database_that_cannot_be_reached_is_503_without_its_address(
    settings: Settings,
) -> None:
    port = _free_port()
    down = settings.model_copy(
        update={"database_url": f"postgresql://giamsat:pw@127.0.0.1:{port}/giamsat_internal"}
    )
    app = create_app(down)
    async with LifespanManager(app):  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.post(
                "/api/v1/auth/login", json={"username": "an", "password": "secret password"}
            )
            ready = await client.get("/ready")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["type"].endswith("/unavailable")
    for internal in ("127.0.0.1", str(port), "giamsat_internal", "pw"):
        assert internal not in response.text
    assert ready.status_code == 503
    assert int(ready.headers["retry-after"]) > 0
    assert ready.json()["checks"]["database"].startswith("unavailable")
    assert "127.0.0.1" not in ready.text
