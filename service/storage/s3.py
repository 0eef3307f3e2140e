"""Objects in an S3 bucket (MinIO in production) through the ``minio`` client.

The minio client is synchronous: every call runs in a worker thread. Uploads stream: minio
reads from ``_PullReader``, a file-like object that pulls the next chunk from the async
iterator on the event loop (``anyio.from_thread.run``), so at most one part (5 MiB by
default) sits in memory, and the producer is never ahead of the network. Presigned URLs are
signed locally (the region is configured, so no request is needed).
"""

from __future__ import annotations

import functools
import math
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
import structlog
import urllib3
from minio import Minio
from minio.commonconfig import ComposeSource, CopySource
from minio.datatypes import Part
from minio.error import InvalidResponseError, S3Error, ServerError

from service.settings import Settings, StorageBackend
from service.storage.keys import content_disposition
from service.storage.store import (
    MAX_PART_BYTES,
    MAX_PARTS,
    MIN_PART_BYTES,
    READ_CHUNK_BYTES,
    ObjectNotFound,
    ObjectStat,
    ObjectStore,
    ObjectStoreError,
    ObjectStoreUnavailable,
    UploadedPart,
    check_part_number,
    checked_key,
)

logger = structlog.get_logger(__name__)
T = TypeVar("T")

_NOT_FOUND = {"NoSuchKey", "NoSuchUpload", "NoSuchObject", "NotFound"}
_REJECTED_PARTS = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "MalformedXML"}
# Codes of a server that cannot serve now (not of a bad request).
_UNAVAILABLE_CODES = {
    "ServiceUnavailable",
    "SlowDown",
    "InternalError",
    "RequestTimeout",
    "XMinioServerNotInitialized",
}
# What urllib3 and the socket layer raise when the server is down, unreachable or too slow
# (MaxRetryError, NewConnectionError, ProtocolError...), and minio's ServerError for a 5xx
# answer that is not S3 XML. Their messages name the host, port and bucket.
_UNREACHABLE = (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError, socket.gaierror)
_SINGLE_COPY_LIMIT = 5 * 1024 * 1024 * 1024
START_TIMEOUT_SECONDS = 5


class _PullReader:
    """A blocking ``read()`` for minio, fed by an async iterator on the event loop.

    Only usable from a thread started by ``anyio.to_thread.run_sync``. An exception raised
    by the iterator (``TooLarge``, a client disconnect...) surfaces from ``read()``, which
    makes minio abort its multipart upload and re-raise it unchanged.
    """

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()
        self._eof = False

    async def _next(self) -> bytes | None:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            return None

    def read(self, size: int = -1) -> bytes:
        while not self._eof and (len(self._buffer) < size or (size < 0 and not self._buffer)):
            chunk = anyio.from_thread.run(self._next)
            if chunk is None:
                self._eof = True
            else:
                self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


def _part_size(size_hint: int | None) -> int:
    """5 MiB, or more when the declared size would need more than 10,000 parts."""
    if not size_hint or size_hint <= MIN_PART_BYTES * (MAX_PARTS - 1):
        return MIN_PART_BYTES
    mib = 1024 * 1024
    return min(MAX_PART_BYTES, math.ceil(size_hint / (MAX_PARTS - 1) / mib) * mib)


def _unavailable(exc: BaseException) -> ObjectStoreUnavailable:
    logger.warning("object_store_unreachable", error=repr(exc))
    return ObjectStoreUnavailable()


class S3ObjectStore(ObjectStore):
    backend = StorageBackend.s3

    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_settings(cls, settings: Settings) -> S3ObjectStore:
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=300),
            maxsize=32,
            retries=urllib3.Retry(
                total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]
            ),
        )
        client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key.get_secret_value(),
            secure=settings.s3_secure,
            region=settings.s3_region,
            http_client=http,
        )
        return cls(client, settings.s3_bucket)

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a minio call in a worker thread, translating its errors."""
        try:
            return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
        except S3Error as exc:
            if exc.code in _NOT_FOUND:
                raise ObjectNotFound(exc.message or exc.code) from exc
            if exc.code in _REJECTED_PARTS:
                raise ObjectStoreError(exc.message or exc.code) from exc
            if exc.code in _UNAVAILABLE_CODES:
                raise _unavailable(exc) from exc
            raise
        except _UNREACHABLE as exc:
            raise _unavailable(exc) from exc
        except (ServerError, InvalidResponseError) as exc:  # a 5xx, or not S3 at all
            raise _unavailable(exc) from exc

    # -- lifecycle ---------------------------------------------------------------------------

    def _ensure_bucket(self) -> None:
        """Create the bucket if missing (blocking; runs in a worker thread)."""
        if self.client.bucket_exists(self.bucket):
            return
        try:
            self.client.make_bucket(self.bucket)
        except S3Error as exc:  # another replica created it first
            if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise
        logger.info("object_store_bucket_created", bucket=self.bucket)

    async def start(self) -> None:
        """Create the bucket if missing. An unreachable server does not stop the app (nor
        hold up its start for long): the readiness probe reports it, and creates the bucket
        once the server answers."""
        try:
            with anyio.fail_after(START_TIMEOUT_SECONDS):
                await anyio.to_thread.run_sync(self._ensure_bucket, abandon_on_cancel=True)
        except Exception as exc:
            logger.warning("object_store_unavailable", error=type(exc).__name__)

    async def ping(self) -> None:
        await self._run(self._ensure_bucket)

    # -- objects -----------------------------------------------------------------------------

    async def _put_stream(
        self, key: str, chunks: AsyncIterator[bytes], size_hint: int | None, content_type: str
    ) -> None:
        await self._run(
            self.client.put_object,
            self.bucket,
            key,
            _PullReader(chunks),
            length=-1,
            content_type=content_type,
            part_size=_part_size(size_hint),
            # One part in flight: memory stays at one part per upload.
            num_parallel_uploads=1,
        )

    async def exists(self, key: str) -> bool:
        try:
            await self.stat(key)
        except ObjectNotFound:
            return False
        return True

    async def stat(self, key: str) -> ObjectStat:
        result = await self._run(self.client.stat_object, self.bucket, checked_key(key))
        return ObjectStat(key=key, size=int(result.size or 0), content_type=result.content_type)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        response = await self._run(self.client.get_object, self.bucket, checked_key(key))
        return self._iterate(response)

    async def _iterate(self, response: Any) -> AsyncIterator[bytes]:
        try:
            stream = response.stream(READ_CHUNK_BYTES)
            while True:
                try:
                    chunk = await anyio.to_thread.run_sync(next, stream, b"")
                except _UNREACHABLE as exc:  # the server went away mid-object
                    raise _unavailable(exc) from exc
                if not chunk:
                    break
                yield chunk
        finally:
            response.close()
            response.release_conn()

    async def delete(self, key: str) -> None:
        await self._run(self.client.remove_object, self.bucket, checked_key(key))

    async def copy(self, source: str, target: str) -> None:
        size = (await self.stat(source)).size
        if size <= _SINGLE_COPY_LIMIT:
            await self._run(
                self.client.copy_object,
                self.bucket,
                checked_key(target),
                CopySource(self.bucket, source),
            )
        else:  # one CopyObject stops at 5 GiB; compose copies in parts server-side
            await self._run(
                self.client.compose_object,
                self.bucket,
                checked_key(target),
                [ComposeSource(self.bucket, source)],
            )

    async def presigned_get(self, key: str, *, filename: str, content_type: str, ttl: int) -> str:
        return self.client.get_presigned_url(
            "GET",
            self.bucket,
            checked_key(key),
            expires=timedelta(seconds=ttl),
            response_headers={
                "response-content-type": content_type,
                "response-content-disposition": content_disposition(filename),
            },
        )

    # -- multipart ---------------------------------------------------------------------------
    # minio 7.2 has no public API for client-driven multipart uploads; these wrap its
    # underscore methods, which are the plain S3 calls (CreateMultipartUpload, ListParts,
    # CompleteMultipartUpload, AbortMultipartUpload).

    async def create_multipart(self, key: str, content_type: str) -> str:
        return await self._run(
            self.client._create_multipart_upload,
            self.bucket,
            checked_key(key),
            {"Content-Type": content_type},
        )

    async def presigned_part_url(self, key: str, upload_id: str, part_number: int, ttl: int) -> str:
        check_part_number(part_number)
        return self.client.get_presigned_url(
            "PUT",
            self.bucket,
            checked_key(key),
            expires=timedelta(seconds=ttl),
            extra_query_params={"partNumber": str(part_number), "uploadId": upload_id},
        )

    async def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        parts: list[UploadedPart] = []
        marker: str | None = None
        while True:
            result = await self._run(
                self.client._list_parts,
                self.bucket,
                checked_key(key),
                upload_id,
                part_number_marker=marker,
            )
            parts.extend(UploadedPart(p.part_number, p.etag) for p in result.parts)
            if not result.is_truncated or not result.next_part_number_marker:
                return parts
            marker = result.next_part_number_marker

    async def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> None:
        if not parts:
            raise ObjectStoreError("No parts were uploaded.")
        await self._run(
            self.client._complete_multipart_upload,
            self.bucket,
            checked_key(key),
            upload_id,
            [Part(p.part_number, p.etag.strip('"')) for p in parts],
        )

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        await self._run(
            self.client._abort_multipart_upload, self.bucket, checked_key(key), upload_id
        )
