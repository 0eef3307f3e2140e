"""Object keys and file names.

Stored evidence is content-addressed: ``sha256/ab/cd/<hex>``, so identical files share one
object and a key says what its bytes must hash to. Uploads land first under ``tmp/`` (single
requests) or ``pending/`` (multipart, until the completion call verifies them).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from urllib.parse import quote

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
MAX_KEY_LENGTH = 512
MAX_FILENAME_LENGTH = 255
DEFAULT_FILENAME = "evidence"


def content_key(sha256_hex: str) -> str:
    if not _HEX64.match(sha256_hex):
        raise ValueError("not a lower-case hex SHA-256 digest")
    return f"sha256/{sha256_hex[:2]}/{sha256_hex[2:4]}/{sha256_hex}"


def temporary_key() -> str:
    return f"tmp/{uuid.uuid4().hex}"


def pending_key(evidence_id: uuid.UUID) -> str:
    return f"pending/{evidence_id.hex}"


def is_valid_key(key: str) -> bool:
    """Relative, no ``..``/empty segments, a conservative alphabet: safe as a file path."""
    return len(key) <= MAX_KEY_LENGTH and bool(_KEY.match(key)) and ".." not in key


def clean_filename(name: str | None) -> str:
    """The name a user gave a file, made safe to store and show: NFC, no directories, no
    control characters, at most 255 characters, never empty."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_FILENAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME_LENGTH]
    return name or DEFAULT_FILENAME


def ascii_fallback(name: str) -> str:
    """ "Biên bản đợt 1.pdf" -> "Bien ban dot 1.pdf" for clients that ignore ``filename*``."""
    name = name.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.encode("ascii", "ignore").decode("ascii")
    plain = re.sub(r'["\\;\x00-\x1f\x7f]', "_", plain).strip()
    return plain or DEFAULT_FILENAME


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """RFC 6266 header value with an ASCII fallback and the UTF-8 name (RFC 5987)."""
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename)}"
