"""The object store interface: where evidence bytes live.

Two implementations: ``S3ObjectStore`` (MinIO or any S3 endpoint, through the ``minio``
client) and ``LocalObjectStore`` (files under ``settings.objects_root``). Both stream: no
method takes or returns a whole file in memory. Keys are plain relative paths
(``sha256/ab/cd/<hex>``, ``tmp/<uuid>``, ``pending/<uuid>``); see ``service.storage.keys``.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from service.errors import Unavailable
from service.i18n import Message, msg
from service.settings import StorageBackend
from service.storage.keys import is_valid_key

# Streaming reads hand out chunks of this size (big enough to keep thread hops rare).
READ_CHUNK_BYTES = 1024 * 1024
# S3's own multipart limits; the local store follows them too so that clients behave alike.
MIN_PART_BYTES = 5 * 1024 * 1024
MAX_PART_BYTES = 5 * 1024 * 1024 * 1024
MAX_PARTS = 10_000


class ObjectNotFound(LookupError):
    """No object under this key (or no multipart upload with this id)."""


class ObjectStoreError(RuntimeError):
    """The store refused an operation (bad multipart parts, unreachable server...)."""


class ObjectStoreUnavailable(Unavailable):
    """The store cannot be reached now (connection refused or reset, timeout, a 5xx from
    the server): 503 with ``Retry-After`` for a request, a retry with backoff for a job.
    The message never carries the store's address or bucket (the log has the cause)."""

    def __init__(self, detail: Message | None = None) -> None:
        super().__init__(detail or msg("object_store_unavailable"))


@dataclass(frozen=True, slots=True)
class ObjectStat:
    key: str
    size: int
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class UploadedPart:
    """One part of a multipart upload as the client reports it (ETag from the PUT response)."""

    part_number: int
    etag: str


def checked_key(key: str) -> str:
    """``key`` if it is one the stores accept (both backends refuse the same keys alike)."""
    if not is_valid_key(key):
        raise ValueError(f"invalid object key: {key!r}")
    return key


def check_part_number(part_number: int) -> None:
    """S3's part-number range, which the local store follows too."""
    if not 1 <= part_number <= MAX_PARTS:
        raise ValueError(f"part numbers run from 1 to {MAX_PARTS}")


class ObjectStore(abc.ABC):
    """Async, streaming object storage. Implementations never buffer a whole object."""

    backend: StorageBackend

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Prepare the store at app startup (create the bucket or directories)."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise if the store is unusable (readiness probe)."""

    async def put_stream(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        size_hint: int | None = None,
        content_type: str = "application/octet-stream",
    ) -> None:
        """Store the stream under ``key``. If the iterator raises, nothing is left behind
        under ``key`` and the exception propagates unchanged.

        The key is checked here, before a byte is read, so both stores refuse a bad key
        alike; ``_put_stream`` does the store-specific writing."""
        await self._put_stream(checked_key(key), chunks, size_hint, content_type)

    @abc.abstractmethod
    async def _put_stream(
        self, key: str, chunks: AsyncIterator[bytes], size_hint: int | None, content_type: str
    ) -> None:
        """Write the stream under a checked ``key``, with ``put_stream``'s guarantees."""

    @abc.abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    async def stat(self, key: str) -> ObjectStat:
        """Size (and content type where the store keeps one); ``ObjectNotFound`` if absent."""

    @abc.abstractmethod
    async def open(self, key: str) -> AsyncIterator[bytes]:
        """Check that ``key`` exists (``ObjectNotFound`` otherwise) and return an iterator
        over its bytes. Usage: ``async for chunk in await store.open(key)``."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove an object; absent keys are ignored. Only for temporary and pending
        objects: stored evidence is never deleted."""

    @abc.abstractmethod
    async def copy(self, source: str, target: str) -> None: ...

    async def move(self, source: str, target: str) -> None:
        await self.copy(source, target)
        await self.delete(source)

    @abc.abstractmethod
    async def presigned_get(self, key: str, *, filename: str, content_type: str, ttl: int) -> str:
        """A URL that downloads the object for ``ttl`` seconds, as ``filename``."""

    @abc.abstractmethod
    async def create_multipart(self, key: str, content_type: str) -> str:
        """Start a multipart upload to ``key``; returns the upload id."""

    @abc.abstractmethod
    async def presigned_part_url(self, key: str, upload_id: str, part_number: int, ttl: int) -> str:
        """A URL the client PUTs one part to; the response carries the part's ETag."""

    @abc.abstractmethod
    async def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        """The parts received so far, in part-number order."""

    @abc.abstractmethod
    async def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> None:
        """Assemble the parts into the object under ``key``. ``ObjectStoreError`` if a part
        is missing or its ETag does not match."""

    @abc.abstractmethod
    async def abort_multipart(self, key: str, upload_id: str) -> None: ...

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources at app shutdown."""
