"""Receiving files over HTTP: the one place every upload route goes through.

An upload route takes the file as the raw request body (streamed, never held in memory),
its name from ``?filename=`` or the ``Content-Disposition`` header. Every domain does the
same steps, so a controller method is one call of :func:`receive_file`::

    @post("/{referral_id:uuid}/attachments", request_max_body_size=None, ...)
    async def upload(self, request, referral_id, db_session, settings, object_store,
                     filename: Annotated[str | None, QueryParameter(max_length=255)] = None):
        return await receive_file(
            request,
            settings,
            partial(service.add_attachment, db_session, object_store, referral_id,
                    actor=request.user),
            present=attachment_read,
            filename=filename,
        )

``save`` is the domain's service call with everything but the stream bound (the database
session, the store, the target, the actor, the capture metadata); it is called as
``save(chunks, filename=..., max_bytes=..., size_hint=...)``, stores the object
(:func:`service.storage.uploads.receive_upload` through ``storage.service``) and writes the
evidence row, and returns it; ``present`` shapes the response body from what it returned.
The multipart routes share :func:`uploaded_parts` and :func:`part_plan`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from email.message import Message
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from litestar import Request
from litestar.exceptions import InternalServerException

from service.db import utcnow
from service.errors import ServiceError
from service.i18n import msg
from service.settings import Settings
from service.storage.schemas import PartTarget
from service.storage.service import PART_URL_TTL_SECONDS, PartUrl, plan_parts
from service.storage.store import UploadedPart

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
R = TypeVar("R")


class UploadInterrupted(ServiceError):
    status_code = 400
    problem_type = "upload-interrupted"


async def request_chunks(request: Request[Any, Any, Any]) -> AsyncIterator[bytes]:
    """The raw request body, chunk by chunk; a client that hangs up is a 400, not a 500."""
    try:
        async for chunk in request.stream():
            yield chunk
    except InternalServerException as exc:
        raise UploadInterrupted(msg("upload_interrupted")) from exc


def size_hint(request: Request[Any, Any, Any]) -> int | None:
    """The declared Content-Length, if it is a plain number."""
    value = request.headers.get("content-length", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def filename_from_disposition(value: str | None) -> str | None:
    """``attachment; filename="a.pdf"`` or RFC 5987 ``filename*=UTF-8''...``."""
    if not value:
        return None
    message = Message()
    message["content-disposition"] = value
    return message.get_filename()


def declared_filename(request: Request[Any, Any, Any], filename: str | None) -> str | None:
    """The file's name: ``?filename=`` first, else the Content-Disposition header."""
    return filename or filename_from_disposition(request.headers.get("content-disposition"))


def local_moment(moment: datetime | None, settings: Settings) -> datetime | None:
    """A capture time without a zone is Vietnamese local time (the edges speak
    Asia/Ho_Chi_Minh); one with a zone is kept as sent."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(settings.timezone))


class SaveUpload(Protocol[T_co]):
    """A domain's upload service with everything but the stream bound (``functools.partial``)."""

    def __call__(
        self,
        chunks: AsyncIterator[bytes],
        /,
        *,
        filename: str | None,
        max_bytes: int,
        size_hint: int | None,
    ) -> Awaitable[T_co]: ...


async def receive_file(
    request: Request[Any, Any, Any],
    settings: Settings,
    save: SaveUpload[T] | Callable[..., Awaitable[T]],
    *,
    present: Callable[[T], R],
    filename: str | None = None,
) -> R:
    """Stream the request body into ``save`` (name, size hint and the configured size limit
    passed along) and answer with ``present`` of what it stored."""
    stored = await save(
        request_chunks(request),
        filename=declared_filename(request, filename),
        max_bytes=settings.max_upload_bytes,
        size_hint=size_hint(request),
    )
    return present(stored)


class PartIn(Protocol):
    part_number: int
    etag: str


def uploaded_parts(parts: Sequence[PartIn] | None) -> list[UploadedPart] | None:
    """The parts a client names when completing a multipart upload (None: the store lists
    them itself)."""
    return None if parts is None else [UploadedPart(p.part_number, p.etag) for p in parts]


def part_plan(size: int, urls: Sequence[PartUrl]) -> dict[str, Any]:
    """What the answer to a started multipart upload says of its parts: ``part_size``,
    ``parts`` (where to PUT each) and ``expires_at`` (when those URLs stop working)."""
    return {
        "part_size": plan_parts(size)[0],
        "parts": [
            PartTarget(part_number=u.part_number, url=u.url, offset=u.offset, length=u.length)
            for u in urls
        ],
        "expires_at": utcnow() + timedelta(seconds=PART_URL_TTL_SECONDS),
    }
