"""The channel adapters: one interface, ``Adapter.publish(post) -> RemoteId | None``, for the
Zalo Official Account, the Facebook Page and the signed webhook. ``None`` is a success that
named no post (a 200 without Zalo's ``data.token`` or the Graph API's ``id``): the post *is*
published, so the delivery is done and never sent again (that would post it twice); only
the link to it is unknown.

Every adapter answers the same four failures, whatever its remote calls them, so the job
(``service.channels.delivery``) decides retries once (the two transient ones carry a
``Remote`` prefix: ``service.errors`` has its own ``RateLimited`` and ``Unavailable``, the
429 and 503 this API answers, which these must never be mistaken for):

* ``TokenExpired`` — the token is expired, revoked or invalid: the account needs a new one;
  retrying cannot help.
* ``RemoteRateLimited(retry_after)`` — the remote throttles us: try again after ``retry_after``
  seconds.
* ``Rejected`` — the remote refused this post for good (bad parameter, duplicate...).
* ``RemoteUnavailable`` — the remote cannot be reached or answered 5xx: try again later.

The token travels only in the request (Zalo: the ``access_token`` header; Facebook: the form
body, never the query string, so no access log or httpx's request log shows it) and never in
an error text: failures carry the remote's error code and message only.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from service.petitions.notifications import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)

RemoteId = str

USER_AGENT = "giamsat-channels/1"
# Used when a rate-limit answer says nothing about when to come back.
DEFAULT_RETRY_AFTER_SECONDS = 60


class ChannelError(Exception):
    """What went wrong with one attempt; ``str()`` is safe to store (no token)."""


class TokenExpired(ChannelError):
    pass


class RemoteRateLimited(ChannelError):
    def __init__(self, detail: str, retry_after: float = DEFAULT_RETRY_AFTER_SECONDS) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Rejected(ChannelError):
    pass


class RemoteUnavailable(ChannelError):
    pass


@dataclass(frozen=True)
class Post:
    """What is published, already public (a redacted answer, a conclusion, an
    announcement): the same for every channel; each adapter shapes it for its remote."""

    delivery_id: str  # the publication id: stable across attempts
    item_type: str
    item_id: str
    unit_code: str
    title: str
    text: str
    link: str | None = None
    image_url: str | None = None
    author: str = "Ủy ban MTTQ Việt Nam"


class Adapter(Protocol):
    async def publish(self, post: Post) -> RemoteId | None: ...


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default


async def _send(request: httpx.Request, seconds: float) -> httpx.Response:
    try:
        async with httpx.AsyncClient(timeout=seconds) as http:
            return await http.send(request)
    except httpx.HTTPError as exc:
        # The exception type only: httpx's text names the URL.
        raise RemoteUnavailable(f"{type(exc).__name__}") from None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- Zalo Official Account ---------------------------------------------------------------


class ZaloAdapter:
    """Zalo OA article API v2.0 (developers.zalo.me, "Quản lý bài viết / Tạo bài viết"):

    ``POST {base}/v2.0/article/create`` with the OA's token in the ``access_token`` header
    and a JSON body ``{"type": "normal", "title" (<= 150), "author" (<= 50), "cover":
    {"cover_type": "photo", "photo_url", "status": "show"}, "description" (<= 300), "body":
    [{"type": "text", "content"}, {"type": "image", "url"}], "status": "show", "comment":
    "show"}``. Zalo answers HTTP 200 with ``{"error": 0, "message": "Success", "data":
    {"token": ...}}`` on success (the token of the article being processed; ``/article/verify``
    turns it into the article id later) and a negative ``error`` otherwise: -216 (access token
    invalid) and -124 (access token expired) mean a new token; -32 is the request-rate
    limit. Anything else is a refusal of the article."""

    TOKEN_ERRORS = frozenset({-216, -124})
    RATE_ERRORS = frozenset({-32})
    PATH = "/v2.0/article/create"

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        timeout: float = 10.0,
        default_cover_url: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.timeout = timeout
        self.default_cover_url = default_cover_url

    def body(self, post: Post) -> dict[str, Any]:
        cover = post.image_url or self.default_cover_url
        if cover is None:
            raise Rejected("a Zalo article needs a cover photo (an image or the default cover)")
        paragraphs: list[dict[str, str]] = [
            {"type": "text", "content": part} for part in post.text.split("\n\n") if part.strip()
        ]
        if post.link:
            paragraphs.append({"type": "text", "content": post.link})
        return {
            "type": "normal",
            "title": _clip(post.title, 150),
            "author": _clip(post.author, 50),
            "cover": {"cover_type": "photo", "photo_url": cover, "status": "show"},
            "description": _clip(post.text.replace("\n", " "), 300),
            "body": paragraphs,
            "status": "show",
            "comment": "show",
        }

    async def publish(self, post: Post) -> RemoteId | None:
        request = httpx.Request(
            "POST",
            self.base_url + self.PATH,
            headers={"access_token": self.access_token, "User-Agent": USER_AGENT},
            json=self.body(post),
        )
        response = await _send(request, self.timeout)
        if response.status_code == 429:
            raise RemoteRateLimited("zalo: HTTP 429", _retry_after(response, 60))
        if response.status_code >= 500:
            raise RemoteUnavailable(f"zalo: HTTP {response.status_code}")
        answer = _json(response)
        code = answer.get("error")
        if response.status_code == 200 and code == 0:
            token = (answer.get("data") or {}).get("token")
            return str(token) if token else None
        detail = f"zalo: error {code}: {_clip(str(answer.get('message', '')), 200)}"
        if code in self.TOKEN_ERRORS:
            raise TokenExpired(detail)
        if code in self.RATE_ERRORS:
            raise RemoteRateLimited(detail, _retry_after(response, 60))
        raise Rejected(detail if code is not None else f"zalo: HTTP {response.status_code}")


# -- Facebook Page -----------------------------------------------------------------------


class FacebookAdapter:
    """Graph API page publishing (developers.facebook.com/docs/pages-api/posts and
    /docs/graph-api/guides/error-handling):

    ``POST {base}/{version}/{page-id}/feed`` with the form fields ``message``, ``link`` and
    ``access_token`` (the page token) answers ``{"id": "{page-id}_{post-id}"}``; with an
    image, ``POST {base}/{version}/{page-id}/photos`` with ``url`` and ``caption`` answers
    ``{"id": photo-id, "post_id": "{page-id}_{post-id}"}``. An error is
    ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``: code 190 (or
    102; type OAuthException, subcodes 458-467 saying why) is a token to renew; 4, 17, 32,
    613 are throttling and 368 a temporary block (wait and retry); 1 and 2 are temporary
    failures of the API; the rest (100 invalid parameter, 200-299 permissions, 506 duplicate
    post...) refuse the post."""

    TOKEN_CODES = frozenset({102, 190})
    RATE_CODES = frozenset({4, 17, 32, 368, 613})
    TEMPORARY_CODES = frozenset({1, 2})

    def __init__(
        self,
        *,
        base_url: str,
        version: str,
        page_id: str,
        access_token: str,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.version = version.strip("/")
        self.page_id = page_id
        self.access_token = access_token
        self.timeout = timeout

    def message(self, post: Post) -> str:
        return f"{post.title}\n\n{post.text}"

    def request(self, post: Post) -> httpx.Request:
        if post.image_url:
            path = f"/{self.version}/{self.page_id}/photos"
            caption = self.message(post) + (f"\n\n{post.link}" if post.link else "")
            form = {"url": post.image_url, "caption": caption}
        else:
            path = f"/{self.version}/{self.page_id}/feed"
            form = {"message": self.message(post)}
            if post.link:
                form["link"] = post.link
        form["access_token"] = self.access_token
        return httpx.Request(
            "POST", self.base_url + path, data=form, headers={"User-Agent": USER_AGENT}
        )

    async def publish(self, post: Post) -> RemoteId | None:
        response = await _send(self.request(post), self.timeout)
        answer = _json(response)
        if 200 <= response.status_code < 300 and "error" not in answer:
            remote = answer.get("post_id") or answer.get("id")
            return str(remote) if remote else None
        error = answer.get("error")
        if not isinstance(error, dict):
            if response.status_code == 429:
                raise RemoteRateLimited("facebook: HTTP 429", _retry_after(response, 300))
            if response.status_code >= 500:
                raise RemoteUnavailable(f"facebook: HTTP {response.status_code}")
            raise Rejected(f"facebook: HTTP {response.status_code}")
        code = error.get("code")
        subcode = error.get("error_subcode")
        detail = (
            f"facebook: error {code}"
            + (f"/{subcode}" if subcode is not None else "")
            + f": {_clip(str(error.get('message', '')), 200)}"
        )
        if code in self.TOKEN_CODES:
            raise TokenExpired(detail)
        if code in self.RATE_CODES:
            raise RemoteRateLimited(detail, _retry_after(response, 300))
        if code in self.TEMPORARY_CODES or response.status_code >= 500:
            raise RemoteUnavailable(detail)
        raise Rejected(detail)


# -- signed webhook ------------------------------------------------------------------------

WEBHOOK_EVENT = "publication.created"


class WebhookAdapter:
    """The platform's signed webhook (the scheme of ``service.petitions.notifications``: the
    same ``sign`` and headers, no second signer): ``POST <url>`` with a JSON body,
    ``X-Giamsat-Signature: sha256=<HMAC-SHA256 of the raw body>``, ``X-Giamsat-Timestamp``
    and ``X-Giamsat-Delivery`` (the publication id: a receiver drops repeats). 2xx is
    success (a JSON ``id`` in the answer is kept as the remote id), 429 throttling, 5xx or
    no answer a retry, any other status a refusal."""

    def __init__(self, *, url: str, secret: str, timeout: float = 10.0) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def payload(self, post: Post, timestamp: int) -> bytes:
        body = {
            "event": WEBHOOK_EVENT,
            "delivery_id": post.delivery_id,
            "item_type": post.item_type,
            "item_id": post.item_id,
            "unit_code": post.unit_code,
            "title": post.title,
            "text": post.text,
            "link": post.link,
            "image_url": post.image_url,
            "timestamp": timestamp,
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()

    async def publish(self, post: Post) -> RemoteId:
        timestamp = int(time.time())
        body = self.payload(post, timestamp)
        request = httpx.Request(
            "POST",
            self.url,
            content=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                SIGNATURE_HEADER: sign(self.secret, body),
                TIMESTAMP_HEADER: str(timestamp),
                DELIVERY_HEADER: post.delivery_id,
            },
        )
        response = await _send(request, self.timeout)
        if 200 <= response.status_code < 300:
            remote = _json(response).get("id")
            return str(remote)[:200] if remote else post.delivery_id
        if response.status_code == 429:
            raise RemoteRateLimited("webhook: HTTP 429", _retry_after(response, 60))
        if response.status_code >= 500:
            raise RemoteUnavailable(f"webhook: HTTP {response.status_code}")
        raise Rejected(f"webhook: HTTP {response.status_code}")
