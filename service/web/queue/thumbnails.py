"""Image previews of a petition's files: a small JPEG made on the server from the stored
bytes (read through the storage service, under the download's rules, logged as a view).

The page cannot show the file itself: its bytes are on the object store, another origin the
CSP refuses for images, and a presigned URL per preview would log a download for every
look at the page. Pillow decodes in a worker thread; what it cannot read (a broken or
oversized image, a decompression bomb) simply has no preview.
"""

from __future__ import annotations

import io
import warnings

import anyio.to_thread
from PIL import Image

PREVIEWABLE = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
MAX_SOURCE_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a phone photo is about 12 million; anything far above is refused
BOX = (480, 480)


def previewable(content_type: str) -> bool:
    return content_type in PREVIEWABLE


def _shrink(data: bytes) -> bytes | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                image.draft("RGB", BOX)  # JPEG: decode at a reduced scale, much faster
                image.thumbnail(BOX)
                out = io.BytesIO()
                image.convert("RGB").save(out, format="JPEG", quality=80)
                return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        return None


async def thumbnail(data: bytes) -> bytes | None:
    """A JPEG of at most 480×480 pixels, or None for bytes that are not a readable image."""
    return await anyio.to_thread.run_sync(_shrink, data)
