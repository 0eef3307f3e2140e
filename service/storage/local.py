"""Objects as files under ``settings.objects_root`` (the embedded demo and single-node setups).

Writes are atomic: bytes go to ``.tmp/`` first, then ``os.replace`` puts them under the key,
so a reader never sees half a file. Downloads and multipart part uploads go through our own
API with URLs signed by HMAC-SHA256 (key derived from ``settings.jwt_secret``), mimicking
S3 presigned URLs so that clients handle both backends the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from urllib.parse import urlencode

import anyio
import anyio.to_thread

from service.i18n import Message, msg
from service.settings import Settings, StorageBackend
from service.storage.store import (
    MAX_PART_BYTES,
    MIN_PART_BYTES,
    READ_CHUNK_BYTES,
    ObjectNotFound,
    ObjectStat,
    ObjectStore,
    ObjectStoreError,
    UploadedPart,
    check_part_number,
    checked_key,
)

# Where the API serves signed local URLs (see service.storage.controllers.ObjectController).
OBJECTS_PATH = "/api/v1/objects"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_PART_FILE = re.compile(r"^(\d{5})\.([0-9a-f]{32})\.part$")


class SignatureInvalid(Exception):
    """The URL was not signed by us, was altered, or has expired."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


class UrlSigner:
    """HMAC-SHA256 over the parts of a URL that matter, with an expiry time."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def from_settings(cls, settings: Settings) -> UrlSigner:
        # A purpose-specific key: a signature for a URL is never valid as a JWT or vice versa.
        root = settings.jwt_secret.get_secret_value().encode()
        return cls(hmac.new(root, b"giamsat/local-object-urls/v1", hashlib.sha256).digest())

    def sign(self, *parts: str) -> str:
        message = json.dumps(parts).encode()  # unambiguous, unlike joining with a separator
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def verify(self, signature: str, expires: int, *parts: str, now: float | None = None) -> None:
        expected = self.sign(*parts, str(expires))
        if not hmac.compare_digest(expected.encode(), (signature or "").encode()):
            raise SignatureInvalid(msg("url_signature_mismatch"))
        if expires < (time.time() if now is None else now):
            raise SignatureInvalid(msg("url_expired"))


class LocalObjectStore(ObjectStore):
    backend = StorageBackend.local

    def __init__(self, root: Path, *, signer: UrlSigner, base_url: str) -> None:
        self.root = root
        self.signer = signer
        self.base_url = base_url.rstrip("/") + OBJECTS_PATH
        self._tmp = root / ".tmp"
        self._uploads = root / ".uploads"

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalObjectStore:
        return cls(
            settings.objects_root,
            signer=UrlSigner.from_settings(settings),
            base_url=settings.public_base_url,
        )

    # -- paths -------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    def _upload_dir(self, upload_id: str) -> Path:
        if not _UPLOAD_ID.match(upload_id):
            raise ObjectNotFound(f"no multipart upload {upload_id!r}")
        return self._uploads / upload_id

    def _temp_path(self) -> Path:
        return self._tmp / uuid.uuid4().hex

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        for directory in (self.root, self._tmp, self._uploads):
            await anyio.Path(directory).mkdir(parents=True, exist_ok=True)

    async def ping(self) -> None:
        def check() -> None:
            if not (self._tmp.is_dir() and os.access(self._tmp, os.W_OK)):
                raise ObjectStoreError(f"{self._tmp} is not a writable directory")

        await anyio.to_thread.run_sync(check)

    # -- objects -----------------------------------------------------------------------------

    async def _put_stream(
        self, key: str, chunks: AsyncIterator[bytes], size_hint: int | None, content_type: str
    ) -> None:
        # One file, whatever the size; the local store keeps no content type.
        target = self._path(key)
        temp = self._temp_path()
        await _write_stream(temp, chunks)
        await _replace(temp, target)

    async def exists(self, key: str) -> bool:
        return await anyio.Path(self._path(key)).is_file()

    async def stat(self, key: str) -> ObjectStat:
        try:
            result = await anyio.Path(self._path(key)).stat()
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        return ObjectStat(key=key, size=result.st_size)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        try:
            handle = await anyio.open_file(self._path(key), "rb")
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        return _read_chunks(handle)

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await anyio.Path(self._path(key)).unlink()

    async def copy(self, source: str, target: str) -> None:
        source_path, target_path = self._path(source), self._path(target)
        temp = self._temp_path()
        try:
            await anyio.to_thread.run_sync(shutil.copyfile, source_path, temp)
        except FileNotFoundError as exc:
            raise ObjectNotFound(source) from exc
        await _replace(temp, target_path)

    async def move(self, source: str, target: str) -> None:
        source_path, target_path = self._path(source), self._path(target)
        if not await anyio.Path(source_path).is_file():
            raise ObjectNotFound(source)
        await _replace(source_path, target_path)

    # -- signed downloads --------------------------------------------------------------------

    async def presigned_get(self, key: str, *, filename: str, content_type: str, ttl: int) -> str:
        self._path(key)
        expires = int(time.time()) + ttl
        signature = self.signer.sign("GET", key, filename, content_type, str(expires))
        query = urlencode(
            {
                "expires": expires,
                "filename": filename,
                "content_type": content_type,
                "signature": signature,
            }
        )
        return f"{self.base_url}/{key}?{query}"

    def verify_get(
        self, key: str, *, expires: int, filename: str, content_type: str, signature: str
    ) -> None:
        """``SignatureInvalid`` unless the URL is one ``presigned_get`` made and unexpired."""
        self.signer.verify(signature, expires, "GET", key, filename, content_type)

    # -- multipart ---------------------------------------------------------------------------

    async def create_multipart(self, key: str, content_type: str) -> str:
        self._path(key)
        upload_id = uuid.uuid4().hex
        directory = self._upload_dir(upload_id)
        await anyio.Path(directory).mkdir(parents=True)
        meta = json.dumps({"key": key, "content_type": content_type})
        await anyio.Path(directory / "meta.json").write_text(meta)
        return upload_id

    async def _check_upload(self, key: str, upload_id: str) -> Path:
        directory = self._upload_dir(upload_id)
        try:
            meta = json.loads(await anyio.Path(directory / "meta.json").read_text())
        except FileNotFoundError as exc:
            raise ObjectNotFound(f"no multipart upload {upload_id!r}") from exc
        if meta.get("key") != key:
            raise ObjectNotFound(f"no multipart upload {upload_id!r} for {key!r}")
        return directory

    async def presigned_part_url(self, key: str, upload_id: str, part_number: int, ttl: int) -> str:
        await self._check_upload(key, upload_id)
        check_part_number(part_number)
        expires = int(time.time()) + ttl
        signature = self.signer.sign("PUT", upload_id, str(part_number), str(expires))
        query = urlencode({"expires": expires, "signature": signature})
        return f"{self.base_url}/uploads/{upload_id}/{part_number}?{query}"

    def verify_part_put(
        self, upload_id: str, part_number: int, *, expires: int, signature: str
    ) -> None:
        self.signer.verify(signature, expires, "PUT", upload_id, str(part_number))

    async def receive_part(
        self, upload_id: str, part_number: int, chunks: AsyncIterator[bytes]
    ) -> str:
        """Store one part (what the signed PUT route calls); returns its ETag (MD5, as S3)."""
        from service.errors import TooLarge

        check_part_number(part_number)
        directory = self._upload_dir(upload_id)
        if not await anyio.Path(directory / "meta.json").is_file():
            raise ObjectNotFound(f"no multipart upload {upload_id!r}")
        md5 = hashlib.md5(usedforsecurity=False)

        async def measured() -> AsyncIterator[bytes]:
            size = 0
            async for chunk in chunks:
                size += len(chunk)
                if size > MAX_PART_BYTES:
                    raise TooLarge(msg("part_too_large", max_bytes=MAX_PART_BYTES))
                md5.update(chunk)
                yield chunk

        temp = directory / f"{uuid.uuid4().hex}.tmp"
        await _write_stream(temp, measured())
        etag = md5.hexdigest()
        for old in await anyio.to_thread.run_sync(_part_files, directory):
            if old[0] == part_number:
                with contextlib.suppress(FileNotFoundError):
                    (directory / old[2]).unlink()
        await anyio.Path(temp).rename(directory / f"{part_number:05d}.{etag}.part")
        return etag

    async def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        directory = await self._check_upload(key, upload_id)
        files = await anyio.to_thread.run_sync(_part_files, directory)
        return [UploadedPart(number, etag) for number, etag, _ in files]

    async def complete_multipart(
        self, key: str, upload_id: str, parts: Sequence[UploadedPart]
    ) -> None:
        directory = await self._check_upload(key, upload_id)
        received = {
            number: (etag, name)
            for number, etag, name in await anyio.to_thread.run_sync(_part_files, directory)
        }
        numbers = [part.part_number for part in parts]
        if not parts or numbers != sorted(set(numbers)):
            raise ObjectStoreError("Parts must be listed once each, in ascending order.")
        paths: list[Path] = []
        for index, part in enumerate(parts):
            found = received.get(part.part_number)
            if found is None or found[0] != part.etag.strip('"').lower():
                raise ObjectStoreError(f"Part {part.part_number} is missing or its ETag differs.")
            path = directory / found[1]
            if index < len(parts) - 1 and path.stat().st_size < MIN_PART_BYTES:
                raise ObjectStoreError(
                    f"Part {part.part_number} is smaller than {MIN_PART_BYTES} bytes."
                )
            paths.append(path)
        temp = self._temp_path()
        await anyio.to_thread.run_sync(_concatenate, paths, temp)
        await _replace(temp, self._path(key))
        await anyio.to_thread.run_sync(shutil.rmtree, directory)

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        directory = await self._check_upload(key, upload_id)
        await anyio.to_thread.run_sync(shutil.rmtree, directory)


def _part_files(directory: Path) -> list[tuple[int, str, str]]:
    found = []
    for entry in os.scandir(directory):
        match = _PART_FILE.match(entry.name)
        if match:
            found.append((int(match.group(1)), match.group(2), entry.name))
    return sorted(found)


def _concatenate(paths: list[Path], target: Path) -> None:
    with target.open("wb") as out:
        for path in paths:
            with path.open("rb") as part:
                shutil.copyfileobj(part, out, READ_CHUNK_BYTES)
        out.flush()
        os.fsync(out.fileno())


async def _write_stream(path: Path, chunks: AsyncIterator[bytes]) -> None:
    """Write chunks to ``path``; on any error (including the iterator's) remove it."""
    try:
        async with await anyio.open_file(path, "wb") as out:
            async for chunk in chunks:
                await out.write(chunk)
            await out.flush()
            await anyio.to_thread.run_sync(os.fsync, out.wrapped.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            await anyio.Path(path).unlink()
        raise


async def _replace(source: Path, target: Path) -> None:
    await anyio.Path(target.parent).mkdir(parents=True, exist_ok=True)
    await anyio.Path(source).replace(target)


async def _read_chunks(handle: anyio.AsyncFile[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := await handle.read(READ_CHUNK_BYTES):
            yield chunk
    finally:
        await handle.aclose()
