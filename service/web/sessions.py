"""The console's cookie session: the API's revocable ``AuthSession``, carried by a cookie.

A login (``service.auth.service.open_session``, the API's own credential check) opens an
``AuthSession``; the cookie ``giamsat_console`` carries its id, the account's id and the
role, area and agency it had, encrypted and authenticated (AES-GCM with a key derived from
``GIAMSAT_JWT_SECRET``), so nobody can read or forge it. On every console request
:class:`ConsoleSessionMiddleware` decrypts it and asks the same lookup the bearer tokens use
(``service.auth.middleware.staff_for_session``): logout, an API logout, deactivation, a role
or area change and a password change all revoke the session and cut the console at the next
request. The cookie also holds the login time (absolute lifetime,
``GIAMSAT_CONSOLE_SESSION_HOURS``) and the last request's (idle timeout,
``GIAMSAT_CONSOLE_IDLE_MINUTES``), renewed at most once a minute.

The cookie is HttpOnly, SameSite=Lax, Secure outside development, scoped to ``/console``:
it never authenticates the API (the API's middleware reads only ``Authorization`` and
``X-API-Key``).

A page handler finds the principal in ``request.user`` (a ``StaffPrincipal``, as on the API),
so the API's guards (``service.auth.guards.staff(Role...)``) work unchanged. A request without
a valid session gets a 303 to the login page with ``next`` (a same-site path only,
:func:`safe_next`); a handler with ``opt={"console_public": True}`` (the login page) is served
without one.
"""

import base64
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.response.redirect import ASGIRedirectResponse
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.auth.middleware import staff_for_session
from service.auth.models import AuthSession, Role, StaffUser
from service.auth.principals import StaffPrincipal
from service.errors import Unauthenticated
from service.settings import Environment, Settings

COOKIE = "giamsat_console"
CONSOLE_PATH = "/console"
LOGIN_PATH = f"{CONSOLE_PATH}/login"
PUBLIC_OPT = "console_public"
_RENEW_AFTER_SECONDS = 60
_AAD = b"giamsat console session v1"


@dataclass(frozen=True, slots=True)
class CookieSession:
    session_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    unit_code: str | None
    agency_id: uuid.UUID | None
    issued_at: float
    seen_at: float

    def claimed(self) -> tuple[str, str | None, uuid.UUID | None]:
        return (self.role, self.unit_code, self.agency_id)


class CookieCodec:
    """Seals a :class:`CookieSession` into an opaque cookie value and back."""

    def __init__(self, secret: str) -> None:
        # A key of its own, derived from the JWT secret: rotating that secret ends the
        # console's sessions as it ends the tokens, and no other use shares the key.
        self._aead = AESGCM(hashlib.sha256(b"giamsat-console-cookie\0" + secret.encode()).digest())

    def seal(self, value: CookieSession) -> str:
        payload = json.dumps(
            [
                str(value.session_id),
                str(value.user_id),
                value.role,
                value.unit_code,
                str(value.agency_id) if value.agency_id else None,
                value.issued_at,
                value.seen_at,
            ]
        ).encode()
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, payload, _AAD)).decode()

    def open(self, sealed: str) -> CookieSession | None:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode())
            payload = json.loads(self._aead.decrypt(raw[:12], raw[12:], _AAD))
            sid, uid, role, unit, agency, issued, seen = payload
            return CookieSession(
                uuid.UUID(sid),
                uuid.UUID(uid),
                str(role),
                unit,
                uuid.UUID(agency) if agency else None,
                float(issued),
                float(seen),
            )
        except (InvalidTag, ValueError, TypeError, UnicodeError):
            return None


def session_cookie(settings: Settings, value: str | None, max_age: int | None = None) -> Cookie:
    """The cookie carrying ``value`` (``None``: the cookie that deletes it)."""
    return Cookie(
        key=COOKIE,
        value=value or "",
        path=CONSOLE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.environment is not Environment.development,
        max_age=max_age if value else 0,
    )


def new_cookie(settings: Settings, user: StaffUser, auth_session: AuthSession) -> Cookie:
    now = time.time()
    value = CookieSession(
        auth_session.id,
        user.id,
        Role(user.role).value,
        user.unit_code,
        user.agency_id,
        issued_at=now,
        seen_at=now,
    )
    sealed = CookieCodec(settings.jwt_secret.get_secret_value()).seal(value)
    return session_cookie(settings, sealed, settings.console_session_hours * 3600)


def safe_path(target: object, within: str = "/") -> str:
    """``target`` if it is a path of this site under ``within``; else ``within``. Never
    another site (``//evil``, ``/\\evil``, ``https://…``) nor a control character."""
    if (
        not isinstance(target, str)
        or not target
        or not target.startswith(within)
        or target.startswith("//")
        or "\\" in target
        or any(ord(char) < 0x20 for char in target)
        or (within != "/" and len(target) > len(within) and target[len(within)] not in "/?")
    ):
        return within
    return target


def safe_next(target: object) -> str:
    """Where to go after the login: a path of the console."""
    return safe_path(target, CONSOLE_PATH)


def login_url(next_path: str | None = None) -> str:
    target = safe_next(next_path)
    return LOGIN_PATH if target == CONSOLE_PATH else f"{LOGIN_PATH}?next={quote(target, safe='')}"


class ConsoleSessionMiddleware:
    """Authenticates every console request from its cookie (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        settings: Settings = connection.app.state.settings
        codec = CookieCodec(settings.jwt_secret.get_secret_value())
        now = time.time()
        principal, renewed = None, None
        sealed = connection.cookies.get(COOKIE)
        current = codec.open(sealed) if sealed else None
        route_opt = scope["route_handler"].opt
        if current is not None and _within_limits(current, settings, now):
            principal = await _principal(connection, current)
            # Never on a public route: the login page sets the new account's cookie, which a
            # renewed cookie of the previous account would override (a shared PC).
            if (
                principal is not None
                and not route_opt.get(PUBLIC_OPT)
                and now - current.seen_at >= _RENEW_AFTER_SECONDS
            ):
                renewed = codec.seal(replace(current, seen_at=now))
        if principal is None and not route_opt.get(PUBLIC_OPT):
            path = scope["path"]
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            redirect = ASGIRedirectResponse(
                path=login_url(target if scope.get("method") == "GET" else None),
                status_code=303,
                cookies=[session_cookie(settings, None)] if sealed else [],
            )
            await redirect(scope, receive, send)
            return
        scope["user"] = principal
        if renewed is None:
            await self.app(scope, receive, send)
            return
        assert current is not None  # renewed implies a current session
        remaining = int(current.issued_at + settings.console_session_hours * 3600 - now)
        header = session_cookie(settings, renewed, max(remaining, 1)).to_encoded_header()

        async def send_renewed(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        await self.app(scope, receive, send_renewed)


def _within_limits(value: CookieSession, settings: Settings, now: float) -> bool:
    return (
        now - value.issued_at < settings.console_session_hours * 3600
        and now - value.seen_at < settings.console_idle_minutes * 60
    )


async def _principal(
    connection: ASGIConnection[Any, Any, Any, Any], value: CookieSession
) -> StaffPrincipal | None:
    state = connection.app.state
    db = state.db_config.provide_session(state, connection.scope)
    try:
        return await staff_for_session(db, value.session_id, value.user_id, value.claimed())
    except Unauthenticated:
        return None
