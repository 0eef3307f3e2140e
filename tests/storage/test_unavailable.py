"""Object storage down: a real S3 endpoint (moto's server) that the test stops. Uploads
answer 503 problem+json with Retry-After, and no response names the store's host, port or
bucket."""

import hashlib
import uuid
from collections.abc import Iterator

import httpx
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.settings import Settings, StorageBackend
from service.storage.s3 import S3ObjectStore
from service.storage.store import ObjectStoreUnavailable
from tests.factories import _free_port, create_user, login
from tests.storage import samples
from tests.storage.conftest import ClientFor


class StoppableS3:
    def __init__(self) -> None:
        self.port = _free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.running = False

    def start(self) -> None:
        self.server.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.server.stop()
            self.running = False


@pytest.fixture
def s3_server() -> Iterator[StoppableS3]:
    server = StoppableS3()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def down_settings(settings: Settings, s3_server: StoppableS3) -> Settings:
    return settings.model_copy(
        update={
            "storage_backend": StorageBackend.s3,
            "s3_endpoint": f"127.0.0.1:{s3_server.port}",
            "s3_bucket": f"giamsat-secret-bucket-{uuid.uuid4().hex[:8]}",
            "s3_secure": False,
        }
    )


def assert_unavailable(response: httpx.Response, settings: Settings, port: int) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["type"].endswith("/unavailable")
    for internal in (settings.s3_endpoint, str(port), settings.s3_bucket, "127.0.0.1"):
        assert internal not in response.text, internal


async def test_uploads_answer_503_when_the_store_is_down(
    client_for: ClientFor,
    down_settings: Settings,
    s3_server: StoppableS3,
    session: AsyncSession,
    admin: StaffUser,
) -> None:
    client = await client_for(down_settings)
    headers = await login(client, await create_user(session, Role.front_officer))
    data = samples.jpeg(50_000)
    uploaded = await client.post(
        "/api/v1/evidence", params={"filename": "a.jpg"}, content=data, headers=headers
    )
    assert uploaded.status_code == 201, uploaded.text

    s3_server.stop()

    streamed = await client.post(
        "/api/v1/evidence", params={"filename": "b.jpg"}, content=data, headers=headers
    )
    assert_unavailable(streamed, down_settings, s3_server.port)
    multipart = await client.post(
        "/api/v1/evidence/multipart",
        json={
            "filename": "c.mp4",
            "size": 9 * samples.MIB,
            "sha256": hashlib.sha256(b"x").hexdigest(),
            "content_type": "video/mp4",
        },
        headers=headers,
    )
    assert_unavailable(multipart, down_settings, s3_server.port)
    ready = await client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["object_store"].startswith("unavailable")
    for internal in (down_settings.s3_endpoint, down_settings.s3_bucket):
        assert internal not in ready.text


async def test_the_store_raises_unavailable_without_its_address(settings: Settings) -> None:
    """A port nothing listens on: every store call says "unavailable", naming nothing."""
    store = S3ObjectStore.from_settings(
        settings.model_copy(
            update={
                "storage_backend": StorageBackend.s3,
                "s3_endpoint": f"127.0.0.1:{_free_port()}",
                "s3_bucket": "internal-bucket",
                "s3_secure": False,
            }
        )
    )
    with pytest.raises(ObjectStoreUnavailable) as raised:
        await store.stat("sha256/ab/cd/" + "0" * 64)
    assert "127.0.0.1" not in str(raised.value)
    assert "internal-bucket" not in str(raised.value)
    with pytest.raises(ObjectStoreUnavailable):
        await store.ping()
