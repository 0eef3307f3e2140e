"""The one interface every phone channel implements, and the shape of those that send one
HTTP request a notice."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

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


class TimedConfig(Protocol):
    """What every HTTP phone service's configuration carries."""

    @property
    def timeout_seconds(self) -> float: ...


ConfigT = TypeVar("ConfigT", bound=TimedConfig)


class HttpPhoneChannel(ABC, Generic[ConfigT]):
    """A phone service called with one HTTP request a notice: ``request_for`` writes it,
    ``answer`` reads what the service said (:class:`Sent`, or it raises). ``service``
    names it in the errors; ``config`` is its configuration (with ``timeout_seconds``)."""

    name: str
    service: str

    def __init__(self, config: ConfigT, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self._timeout_seconds = config.timeout_seconds
        self._transport = transport

    @abstractmethod
    def request_for(self, notice: PhoneNotice) -> httpx.Request:
        """The exact request the service gets (the contract tests read it)."""

    @abstractmethod
    def answer(self, response: httpx.Response) -> Sent:
        """The service's answer, whatever its status, as sent, refused or to retry."""

    async def send(self, notice: PhoneNotice) -> Sent:
        request = self.request_for(notice)
        try:
            async with httpx.AsyncClient(
                timeout=self._timeout_seconds, transport=self._transport
            ) as http:
                response = await http.send(request)
        except httpx.HTTPError as exc:
            # The exception text may hold the URL (and a GET's query: the number); only the kind.
            raise NoticeUnavailable(f"{self.service} unreachable ({type(exc).__name__})") from None
        return self.answer(response)


class PhoneChannel(Protocol):
    name: str

    async def send(self, notice: PhoneNotice) -> Sent:
        """Deliver ``notice`` or raise :class:`NoticeUnavailable` / :class:`NoticeRefused`."""
        ...
