"""The same contract for both object stores (filesystem and a real S3 endpoint)."""

import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import anyio.to_thread
import pytest

from service.errors import Invalid, TooLarge, UnsupportedMediaType
from service.storage import sniff
from service.storage.keys import content_key
from service.storage.local import LocalObjectStore
from service.storage.s3 import S3ObjectStore
from service.storage.store import ObjectNotFound, ObjectStore, ObjectStoreError, UploadedPart
from service.storage.uploads import receive_upload
from tests.storage import samples
from tests.storage.conftest import Fetch

KIB = 1024


async def stream(data: bytes, chunk: int = 64 * KIB) -> AsyncIterator[bytes]:
    for piece in samples.chunked(data, chunk):
        yield piece


class CountingStream:
    """An endless-ish upload that counts how many chunks the pipeline pulled."""

    def __init__(self, head: bytes, *, chunks: int, chunk_size: int = 64 * KIB) -> None:
        self.head = head
        self.total_chunks = chunks
        self.chunk_size = chunk_size
        self.consumed = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for index in range(self.total_chunks):
            self.consumed += 1
            if index == 0:
                yield self.head.ljust(self.chunk_size, b"\x00")
            else:
                yield os.urandom(self.chunk_size)


async def keys_under(store: ObjectStore, prefix: str) -> set[str]:
    if isinstance(store, LocalObjectStore):
        root = store.root

        def walk() -> set[str]:
            found = (p for p in root.rglob("*") if p.is_file())
            return {key for p in found if (key := str(p.relative_to(root))).startswith(prefix)}

        return await anyio.to_thread.run_sync(walk)
    assert isinstance(store, S3ObjectStore)
    listed = await anyio.to_thread.run_sync(
        lambda: list(store.client.list_objects(store.bucket, prefix=prefix, recursive=True))
    )
    return {str(obj.object_name) for obj in listed}


async def read_all(store: ObjectStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key)])


class TestObjects:
    async def test_stream_round_trip(self, store: ObjectStore) -> None:
        data = os.urandom(300 * KIB + 17)
        key = f"test/{uuid.uuid4().hex}"
        await store.put_stream(key, stream(data, 10_000), len(data))
        assert await store.exists(key)
        assert (await store.stat(key)).size == len(data)
        assert await read_all(store, key) == data
        await store.delete(key)
        assert not await store.exists(key)

    async def test_missing_objects(self, store: ObjectStore) -> None:
        key = f"test/{uuid.uuid4().hex}"
        assert not await store.exists(key)
        with pytest.raises(ObjectNotFound):
            await store.stat(key)
        with pytest.raises(ObjectNotFound):
            await store.open(key)

    async def test_a_failing_stream_leaves_nothing(self, store: ObjectStore) -> None:
        key = f"test/{uuid.uuid4().hex}"

        async def broken() -> AsyncIterator[bytes]:
            yield b"x" * 1000
            raise RuntimeError("client went away")

        with pytest.raises(RuntimeError, match="client went away"):
            await store.put_stream(key, broken())
        assert not await store.exists(key)

    async def test_copy_and_move(self, store: ObjectStore) -> None:
        data = os.urandom(1000)
        source, copy, moved = (f"test/{uuid.uuid4().hex}" for _ in range(3))
        await store.put_stream(source, stream(data))
        await store.copy(source, copy)
        await store.move(source, moved)
        assert not await store.exists(source)
        assert await read_all(store, copy) == data
        assert await read_all(store, moved) == data

    async def test_keys_cannot_escape_the_store(self, store: ObjectStore) -> None:
        for key in ("../etc/passwd", "/abs", "a//b", "a/../../b", ""):
            with pytest.raises(ValueError, match="invalid object key"):
                await store.exists(key)


class TestReceiveUpload:
    async def test_streams_and_stores_by_content(self, store: ObjectStore) -> None:
        data = samples.jpeg(700 * KIB)
        before = await keys_under(store, "tmp/")
        stored = await receive_upload(
            store, stream(data), declared_filename="ảnh.jpg", max_bytes=10 * samples.MIB
        )
        digest = hashlib.sha256(data).hexdigest()
        assert stored.sha256 == digest
        assert stored.size == len(data)
        assert stored.content_type == sniff.JPEG
        assert stored.key == content_key(digest) == f"sha256/{digest[:2]}/{digest[2:4]}/{digest}"
        assert await read_all(store, stored.key) == data
        assert await keys_under(store, "tmp/") == before

    async def test_oversize_stops_reading_at_the_limit(self, store: ObjectStore) -> None:
        upload = CountingStream(samples.jpeg(100), chunks=1000)  # 64 MB offered
        before = await keys_under(store, "tmp/")
        with pytest.raises(TooLarge) as caught:
            await receive_upload(
                store, aiter(upload), declared_filename="big.jpg", max_bytes=256 * KIB
            )
        assert caught.value.status_code == 413
        assert upload.consumed <= 5  # 4 chunks fit; the 5th crosses the limit
        assert await keys_under(store, "tmp/") == before

    async def test_declared_oversize_is_refused_before_reading(self, store: ObjectStore) -> None:
        upload = CountingStream(samples.jpeg(100), chunks=10)
        with pytest.raises(TooLarge):
            await receive_upload(
                store, aiter(upload), declared_filename="a.jpg", max_bytes=1000, size_hint=5000
            )
        assert upload.consumed == 0

    async def test_an_executable_named_pdf_is_refused_early(self, store: ObjectStore) -> None:
        upload = CountingStream(samples.exe(1000), chunks=500)
        before = await keys_under(store, "tmp/")
        with pytest.raises(UnsupportedMediaType) as caught:
            await receive_upload(
                store, aiter(upload), declared_filename="hoa-don.pdf", max_bytes=100 * samples.MIB
            )
        assert caught.value.status_code == 415
        assert caught.value.extra["detected_type"] == "application/x-msdownload"
        assert upload.consumed == 1
        assert await keys_under(store, "tmp/") == before

    async def test_a_zip_named_pdf_is_refused(self, store: ObjectStore) -> None:
        before = await keys_under(store, "tmp/")
        with pytest.raises(UnsupportedMediaType):
            await receive_upload(
                store,
                stream(samples.plain_zip()),
                declared_filename="bao-cao.pdf",
                max_bytes=samples.MIB,
            )
        assert await keys_under(store, "tmp/") == before
        assert not await store.exists(content_key(hashlib.sha256(b"").hexdigest()))

    async def test_the_bytes_beat_the_extension(self, store: ObjectStore) -> None:
        stored = await receive_upload(
            store, stream(samples.jpeg()), declared_filename="scan.pdf", max_bytes=samples.MIB
        )
        assert stored.content_type == sniff.JPEG
        docx = await receive_upload(
            store, stream(samples.docx()), declared_filename="to-trinh.zip", max_bytes=samples.MIB
        )
        assert docx.content_type == sniff.DOCX

    async def test_an_empty_file_is_invalid(self, store: ObjectStore) -> None:
        with pytest.raises(Invalid):
            await receive_upload(store, stream(b""), declared_filename="a.pdf", max_bytes=100)

    async def test_identical_files_are_stored_once(self, store: ObjectStore) -> None:
        data = samples.pdf(50 * KIB)
        before = await keys_under(store, "tmp/")
        first = await receive_upload(
            store, stream(data), declared_filename="a.pdf", max_bytes=samples.MIB
        )
        second = await receive_upload(
            store, stream(data, 999), declared_filename="b.pdf", max_bytes=samples.MIB
        )
        assert first.key == second.key
        assert await keys_under(store, first.key) == {first.key}
        assert await keys_under(store, "tmp/") == before


class TestPresignedDownload:
    async def test_the_url_downloads_the_bytes(self, store: ObjectStore, fetch: Fetch) -> None:
        data = samples.pdf(200 * KIB)
        stored = await receive_upload(
            store, stream(data), declared_filename="x.pdf", max_bytes=samples.MIB
        )
        url = await store.presigned_get(
            stored.key, filename="Biên bản đợt 1.pdf", content_type=sniff.PDF, ttl=60
        )
        response = await fetch("GET", url)
        assert response.status_code == 200
        assert response.content == data
        assert response.headers["content-type"].startswith(sniff.PDF)
        disposition = response.headers["content-disposition"]
        assert 'filename="Bien ban dot 1.pdf"' in disposition
        assert "filename*=UTF-8''Bi%C3%AAn" in disposition


class TestMultipart:
    async def test_parts_put_to_presigned_urls_assemble_the_file(
        self, store: ObjectStore, fetch: Fetch
    ) -> None:
        data = os.urandom(5 * samples.MIB + 1234)
        key = f"test/{uuid.uuid4().hex}"
        upload_id = await store.create_multipart(key, sniff.MP4)
        pieces = [data[: 5 * samples.MIB], data[5 * samples.MIB :]]
        parts = []
        for number, piece in enumerate(pieces, start=1):
            url = await store.presigned_part_url(key, upload_id, number, ttl=600)
            response = await fetch("PUT", url, content=piece)
            assert response.status_code == 200, response.text
            parts.append(UploadedPart(number, response.headers["etag"]))
        listed = await store.list_parts(key, upload_id)
        assert [(p.part_number, p.etag) for p in listed] == [
            (p.part_number, p.etag.strip('"')) for p in parts
        ]
        await store.complete_multipart(key, upload_id, parts)
        assert await read_all(store, key) == data

    async def test_a_wrong_etag_is_refused(self, store: ObjectStore, fetch: Fetch) -> None:
        key = f"test/{uuid.uuid4().hex}"
        upload_id = await store.create_multipart(key, sniff.MP4)
        url = await store.presigned_part_url(key, upload_id, 1, ttl=600)
        assert (await fetch("PUT", url, content=b"abc")).status_code == 200
        with pytest.raises(ObjectStoreError):
            await store.complete_multipart(key, upload_id, [UploadedPart(1, "0" * 32)])
        await store.abort_multipart(key, upload_id)
        assert not await store.exists(key)


class TestLocalSignedUrls:
    @staticmethod
    def _tamper(url: str, **changes: str) -> str:
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = changes.pop("path", parts.path)
        query.update(changes)
        return f"{parts.scheme}://{parts.netloc}{path}?{urlencode(query)}"

    async def _stored_url(self, store: LocalObjectStore, ttl: int = 60) -> tuple[str, str]:
        stored = await receive_upload(
            store, stream(samples.png()), declared_filename="a.png", max_bytes=samples.MIB
        )
        url = await store.presigned_get(
            stored.key, filename="a.png", content_type=sniff.PNG, ttl=ttl
        )
        return url, stored.key

    async def test_a_good_url_works(self, local_store: LocalObjectStore, fetch: Fetch) -> None:
        url, _ = await self._stored_url(local_store)
        response = await fetch("GET", url)
        assert response.status_code == 200
        assert response.headers["x-content-type-options"] == "nosniff"

    @pytest.mark.parametrize(
        "change",
        [
            {"signature": "0" * 64},
            {"filename": "b.html"},
            {"content_type": "text/html"},
            {"expires": str(int(time.time()) + 86400)},
        ],
    )
    async def test_tampered_urls_are_forbidden(
        self, local_store: LocalObjectStore, fetch: Fetch, change: dict[str, str]
    ) -> None:
        url, _ = await self._stored_url(local_store)
        response = await fetch("GET", self._tamper(url, **change))
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")

    async def test_another_key_is_forbidden(
        self, local_store: LocalObjectStore, fetch: Fetch
    ) -> None:
        url, _ = await self._stored_url(local_store)
        other, _ = await self._stored_url(local_store)
        other_path = urlsplit(other).path
        response = await fetch("GET", self._tamper(url, path=other_path))
        assert response.status_code == 403

    async def test_an_expired_url_is_forbidden(
        self, local_store: LocalObjectStore, fetch: Fetch
    ) -> None:
        url, _ = await self._stored_url(local_store, ttl=-1)
        response = await fetch("GET", url, headers={"Accept-Language": "en"})
        assert response.status_code == 403
        assert "expired" in response.json()["detail"]

    async def test_an_unsigned_url_is_forbidden(
        self, local_store: LocalObjectStore, fetch: Fetch
    ) -> None:
        url, _ = await self._stored_url(local_store)
        response = await fetch("GET", url.split("?")[0])
        assert response.status_code == 403

    async def test_a_signed_url_for_a_missing_object_is_404(
        self, local_store: LocalObjectStore, fetch: Fetch
    ) -> None:
        url = await local_store.presigned_get(
            content_key("f" * 64), filename="a.png", content_type=sniff.PNG, ttl=60
        )
        assert (await fetch("GET", url)).status_code == 404

    async def test_a_part_url_with_a_bad_signature_is_forbidden(
        self, local_store: LocalObjectStore, fetch: Fetch
    ) -> None:
        key = f"test/{uuid.uuid4().hex}"
        upload_id = await local_store.create_multipart(key, sniff.MP4)
        url = await local_store.presigned_part_url(key, upload_id, 1, ttl=60)
        response = await fetch("PUT", self._tamper(url, signature="f" * 64), content=b"x")
        assert response.status_code == 403
        other_part = self._tamper(url, path=urlsplit(url).path[:-1] + "2")
        assert (await fetch("PUT", other_part, content=b"x")).status_code == 403
        assert await local_store.list_parts(key, upload_id) == []

    async def test_writes_are_atomic(self, local_store: LocalObjectStore) -> None:
        stored = await receive_upload(
            local_store, stream(samples.png()), declared_filename="a.png", max_bytes=samples.MIB
        )
        assert await anyio.Path(local_store.root / stored.key).is_file()
        assert [p async for p in anyio.Path(local_store.root / ".tmp").iterdir()] == []
