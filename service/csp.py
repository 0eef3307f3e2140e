"""A Content-Security-Policy on every HTML response the app sends.

An ASGI middleware keyed on the response's content type, so that no page can forget it. The
policy allows only the app's own origin. Inline scripts are allowed by their SHA-256 hash,
computed from the very page being sent (the docs pages inline their configuration and, for
Swagger UI, the OpenAPI document), never by ``'unsafe-inline'``.

Styles are the one exception, and only under the docs pages' prefix: Swagger UI (React) sets
``style`` attributes and Scalar inserts ``<style>`` elements at run time, which hashes cannot
cover (attributes would need ``'unsafe-hashes'`` for every value). Inline styles run no code;
the residual risk (CSS-based exfiltration from the docs page, which holds no secret) is
accepted there and nowhere else.
"""

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.settings import Settings, StorageBackend

_INLINE_SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.I | re.S)
_HAS_SRC = re.compile(rb"\ssrc\s*=", re.I)
HEADER = b"content-security-policy"


def inline_script_hashes(html: bytes) -> list[str]:
    """``'sha256-…'`` sources for the inline scripts of ``html`` (in order, no repeats)."""
    hashes: dict[str, None] = {}
    for match in _INLINE_SCRIPT.finditer(html):
        if _HAS_SRC.search(match["attrs"]):
            continue
        digest = base64.b64encode(hashlib.sha256(match["body"]).digest()).decode()
        hashes[f"'sha256-{digest}'"] = None
    return list(hashes)


def policy_for(
    html: bytes,
    path: str,
    inline_style_prefixes: Iterable[str] = (),
    connect_sources: Iterable[str] = (),
) -> str:
    scripts = " ".join(["'self'", *inline_script_hashes(html)])
    styles = "'self'"
    if any(path == prefix or path.startswith(prefix + "/") for prefix in inline_style_prefixes):
        styles += " 'unsafe-inline'"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            f"style-src {styles}",
            "img-src 'self' data:",
            "font-src 'self' data:",
            " ".join(["connect-src 'self'", *connect_sources]),
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def upload_origins(settings: Settings) -> tuple[str, ...]:
    """The S3 endpoint's origin when evidence goes there (presigned part URLs); none for the
    local store, whose part URLs are the app's own."""
    if settings.storage_backend is not StorageBackend.s3:
        return ()
    return (f"{'https' if settings.s3_secure else 'http'}://{settings.s3_endpoint}",)


class ContentSecurityPolicyMiddleware:
    """Holds back an HTML response's start until its body is complete (HTML pages are small)
    to hash its inline scripts into the policy; every other response passes untouched."""

    def __init__(
        self,
        app: ASGIApp,
        inline_style_prefixes: tuple[str, ...] = (),
        connect_sources: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.inline_style_prefixes = inline_style_prefixes
        # Other origins a page's script may send to: the object store, which the browser
        # sends large evidence to directly (presigned multipart part URLs).
        self.connect_sources = connect_sources

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] | None = None
        chunks: list[bytes] = []

        async def send_with_policy(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                content_type = next(
                    (value for name, value in headers if name.lower() == b"content-type"), b""
                )
                if content_type.lower().startswith(b"text/html"):
                    start = dict(message)
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                html = b"".join(chunks)
                policy = policy_for(
                    html, scope["path"], self.inline_style_prefixes, self.connect_sources
                )
                headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() != HEADER]
                headers.append((HEADER, policy.encode()))
                await send({**start, "headers": headers})  # type: ignore[arg-type]
                await send({"type": "http.response.body", "body": html, "more_body": False})
                start = None
                return
            await send(message)

        await self.app(scope, receive, send_with_policy)
