"""A file sent from a page's form (``multipart/form-data``), for the storage service.

The API's upload routes take the file as the raw request body; a browser without JavaScript
sends it inside a multipart form, which Litestar parses (the CSRF middleware already does,
for the token) into an ``UploadFile`` spooled to disk. So a page's upload route declares
``request_max_body_size=FORM_UPLOAD_MAX_BODY`` (Litestar refuses a larger body before reading
it, from its Content-Length, or while counting), and hands :func:`form_file`'s chunks to the
same domain service as the API's route, which applies ``settings.max_upload_bytes`` and the
sniffed type checks exactly as there (413, 415, 422).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile

from service.settings import Settings

CHUNK_BYTES = 256 * 1024
# Room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD_BYTES = 64 * 1024
# A route's limit is fixed when the app is built: the default upload limit, plus the form.
# A deployment that raises ``max_upload_bytes`` above it keeps the API for larger files.
FORM_UPLOAD_MAX_BODY = int(Settings.model_fields["max_upload_bytes"].default) + FORM_OVERHEAD_BYTES


@dataclass(frozen=True)
class FormFile:
    """The chosen file: its name as the browser sent it, and its bytes chunk by chunk."""

    filename: str | None
    upload: UploadFile

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            while chunk := await self.upload.read(CHUNK_BYTES):
                yield chunk
        finally:
            await self.upload.close()


async def form_file(request: Request[Any, Any, Any], name: str = "file") -> FormFile | None:
    """The file of the form's field ``name``; None when none was chosen (a browser sends an
    empty part without a name)."""
    form = await request.form()
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    return FormFile(filename=upload.filename, upload=upload)


__all__ = ["FORM_UPLOAD_MAX_BODY", "FormFile", "form_file"]
