"""``/api/v1/public/feeds``: Atom feeds (RFC 4287) of the published answers (the city, a ward,
a category) and of the supervision conclusions the Front made public. No login.

Pages per RFC 5005 (``first``/``next``/``previous``/``last`` links; ``before``, ``after`` and
``page=last`` are keyset positions, :mod:`service.feeds.paging`). Conditional GET per RFC 9110
section 13: ``If-None-Match`` against the page's ETag (a hash of its bytes), or, when the
client sends no entity tag, ``If-Modified-Since`` against its ``Last-Modified`` (its newest
entry), answer 304 without a body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Literal

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED
from sqlalchemy.ext.asyncio import AsyncSession

from service.feeds import atom
from service.feeds import service as feeds
from service.feeds.paging import PageRequest
from service.http import cursor, preconditions
from service.readonly import ReadSession
from service.settings import Settings

Position = Annotated[str | None, QueryParameter(max_length=cursor.MAX_LENGTH)]
LastPage = Annotated[Literal["last"] | None, QueryParameter(name="page")]
Limit = Annotated[int, QueryParameter(ge=1, le=feeds.MAX_PAGE_SIZE)]
IfNoneMatch = Annotated[
    str | None, HeaderParameter(name="If-None-Match", required=False, max_length=2000)
]
IfModifiedSince = Annotated[
    str | None, HeaderParameter(name="If-Modified-Since", required=False, max_length=100)
]
# Readers poll; a minute of caching costs a new answer at most a minute.
CACHE_CONTROL = "public, max-age=60"
PAGING = (
    "Newest first, `limit` entries a page. `before` (the `next` link), `after` (`previous`) "
    "and `page=last` choose the page; at most one of them. Conditional GET: `If-None-Match` "
    "with the ETag, or `If-Modified-Since`, answers 304."
)


def _unchanged(
    document: feeds.FeedDocument, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    if if_none_match is not None:
        return preconditions.none_match(if_none_match, document.etag)
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False  # an unreadable date is ignored (RFC 9110 section 13.1.3)
        if since.tzinfo is None:
            return False
        return document.updated.replace(microsecond=0) <= since
    return False


@dataclass(frozen=True)
class Conditions:
    """The request's conditional headers (RFC 9110 section 13)."""

    if_none_match: str | None = None
    if_modified_since: str | None = None


@dataclass(frozen=True)
class FeedRequest:
    """What every feed's query and headers ask for: which page, how long, and the
    conditions of a conditional GET; with the session and settings it is read with."""

    page: PageRequest
    limit: int
    conditions: Conditions
    read_session: AsyncSession
    settings: Settings

    async def answers(
        self, *, unit_code: str | None = None, category_code: str | None = None
    ) -> Response[bytes]:
        """The page asked for of the answers feed (the city's, a ward's or a category's)."""
        document = await feeds.answers_feed(
            self.read_session,
            self.settings,
            unit_code=unit_code,
            category_code=category_code,
            request=self.page,
            limit=self.limit,
        )
        return _answer(document, self.conditions)

    async def conclusions(self) -> Response[bytes]:
        """The page asked for of the conclusions feed."""
        document = await feeds.conclusions_feed(
            self.read_session, self.settings, request=self.page, limit=self.limit
        )
        return _answer(document, self.conditions)


def _feed_request(
    read_session: ReadSession,
    settings: NamedDependency[Settings],
    before: Position = None,
    after: Position = None,
    page: LastPage = None,
    limit: Limit = feeds.PAGE_SIZE,
    if_none_match: IfNoneMatch = None,
    if_modified_since: IfModifiedSince = None,
) -> FeedRequest:
    """One parameter set for every feed."""
    return FeedRequest(
        PageRequest(before=before, after=after, last=page == "last"),
        limit,
        Conditions(if_none_match, if_modified_since),
        read_session,
        settings,
    )


def _answer(document: feeds.FeedDocument, conditions: Conditions) -> Response[bytes]:
    headers = {
        "ETag": document.etag,
        "Last-Modified": format_datetime(_whole_seconds(document.updated), usegmt=True),
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Encoding",
    }
    if _unchanged(document, conditions.if_none_match, conditions.if_modified_since):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(
        document.body, status_code=HTTP_200_OK, media_type=atom.MEDIA_TYPE, headers=headers
    )


def _whole_seconds(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _feed(path: str, operation_id: str, summary: str) -> get:
    """The route of one feed: public, paged alike, answered as Atom."""
    return get(
        path,
        exclude_from_auth=True,
        operation_id=operation_id,
        summary=summary,
        description=PAGING,
        media_type=atom.MEDIA_TYPE,
        responses={
            HTTP_304_NOT_MODIFIED: ResponseSpec(
                data_container=None,
                generate_examples=False,
                description="Not modified since the client's copy (`If-None-Match` or "
                "`If-Modified-Since`); no body.",
            )
        },
    )


class FeedController(Controller):
    path = "/public/feeds"
    tags = ["public"]
    dependencies = {"feed": Provide(_feed_request, sync_to_thread=False)}

    @_feed("/answers", "feed_answers", "Atom feed of the published answers of the city")
    async def answers(self, feed: NamedDependency[FeedRequest]) -> Response[bytes]:
        return await feed.answers()

    @_feed(
        "/answers/wards/{unit_code:str}",
        "feed_answers_of_ward",
        "Atom feed of the published answers of one ward or commune",
    )
    async def ward_answers(
        self,
        feed: NamedDependency[FeedRequest],
        unit_code: Annotated[str, PathParameter(max_length=16)],
    ) -> Response[bytes]:
        return await feed.answers(unit_code=unit_code)

    @_feed(
        "/answers/categories/{category_code:str}",
        "feed_answers_of_category",
        "Atom feed of the published answers of one category",
    )
    async def category_answers(
        self,
        feed: NamedDependency[FeedRequest],
        category_code: Annotated[str, PathParameter(max_length=64)],
    ) -> Response[bytes]:
        return await feed.answers(category_code=category_code)

    @_feed(
        "/conclusions", "feed_conclusions", "Atom feed of the supervision conclusions made public"
    )
    async def conclusions(self, feed: NamedDependency[FeedRequest]) -> Response[bytes]:
        return await feed.conclusions()


controllers = [FeedController]
