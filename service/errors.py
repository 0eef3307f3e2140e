"""The ServiceError family and RFC 9457 problem+json responses for every error.

Services raise ``ServiceError`` subclasses; the handlers below turn those, Litestar's own
HTTP exceptions and validation errors into ``application/problem+json``. Anything else is
logged with its stack trace and answered with a bare 500 problem (no trace leaks out).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from service.settings import Settings

logger = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://giamsat.vn/problems/"

_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
_TYPES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "too-large",
    415: "unsupported-media-type",
    422: "validation",
    428: "precondition-required",
    429: "rate-limited",
    500: "internal",
    503: "unavailable",
}


class ServiceError(Exception):
    """A domain error with an HTTP status and a stable problem type."""

    status_code = 400
    problem_type = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(ServiceError):
    """Also used for things that exist but the caller may not see."""

    status_code = 404
    problem_type = "not-found"
    title = "Not found"


class Invalid(ServiceError):
    status_code = 422
    problem_type = "validation"
    title = "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        if field is not None:
            extra.setdefault("errors", [{"field": field, "message": detail}])
        super().__init__(detail, **extra)


class Conflict(ServiceError):
    status_code = 409
    problem_type = "conflict"
    title = "Conflict"


class StateConflict(Conflict):
    """An action not allowed in the current state; says which actions are."""

    problem_type = "state-conflict"
    title = "Action not allowed in this state"

    def __init__(self, detail: str, *, state: str, allowed_actions: Sequence[str]) -> None:
        super().__init__(detail, state=state, allowed_actions=sorted(allowed_actions))


class PreconditionFailed(ServiceError):
    status_code = 412
    problem_type = "precondition-failed"
    title = "Precondition failed"


class PreconditionRequired(ServiceError):
    status_code = 428
    problem_type = "precondition-required"
    title = "Precondition required"


class Forbidden(ServiceError):
    status_code = 403
    problem_type = "forbidden"
    title = "Forbidden"


class Unauthenticated(ServiceError):
    status_code = 401
    problem_type = "unauthenticated"
    title = "Not authenticated"


class TooLarge(ServiceError):
    status_code = 413
    problem_type = "too-large"
    title = "Content too large"


class UnsupportedMediaType(ServiceError):
    status_code = 415
    problem_type = "unsupported-media-type"
    title = "Unsupported media type"


class RateLimited(ServiceError):
    status_code = 429
    problem_type = "rate-limited"
    title = "Too many requests"


class MalformedBody(ServiceError):
    """A body the JSON decoder refuses: malformed, not UTF-8, or nested too deep."""

    status_code = 400
    problem_type = "malformed-body"
    title = "Bad request"


class Unavailable(ServiceError):
    """A dependency (object store, database, broker, Redis, mail server) cannot be reached
    now. Answered 503 with ``Retry-After``; the detail never names the dependency's
    address (it is for the caller, the log has the cause)."""

    status_code = 503
    problem_type = "unavailable"
    title = "Service unavailable"
    retry_after_seconds = 30


def problem(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    problem_type: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (problem_type or _TYPES.get(status, "error")),
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(key: str | None, source: str | None) -> str:
    key = key or ""
    return f"{source}.{key}" if source and source != "body" else key or (source or "")


def _validation_errors(extra: Any) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if isinstance(extra, list):
        for item in extra:
            if isinstance(item, dict):
                errors.append(
                    {
                        "field": _field_path(item.get("key"), item.get("source")),
                        "message": str(item.get("message", "")),
                    }
                )
    return errors


def service_error_handler(request: Request[Any, Any, Any], exc: ServiceError) -> Response[Any]:
    return problem(
        exc.status_code,
        title=exc.title,
        detail=exc.detail,
        problem_type=exc.problem_type,
        instance=request.url.path,
        **exc.extra,
    )


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc.extra)
        status = 422 if errors else 400
        return problem(
            status,
            detail=exc.detail if not errors else "The request has invalid fields.",
            instance=request.url.path,
            headers=headers,
            errors=errors,
        )
    if isinstance(exc, NotAuthorizedException):
        headers.setdefault("WWW-Authenticate", "Bearer")
    if status >= 500:
        logger.error("http_error", status=status, detail=exc.detail)
        detail = None
    else:
        detail = exc.detail
    return problem(status, detail=detail, instance=request.url.path, headers=headers)


# PostgreSQL refuses some values that JSON allows (a NUL character, a number beyond its
# type): bad input, not a fault. character_not_in_repertoire, untranslatable_character,
# numeric_value_out_of_range.
_UNSTORABLE_VALUE = {"22021", "22P05", "22003"}


def database_error_handler(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    if database_unavailable(exc):
        return connection_error_handler(request, exc)
    if getattr(exc.orig, "sqlstate", None) in _UNSTORABLE_VALUE:
        return problem(
            422,
            detail="A value cannot be stored: a character such as NUL, or a number too large.",
            instance=request.url.path,
        )
    return internal_error_handler(request, exc)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled_error", path=request.url.path)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        detail="An unexpected error occurred; it has been logged.",
        instance=request.url.path,
    )


UNAVAILABLE_DETAIL = "Dịch vụ tạm thời gián đoạn; xin thử lại sau ít phút."


def unavailable_response(
    request: Request[Any, Any, Any], detail: str = UNAVAILABLE_DETAIL, **extra: Any
) -> Response[Any]:
    return problem(
        503,
        detail=detail,
        problem_type="unavailable",
        instance=request.url.path,
        headers={"Retry-After": str(Unavailable.retry_after_seconds)},
        **extra,
    )


def unavailable_handler(request: Request[Any, Any, Any], exc: Unavailable) -> Response[Any]:
    logger.warning(
        "dependency_unavailable", path=request.url.path, cause=repr(exc.__cause__ or exc)
    )
    return unavailable_response(request, exc.detail, **exc.extra)


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


def connection_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A dependency refused or dropped a connection, or timed out (database pool,
    Redis, a socket): 503, never its address."""
    logger.warning("dependency_unavailable", path=request.url.path, cause=repr(exc))
    return unavailable_response(request)


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
        return exc.detail
    if transient_failure(exc):
        return f"{type(exc).__name__}: {UNAVAILABLE_DETAIL}"
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
    for url in (settings.database_url, settings.broker_url):
        if url:
            names.append(urlsplit(url).hostname)
    return sorted({name for name in names if name and name not in {".", "/"}}, key=len)[::-1]


def scrub(text: str, *, hide: Sequence[str | None] = ()) -> str:
    for value in hide:
        if value and len(value) >= 3:
            text = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", HIDDEN, text)
    return _INTERNAL_ADDRESS.sub(HIDDEN, text)


exception_handlers: dict[Any, Any] = {
    Unavailable: unavailable_handler,
    ConnectionError: connection_error_handler,
    TimeoutError: connection_error_handler,
    socket.gaierror: connection_error_handler,
    SQLAlchemyTimeoutError: connection_error_handler,
    RedisConnectionError: connection_error_handler,
    RedisTimeoutError: connection_error_handler,
    ServiceError: service_error_handler,
    HTTPException: http_exception_handler,
    DBAPIError: database_error_handler,
    Exception: internal_error_handler,
}
