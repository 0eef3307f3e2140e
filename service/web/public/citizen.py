"""The citizen's tracking code and secret between two pages of the portal.

A form posts them once; the pages after it (the receipt, the tracking page and its actions)
read them from a cookie instead of the URL, where they would end up in logs, history and
``Referer`` headers. The cookie is HttpOnly, SameSite=Strict, limited to the path that needs
it, Secure outside development, and lives for the browser session (or less): the secret is
the citizen's own credential, kept only in their browser.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from service.settings import Environment, Settings


def credentials_cookie(
    settings: Settings,
    name: str,
    path: str,
    code: str,
    secret: str,
    max_age: int | None = None,
) -> Cookie:
    return Cookie(
        key=name,
        value=f"{code}.{secret}",
        path=path,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=settings.environment is not Environment.development,
    )


def forget(name: str, path: str) -> Cookie:
    return Cookie(key=name, value="", path=path, max_age=0)


def read_credentials(request: Request[Any, Any, Any], name: str) -> tuple[str, str] | None:
    """(code, secret) from the cookie, or None (absent or not of that shape)."""
    code, dot, secret = (request.cookies.get(name) or "").partition(".")
    if not dot or not code or not secret or len(code) > 64 or len(secret) > 64:
        return None
    return code, secret
