"""Conditional requests (RFC 9110 §8.8.3, §13.1.1): the one ETag and ``If-Match`` of the API.

Every changeable resource has an integer ``version``; its ETag is that number in quotes
(``"3"``). A change must name the version it was made against:

- no ``If-Match`` → **428** (so two officers cannot overwrite each other by accident);
- ``If-Match: *`` → any current version passes (the resource exists: that is all ``*`` asks);
- a list (``"3", "4"``) passes when one tag names the current version; a weak tag
  (``W/"3"``) is compared by its opaque tag (our versions are exact, so weak and strong mean
  the same here); a bare ``3`` is accepted as ``"3"`` for clients that drop the quotes;
- anything else → **412**, with ``current_etag`` (the one field name in every domain).

Handlers take the parsed header as the ``if_match`` dependency (:data:`IF_MATCH`), check it
with :func:`require_version` on the resource they locked, and answer with :func:`with_etag`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Response
from litestar.di import Provide
from litestar.params import HeaderParameter
from litestar.status_codes import HTTP_200_OK

from service.errors import PreconditionFailed, PreconditionRequired
from service.i18n import Message, msg


def etag(version: int) -> str:
    """The strong ETag of a resource at ``version``."""
    return f'"{version}"'


@dataclass(frozen=True, slots=True)
class IfMatch:
    """A parsed ``If-Match`` header."""

    any: bool  # "*"
    tags: tuple[str, ...]  # opaque tags without W/ and quotes

    @classmethod
    def parse(cls, header: str) -> IfMatch:
        tags: list[str] = []
        for raw in header.split(","):
            tag = raw.strip()
            if tag == "*":
                return cls(any=True, tags=())
            tag = tag.removeprefix("W/")
            if len(tag) >= 2 and tag[0] == tag[-1] == '"':
                tag = tag[1:-1]
            if tag:
                tags.append(tag)
        return cls(any=False, tags=tuple(tags))

    def matches(self, version: int) -> bool:
        return self.any or str(version) in self.tags


def none_match(header: str, current_etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``current_etag`` (RFC 9110 §13.1.2: ``*``,
    lists, the weak comparison), so a GET answers 304."""
    parsed = IfMatch.parse(header)
    return parsed.any or current_etag.removeprefix("W/").strip('"') in parsed.tags


async def _provide_if_match(
    if_match_header: Annotated[
        str | None,
        HeaderParameter(
            name="If-Match",
            required=False,
            max_length=1024,
            description="The ETag of the resource as last read (`*`: any version). "
            "Required on every change: 428 without it, 412 when stale.",
        ),
    ] = None,
) -> IfMatch | None:
    if if_match_header is None or not if_match_header.strip():
        return None
    return IfMatch.parse(if_match_header)


# Put under ``dependencies={"if_match": IF_MATCH}`` (the app does, for every route).
IF_MATCH = Provide(_provide_if_match)


def require_version(
    if_match: IfMatch | None,
    version: int,
    *,
    missing: Message | None = None,
    stale: Message | None = None,
) -> None:
    """428 when ``If-Match`` is missing, 412 when it names another version than ``version``."""
    if if_match is None:
        raise PreconditionRequired(missing or msg("if_match_required_etag"))
    if not if_match.matches(version):
        raise PreconditionFailed(stale or msg("resource_changed"), current_etag=etag(version))


def with_etag(body: Any, version: int, status_code: int = HTTP_200_OK) -> Response[Any]:
    """``body`` answered with the ETag of the resource at ``version`` (the object in hand)."""
    return Response(body, status_code=status_code, headers={"ETag": etag(version)})
