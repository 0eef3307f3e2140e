"""Reading a streamed upload from a request: the one place every upload route uses."""

from collections.abc import AsyncIterator
from email.message import Message
from typing import Any

from litestar import Request
from litestar.exceptions import InternalServerException

from service.errors import ServiceError
from service.i18n import msg


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
