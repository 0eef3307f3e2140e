"""The one keyset cursor of every list: versioned, URL-safe, tamper-evident, timezone-checked.

A cursor is the position after the last row of a page: the sort key's values and the row's id.
On the wire: ``v1.<payload>.<check>``, where the payload is URL-safe base64 (no padding) of a
JSON array ``[list, value, ...]`` and the check is a keyed BLAKE2b digest of the payload.

- **Versioned**: a later format gets ``v2``; an unknown version is refused (422), not guessed.
- **Tamper-evident**: an edited cursor fails its check (422), so a client cannot walk a list
  from a hand-made position that a bug could turn into a skipped or repeated page. No secret
  is needed for that: a cursor only names a position the caller could reach by paging anyway.
- **Bound to its list**: ``list`` names the list and its sort order (``petitions:newest``); a
  cursor of another list or sort is refused with its own message.
- **Timezone-checked**: moments travel as ISO 8601 with their offset; a moment without one is
  refused (the database compares ``timestamptz``).

Values are ``datetime`` (aware), ``date``, ``uuid.UUID``, ``int``, ``str`` or ``None``;
:func:`decode` takes the expected types in order and returns the values converted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from service.errors import Invalid
from service.i18n import msg

VERSION = "v1"
MAX_LENGTH = 500  # every list declares ``cursor`` with this max_length
_KEY = b"giamsat.cursor.v1"
_CHECK_BYTES = 9  # 12 characters of base64


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _check(payload: str) -> str:
    digest = hashlib.blake2b(payload.encode("ascii"), key=_KEY, digest_size=_CHECK_BYTES)
    return _b64(digest.digest())


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a cursor's moment needs its time zone")
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, int | str):
        return value
    raise TypeError(f"a cursor cannot carry {type(value).__name__}")


def encode(list_name: str, *values: Any) -> str:
    """The cursor after a row whose sort values (then id) are ``values``."""
    payload = _b64(
        json.dumps([list_name, *(_plain(v) for v in values)], separators=(",", ":")).encode()
    )
    return f"{VERSION}.{payload}.{_check(payload)}"


def _typed(value: Any, kind: type) -> Any:
    if value is None:
        return None
    if kind is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive moment")
        return moment
    if kind is date:
        return date.fromisoformat(value)
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("not an integer")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ValueError("not a string")
        return value
    raise TypeError(f"a cursor cannot carry {kind.__name__}")


def decode(list_name: str, cursor: str, kinds: Sequence[type]) -> tuple[Any, ...]:
    """The values ``encode(list_name, ...)`` put in ``cursor``, as ``kinds``; 422 otherwise."""
    invalid = Invalid(msg("cursor_invalid"), field="cursor")
    version, _, rest = cursor.partition(".")
    payload, _, check = rest.partition(".")
    if version != VERSION or not payload or len(cursor) > MAX_LENGTH:
        raise invalid
    if not hmac.compare_digest(check.encode("ascii", "replace"), _check(payload).encode()):
        raise invalid
    try:
        data = json.loads(_unb64(payload))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise invalid from exc
    if not isinstance(data, list) or not data:
        raise invalid
    if data[0] != list_name:
        raise Invalid(msg("cursor_other_sort"), field="cursor")
    values = data[1:]
    if len(values) != len(kinds):
        raise invalid
    try:
        return tuple(_typed(v, k) for v, k in zip(values, kinds, strict=True))
    except (ValueError, TypeError, AttributeError) as exc:
        raise invalid from exc
