"""The ServiceError family and RFC 9457 problem+json responses for every error.

Services raise ``ServiceError`` subclasses; the handlers below turn those, Litestar's own
HTTP exceptions and validation errors into ``application/problem+json``. Anything else is
logged with its stack trace and answered with a bare 500 problem (no trace leaks out).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DBAPIError

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
    """Answered with ``Retry-After`` (seconds) and ``retry_after_seconds`` in the body."""

    status_code = 429
    problem_type = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int, **extra: Any) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds, **extra)
        self.headers = {"Retry-After": str(retry_after_seconds)}


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
        headers=getattr(exc, "headers", None),
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


exception_handlers: dict[Any, Any] = {
    ServiceError: service_error_handler,
    HTTPException: http_exception_handler,
    DBAPIError: database_error_handler,
    Exception: internal_error_handler,
}
