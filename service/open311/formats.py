"""XML (required by the spec) and JSON (optional; we serve both) from the same documents.

The format is the path's suffix (``services.xml``, ``requests/HN-2026-000001.json``); a path
without one is XML, the spec's default. Moments are ISO 8601 with their offset, in
Asia/Ho_Chi_Minh (the spec asks for the zone; Vietnam reads its own time); every document is
UTF-8 with the XML declaration naming it, as the spec's encoding section says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from litestar import Response
from pydantic import BaseModel

XML_MEDIA_TYPE = "text/xml; charset=utf-8"
JSON_MEDIA_TYPE = "application/json; charset=utf-8"
# The spec's element for each member of a list, by the list's name.
# What XML 1.0 cannot carry at all (escaped or not): C0 controls but tab, newline and carriage
# return, and the non-characters U+FFFE/U+FFFF. A text holding one would make the whole
# document unreadable for every client, so it is dropped from the text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


class Format(StrEnum):
    xml = "xml"
    json = "json"


def split_suffix(name: str) -> tuple[str, Format]:
    """``"HN-2026-1.json"`` -> ``("HN-2026-1", json)``; no known suffix -> the whole, XML."""
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix.lower() in Format.__members__:
        return stem, Format(suffix.lower())
    return name, Format.xml


def format_of_path(path: str) -> Format:
    return split_suffix(path.rstrip("/").rsplit("/", 1)[-1])[1]


def _moment(value: datetime, timezone: str) -> str:
    return value.astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds")


def _plain(value: Any, timezone: str) -> Any:
    """A document as JSON values (moments as ISO 8601 strings)."""
    if isinstance(value, BaseModel):
        return {name: _plain(getattr(value, name), timezone) for name in type(value).model_fields}
    if isinstance(value, list):
        return [_plain(item, timezone) for item in value]
    if isinstance(value, datetime):
        return _moment(value, timezone)
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _element(parent: ElementTree.Element, tag: str, value: Any) -> None:
    child = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for name, item in value.items():
            _element(child, name, item)
    elif isinstance(value, list):
        for item in value:
            _element(child, ITEMS[tag], item)
    else:
        child.text = _text(value)


def to_xml(root: str, document: Any, timezone: str) -> bytes:
    """``document`` (a model, or a list of models under ``root``) as the spec's XML."""
    plain = _plain(document, timezone)
    if isinstance(plain, list):
        tree = ElementTree.Element(root)
        for item in plain:
            _element(tree, ITEMS[root], item)
    else:
        tree = ElementTree.Element(root)
        for name, item in plain.items():
            _element(tree, name, item)
    # The declaration written out: ElementTree's own quotes it with apostrophes, and clients
    # look for the spec's ``encoding="UTF-8"``.
    return DECLARATION + ElementTree.tostring(tree, encoding="unicode").encode()


def to_json(document: Any, timezone: str) -> bytes:
    return json.dumps(_plain(document, timezone), ensure_ascii=False).encode()


def respond(
    fmt: Format,
    root: str,
    document: BaseModel | Sequence[BaseModel],
    timezone: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    """The answer in ``fmt``: ``root`` names the XML's root element (``services``,
    ``service_requests``, ``service_definition``, ``discovery``, ``errors``); JSON has none."""
    items: Any = list(document) if not isinstance(document, BaseModel) else document
    if fmt is Format.json:
        body, media_type = to_json(items, timezone), JSON_MEDIA_TYPE
    else:
        body, media_type = to_xml(root, items, timezone), XML_MEDIA_TYPE
    return Response(body, status_code=status_code, media_type=media_type, headers=headers)
