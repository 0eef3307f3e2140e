"""The upload pipeline: stream in, hash, measure, sniff, check, store content-addressed.

Bytes go to a temporary key while SHA-256, size and type are computed on the way; a file
over the limit or of a refused type stops the stream at once (the rest is never read) and
leaves nothing behind. Only then is the object moved to ``sha256/ab/cd/<hex>``, or dropped
if that object already exists (dedupe).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass

import structlog

from service.errors import Invalid, TooLarge, UnsupportedMediaType
from service.i18n import msg
from service.storage.keys import content_key, temporary_key
from service.storage.sniff import ALLOWED_TYPES, EXTENSIONS, ContentSniffer
from service.storage.store import ObjectStore

logger = structlog.get_logger(__name__)

__all__ = ["ALLOWED_TYPES", "StoredObject", "receive_upload", "verify_object"]


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    content_type: str


def _accepted_list(allowed: Collection[str]) -> list[str]:
    return sorted({EXTENSIONS[t][0] for t in allowed if t in EXTENSIONS})


def _refuse(content_type: str, allowed: Collection[str]) -> UnsupportedMediaType:
    return UnsupportedMediaType(
        msg("file_format_unrecognised")
        if content_type == "unknown"
        else msg("file_content_not_accepted", content_type=content_type),
        detected_type=content_type,
        accepted=_accepted_list(allowed),
    )


class _Inspector:
    """Hashes, measures and sniffs chunks as they pass through ``wrap``."""

    def __init__(self, declared_filename: str, max_bytes: int, allowed: Collection[str]) -> None:
        self.sha256 = hashlib.sha256()
        self.sniffer = ContentSniffer(declared_filename)
        self.max_bytes = max_bytes
        self.allowed = allowed
        self.size = 0

    async def wrap(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            if not chunk:
                continue
            self.size += len(chunk)
            if self.size > self.max_bytes:
                raise TooLarge(
                    msg("file_too_large", max_bytes=self.max_bytes),
                    max_bytes=self.max_bytes,
                )
            self.sha256.update(chunk)
            self.sniffer.feed(chunk)
            early = self.sniffer.head_type
            if early is not None and early not in self.allowed:
                raise _refuse(early, self.allowed)
            yield chunk

    def content_type(self) -> str:
        """The final type; raises unless the file is non-empty and allowed."""
        if self.size == 0:
            raise Invalid(msg("file_empty"), field="body")
        content_type = self.sniffer.finish()
        if content_type not in self.allowed:
            raise _refuse(content_type, self.allowed)
        return content_type


async def receive_upload(
    store: ObjectStore,
    chunks: AsyncIterator[bytes],
    *,
    declared_filename: str,
    max_bytes: int,
    allowed: Collection[str] = ALLOWED_TYPES,
    size_hint: int | None = None,
) -> StoredObject:
    """Stream ``chunks`` into the store. Raises ``TooLarge`` (413), ``UnsupportedMediaType``
    (415) or ``Invalid`` (422, empty file); on any error no object is left behind."""
    if size_hint is not None and size_hint > max_bytes:
        raise TooLarge(msg("file_too_large", max_bytes=max_bytes), max_bytes=max_bytes)
    inspector = _Inspector(declared_filename, max_bytes, allowed)
    temp = temporary_key()
    try:
        await store.put_stream(temp, inspector.wrap(chunks), size_hint)
        content_type = inspector.content_type()
        sha256 = inspector.sha256.hexdigest()
        key = content_key(sha256)
        if await store.exists(key):
            await store.delete(temp)
        else:
            await store.move(temp, key)
    except BaseException:
        with contextlib.suppress(Exception):
            await store.delete(temp)
        raise
    logger.info("object_stored", key=key, size=inspector.size, content_type=content_type)
    return StoredObject(key=key, sha256=sha256, size=inspector.size, content_type=content_type)


async def verify_object(
    store: ObjectStore,
    key: str,
    *,
    declared_filename: str,
    max_bytes: int,
    allowed: Collection[str] = ALLOWED_TYPES,
) -> StoredObject:
    """Re-read an object already in the store (an assembled multipart upload): its hash,
    size and real type, with the same limits as ``receive_upload``. Nothing is moved."""
    inspector = _Inspector(declared_filename, max_bytes, allowed)
    stream = await store.open(key)
    try:
        async for _ in inspector.wrap(stream):
            pass
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
    content_type = inspector.content_type()
    return StoredObject(
        key=key, sha256=inspector.sha256.hexdigest(), size=inspector.size, content_type=content_type
    )
