"""What the portal's forms that create something share (a petition filed, a reception
booked): each is filed as the portal's own API client (migration 0280), once per form token
(``idempotency.run_once``, as the API's ``Idempotency-Key``: a double submit or a reload
shows the same receipt, stored encrypted), and answered with a redirect to a receipt page
that shows the code and secret once. They reach that page in a short-lived cookie of its
path (``citizen.credentials_cookie``), never in the URL, and the page forgets it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import service as auth_service
from service.auth.principals import ClientPrincipal
from service.errors import ServiceError
from service.petitions import idempotency
from service.settings import Settings
from service.web.pages import HTMXTemplate, redirect, render
from service.web.public.citizen import credentials_cookie, forget, read_credentials

# The row of migration 0280: the portal as the client that files its petitions.
PORTAL_CLIENT_ID = uuid.UUID("6f1c2a4e-0c1d-4e55-9a0b-70727461c000")
PORTAL_CLIENT = ClientPrincipal(
    client_id=PORTAL_CLIENT_ID, name="Cổng thông tin (web)", scopes=frozenset({"petitions:write"})
)
RECEIPT_SECONDS = 900  # how long the code and secret wait for the receipt page

Create = Callable[[], Awaitable[tuple[int, dict[str, Any], uuid.UUID | None]]]


async def file_once(
    session: AsyncSession,
    settings: Settings,
    *,
    nonce: str,
    endpoint: str,
    body: Any,
    create: Create,
) -> idempotency.StoredResponse:
    """``create`` run once per form token (``nonce``), as the portal's client."""
    await auth_service.ensure_channel_client(
        session, PORTAL_CLIENT_ID, PORTAL_CLIENT.name, "web-portal"
    )
    return await idempotency.run_once(
        session,
        settings,
        client_id=PORTAL_CLIENT_ID,
        key=nonce,
        endpoint=endpoint,
        body=body,
        create=create,
    )


@dataclass(frozen=True)
class Receipt:
    """A form's receipt page: its path, the cookie that carries the code and secret to it,
    and its template (given ``view``, what was created, and ``secret``, or neither)."""

    path: str
    cookie: str
    template: str

    def show(self, settings: Settings, code: str, secret: str) -> Redirect:
        """The 303 to the receipt, with the code and secret in its cookie."""
        cookie = credentials_cookie(
            settings, self.cookie, self.path, code, secret, max_age=RECEIPT_SECONDS
        )
        return redirect(self.path, cookies=[cookie])

    async def page(
        self, request: Request[Any, Any, Any], find: Callable[[str, str], Awaitable[Any]]
    ) -> HTMXTemplate:
        """The receipt, once: the cookie is forgotten as the page is shown. ``find`` gives
        the view of what the code and secret name (a ServiceError: nothing to show)."""
        credentials = read_credentials(request, self.cookie)
        view = secret = None
        if credentials is not None:
            code, secret = credentials
            try:
                view = await find(code, secret)
            except ServiceError:
                secret = None
        return render(
            request,
            self.template,
            view=view,
            secret=secret,
            cookies=[forget(self.cookie, self.path)],
        )
