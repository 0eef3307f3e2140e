"""The app's request class: one place where every JSON body is admitted or refused.

Litestar decodes a ``data`` parameter with ``request.json()`` whatever the request's
``Content-Type`` says, and only turns msgspec's ``DecodeError`` into a 400: a body nested
deeper than the interpreter's recursion limit raises ``RecursionError``, and bytes that are
not UTF-8 inside a string raise ``UnicodeDecodeError``, both answered 500. Every route whose
body is JSON goes through ``json()`` (upload routes read ``request.stream()`` and keep their
own content types), so overriding it here covers all of them at once:

* a body that is not ``application/json`` (or an ``application/*+json`` type) is 415;
* a body the JSON decoder rejects, for whatever reason, is 400.

Both are refused before the handler and its dependencies run, and after authentication and
guards (a caller who may not use the route learns nothing about its body rules).
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.datastructures import URL
from litestar.exceptions import SerializationException

from service.errors import MalformedBody, UnsupportedMediaType
from service.i18n import msg

JSON_MEDIA_TYPE = "application/json"


def is_json_media_type(content_type: str) -> bool:
    """``application/json`` or a structured ``+json`` type (RFC 6839), e.g. merge-patch."""
    media_type = content_type.strip().lower()
    return media_type == JSON_MEDIA_TYPE or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


_NOT_URL_SAFE = re.compile(rb"[^\x21-\x7e]")


def percent_encode(query: bytes) -> bytes:
    """Percent-encode what may not appear raw in a query string (bytes above 0x7E, control
    bytes); a well-formed query string is returned unchanged."""
    return _NOT_URL_SAFE.sub(lambda match: b"%%%02X" % match.group()[0], query)


class ApiRequest(Request[Any, Any, Any]):
    @property
    def url(self) -> URL:
        """Litestar decodes the raw query string as strict UTF-8 to build the URL, so
        ``?q=\xff`` sent unencoded crashed every error handler (they name the path).
        Raw bytes are percent-encoded first, as a browser would have sent them; the
        query parameters then read the same (undecodable octets become U+FFFD)."""
        query = self.scope.get("query_string", b"")
        if not query.isascii() or _NOT_URL_SAFE.search(query):
            self.scope["query_string"] = percent_encode(query)
        return super().url

    async def json(self) -> Any:
        if await self.body() and not is_json_media_type(self.content_type[0]):
            raise UnsupportedMediaType(msg("body_must_be_json"))
        try:
            return await super().json()
        except (SerializationException, RecursionError, UnicodeDecodeError) as exc:
            # RecursionError: nesting deeper than the decoder's stack; UnicodeDecodeError:
            # bytes that are not UTF-8 inside a string; the rest is malformed JSON.
            raise MalformedBody(msg("body_not_json")) from exc
