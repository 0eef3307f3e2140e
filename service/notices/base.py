"""The one interface every phone channel implements, and how each sends its one request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpx


@dataclass(frozen=True)
class PhoneNotice:
    """One notice to one phone. ``phone`` is normalised (84xxxxxxxxx); the adapter writes
    it the way its service wants. ``text`` is what an SMS says (before fitting); ``link``
    is kept whole when the text is cut. ``template`` names the kind of notice (a ZNS
    template id is chosen by it) and ``params`` are its template parameters.
    ``reference`` is stable per notice: sent where the service takes a client reference,
    so a repeat can be recognised on its side too."""

    phone: str
    text: str
    link: str
    template: str
    params: Mapping[str, str] = field(default_factory=dict)
    reference: str = ""


@dataclass(frozen=True)
class Sent:
    """The service took the notice. ``status``: the HTTP status; ``provider_id``: its id
    for the message, when it gives one (ZNS ``msg_id``)."""

    status: int
    provider_id: str | None = None


class NoticeUnavailable(RuntimeError):
    """The service did not take the notice now (down, timeout, 5xx, rate limit, a token to
    renew, quota): the job is retried with backoff."""

    def __init__(self, detail: str, *, status: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


class NoticeRefused(RuntimeError):
    """The service refused this notice for good (the number is not a mobile, not on Zalo,
    the citizen blocks the sender...): recorded, never retried. ``code`` is the service's
    answer (an HTTP status, or ZNS's negative error code)."""

    def __init__(self, detail: str, *, code: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


async def exchange(
    request: httpx.Request,
    *,
    service: str,
    timeout_seconds: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.Response:
    """``request`` sent to the phone service named ``service`` (its answer, whatever the
    status); a network error or a timeout is :class:`NoticeUnavailable`."""
    try:
        async with httpx.AsyncClient(timeout=timeout_seconds, transport=transport) as http:
            return await http.send(request)
    except httpx.HTTPError as exc:
        # The exception text may hold the URL (and a GET's query: the number); only the kind.
        raise NoticeUnavailable(f"{service} unreachable ({type(exc).__name__})") from None


class PhoneChannel(Protocol):
    name: str

    async def send(self, notice: PhoneNotice) -> Sent:
        """Deliver ``notice`` or raise :class:`NoticeUnavailable` / :class:`NoticeRefused`."""
        ...
