"""Keeping bots off the portal's petition form with no outside service (issue 12).

Three checks, each cheap for a person and a cost for a script:

* a signed, time-stamped form token (:func:`issue_token`): the form carries
  ``<issued>.<nonce>.<HMAC>``; a post without a valid one, one filled in under
  ``MIN_FILL_SECONDS`` (no person types a petition that fast) or one older than
  ``MAX_AGE_SECONDS`` is refused. Its nonce is also the submission's idempotency key, so a
  double click files once;
* a honeypot field (``HONEYPOT``): hidden from people (off-screen, out of the tab order,
  hidden from screen readers), filled in by form-filling bots;
* a per-address limit on filings, counted in the app's shared rate-limit counters
  (``service.ratelimit``: the same address resolution and the same store as the API's limits).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from litestar import Request
from pydantic import BaseModel

from service.errors import Invalid
from service.i18n import Message, msg
from service.ratelimit import Limit, client_address, counters_of, too_many
from service.settings import Settings
from service.web.pages import Form, HTMXTemplate, PageVisit, render

TOKEN_FIELD = "form_token"
HONEYPOT = "website"
MIN_FILL_SECONDS = 2
MAX_AGE_SECONDS = 4 * 3600
FILINGS_PER_ADDRESS = Limit(allowed=10, window_seconds=3600)


def _key(settings: Settings) -> bytes:
    # Its own key, derived, as the CSRF and session keys are: never the JWT secret itself.
    return hashlib.sha256(
        b"giamsat-portal-form\0" + settings.jwt_secret.get_secret_value().encode()
    ).digest()


def _signature(settings: Settings, payload: str) -> str:
    return hmac.new(_key(settings), payload.encode(), hashlib.sha256).hexdigest()[:32]


def issue_token(settings: Settings, now: float | None = None) -> str:
    payload = f"{int(now if now is not None else time.time())}.{secrets.token_hex(12)}"
    return f"{payload}.{_signature(settings, payload)}"


def check_token(settings: Settings, token: Any, now: float | None = None) -> str:
    """The token's nonce if it is genuine and its age plausible; Invalid otherwise."""
    now = now if now is not None else time.time()
    parts = token.split(".") if isinstance(token, str) and len(token) <= 100 else []
    if len(parts) != 3 or not parts[0].isdigit() or not token.isascii():
        raise Invalid(msg("web.portal.form_token_invalid"), field=TOKEN_FIELD)
    issued, nonce, signature = parts
    if not hmac.compare_digest(signature, _signature(settings, f"{issued}.{nonce}")):
        raise Invalid(msg("web.portal.form_token_invalid"), field=TOKEN_FIELD)
    age = now - int(issued)
    if age > MAX_AGE_SECONDS:
        raise Invalid(msg("web.portal.form_token_expired"), field=TOKEN_FIELD)
    if age < MIN_FILL_SECONDS:
        raise Invalid(msg("web.portal.form_too_fast"), field=TOKEN_FIELD)
    return nonce


def check_honeypot(value: Any) -> None:
    if value:
        raise Invalid(msg("web.portal.form_refused"), field=HONEYPOT)


class Guarded(BaseModel):
    """The inputs every guarded form posts besides its own: the token and the honeypot."""

    form_token: str | None = None
    website: str | None = None  # HONEYPOT


class GuardedInputs(Protocol):
    """What :func:`check_form` reads of a form: :class:`Guarded`'s two inputs."""

    @property
    def form_token(self) -> Any: ...

    @property
    def website(self) -> Any: ...


G = TypeVar("G", bound=GuardedInputs)


def check_form(settings: Settings, data: G | None, refusal: Message) -> tuple[G, str]:
    """A guarded form as a person sends it: parsed (``refusal`` otherwise), the honeypot
    empty and the token genuine. Its data and the token's nonce (the submission's
    idempotency key)."""
    if data is None:
        raise Invalid(refusal)
    check_honeypot(data.website)
    return data, check_token(settings, data.form_token)


async def count_filing(request: Request[Any, Any, Any]) -> None:
    """One filing attempt from the caller's address; past the limit, 429 with Retry-After."""
    usage = await counters_of(request).hit(
        f"portal-file:address:{client_address(request)}", FILINGS_PER_ADDRESS.window_seconds
    )
    if usage.exceeds(FILINGS_PER_ADDRESS):
        raise too_many(msg("web.portal.filing_rate_limited"), usage)


@dataclass(frozen=True)
class GuardedPage:
    """The page of a guarded form: ``template`` with the form, a fresh token and what
    ``context`` gives (from the visit's session and the page's own arguments)."""

    template: str
    context: Callable[..., Awaitable[dict[str, Any]]]

    async def render(
        self, visit: PageVisit, form: Form[Any], status_code: int = 200, **arguments: Any
    ) -> HTMXTemplate:
        return render(
            visit.request,
            self.template,
            status_code=status_code,
            form=form,
            token=issue_token(visit.settings),
            **await self.context(visit.session, **arguments),
        )
