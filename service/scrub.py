"""Failure texts that may be stored where staff read them (a report's ``error``, a failed
job): which failures are transient, and every internal address taken out of the rest."""

from __future__ import annotations

import re
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from service.errors import ServiceError, Unavailable
from service.i18n import DEFAULT_LOCALE, msg
from service.settings import Settings

UNAVAILABLE_DETAIL = msg("service_unavailable")

# SQLSTATEs of a database that cannot serve now (not of a bad statement): class 08
# connection exceptions, too many connections, shutting down, cannot connect now.
_DATABASE_UNAVAILABLE = {"53300", "57P01", "57P02", "57P03"}


def database_unavailable(exc: BaseException) -> bool:
    """Whether a database error means "try again later" rather than "this is a bug"."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
        sqlstate = str(getattr(orig, "sqlstate", None) or "")
        if sqlstate.startswith("08") or sqlstate in _DATABASE_UNAVAILABLE:
            return True
        return isinstance(getattr(orig, "__cause__", None), OSError | TimeoutError)
    return isinstance(exc, SQLAlchemyTimeoutError)


# What an exception text may carry that nobody outside the servers should read: URLs (with
# their credentials), urllib3's ``host='...', port=...``, IP addresses and host:port pairs.
_INTERNAL_ADDRESS = re.compile(
    r"[a-z][a-z0-9+.-]*://[^\s'\")]+"
    r"|\bhost='[^']*'|\bport=\d+"
    r"|\[[0-9a-f:.]+\](?::\d+)?"
    r"|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"
    r"|\b[a-z0-9-]*[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*:\d{2,5}\b",
    re.IGNORECASE,
)
HIDDEN = "[ẩn]"


def transient_failure(exc: BaseException) -> bool:
    """A failure that may pass by itself: a dependency down or unreachable, a timeout."""
    for link in _causes(exc):
        if isinstance(link, Unavailable | ConnectionError | TimeoutError | socket.gaierror):
            return True
        if isinstance(link, RedisConnectionError | RedisTimeoutError | SQLAlchemyTimeoutError):
            return True
        if database_unavailable(link):
            return True
    return False


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and len(chain) < 10:
        chain.append(link)
        link = link.__cause__ or link.__context__
    return chain


def describe_failure(exc: BaseException, *, hide: Sequence[str | None] = ()) -> str:
    """A failure as it may be stored where staff read it (a report's ``error``, a failed
    job): our own messages as they are, anything else as its type and a text with every
    internal address (and each of ``hide``: bucket names, host names) replaced by [ẩn]."""
    if isinstance(exc, ServiceError):
        return exc.detail.render(DEFAULT_LOCALE)
    if transient_failure(exc):
        return f"{type(exc).__name__}: {UNAVAILABLE_DETAIL.render(DEFAULT_LOCALE)}"
    return f"{type(exc).__name__}: {scrub(str(exc), hide=hide)}"


def internal_names(settings: Settings) -> list[str]:
    """The deployment's own addresses and names, hidden from stored failure texts even where
    no pattern would catch them (a bucket name, a local directory)."""
    names: list[str | None] = [
        settings.s3_endpoint,
        settings.s3_bucket,
        settings.smtp_host,
        str(settings.objects_root.resolve()),
        str(settings.data_dir.resolve()),
    ]
    for url in (settings.database_url, settings.database_replica_url, settings.broker_url):
        if url:
            names.append(urlsplit(url).hostname)
    return sorted({name for name in names if name and name not in {".", "/"}}, key=len)[::-1]


def scrub(text: str, *, hide: Sequence[str | None] = ()) -> str:
    for value in hide:
        if value and len(value) >= 3:
            text = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", HIDDEN, text)
    return _INTERNAL_ADDRESS.sub(HIDDEN, text)
