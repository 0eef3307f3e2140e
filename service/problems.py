"""RFC 9457 problem+json responses for every error, and the app's exception handlers.

``ServiceError`` subclasses (:mod:`service.errors`) are answered with their own status, type
and title; Litestar's HTTP exceptions and validation errors get the type and title of the
class of their status; anything else is logged with its stack trace and answered with a bare
500 problem (no trace leaks out).

Every text is a catalogue message (:mod:`service.i18n`), rendered in the language the request
prefers (``Accept-Language``; Vietnamese by default). Beside the text a problem carries codes a
client can key on: ``type`` (the kind of problem), ``code`` (which one) and, per field,
``errors[].code``.

Litestar's ``ProblemDetailsPlugin`` (``litestar.plugins.problem_details``) is not used: its
mapping from an exception to a ``ProblemDetailsException`` sees the exception but not the
request, so it cannot render the texts in the reader's language, nor send ``Vary`` and
``Content-Language``; it writes ``status`` first; and validation errors would lose their
per-field codes.
"""

from __future__ import annotations

import re
import socket
from enum import Enum
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from msgspec import convert
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from service.errors import (
    ServiceError,
    Unavailable,
    field_error,
    problem_title,
    problem_type_of,
    pydantic_message,
)
from service.i18n import Message, has, msg, negotiate
from service.scrub import UNAVAILABLE_DETAIL, database_unavailable

logger = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://giamsat.vn/problems/"


def request_locale(request: Request[Any, Any, Any]) -> str:
    """The reader's language: what ``Accept-Language`` prefers among ours, else Vietnamese
    (the citizens' and the officers' language alike)."""
    return negotiate(request.headers.get("accept-language"))


def problem(
    status: int,
    *,
    title: Message | str | None = None,
    detail: Message | str | None = None,
    problem_type: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    locale: str | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    locale = locale or negotiate(None)
    slug = problem_type or problem_type_of(status)
    if title is None:
        title = problem_title(status, problem_type)
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": _localise(title, locale),
        "status": status,
    }
    if detail:
        body["detail"] = _localise(detail, locale)
        if isinstance(detail, Message):
            body["code"] = detail.code
    if instance:
        body["instance"] = instance
    body.update(_localise(extra, locale))
    # The texts depend on Accept-Language: say so to caches, and say which language they are.
    headers = {"Vary": "Accept-Language", **(headers or {}), "Content-Language": locale}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _localise(value: Any, locale: str) -> Any:
    """Renders every message inside a problem's members in ``locale``."""
    if isinstance(value, Message):
        return value.render(locale)
    if isinstance(value, dict):
        return {key: _localise(item, locale) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_localise(item, locale) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


def _field_path(key: str | None, source: Any) -> str:
    key = key or ""
    source = source.value if isinstance(source, Enum) else source  # ParamType.QUERY: "query"
    return f"{source}.{key}" if source and source != "body" else key or (source or "")


# msgspec (query, path and header parameters, msgspec-typed bodies) reports errors as English
# sentences only; these patterns give them the codes pydantic uses for the same faults.
_MSGSPEC_ERRORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Expected `str` of length >= (?P<min_length>\d+)"), "string_too_short"),
    (re.compile(r"^Expected `str` of length <= (?P<max_length>\d+)"), "string_too_long"),
    (re.compile(r"^Expected `\w+` of length >= (?P<min_length>\d+)"), "too_short"),
    (re.compile(r"^Expected `\w+` of length <= (?P<max_length>\d+)"), "too_long"),
    (re.compile(r"^Expected `str` matching regex"), "string_pattern_mismatch"),
    (re.compile(r"^Expected `\w+` >= (?P<ge>[-\d.]+)"), "greater_than_equal"),
    (re.compile(r"^Expected `\w+` > (?P<gt>[-\d.]+)"), "greater_than"),
    (re.compile(r"^Expected `\w+` <= (?P<le>[-\d.]+)"), "less_than_equal"),
    (re.compile(r"^Expected `\w+` < (?P<lt>[-\d.]+)"), "less_than"),
    (re.compile(r"^Expected `(?P<expected>[\w ,|]+)`, got `\w+`"), "wrong_type"),
    (re.compile(r"^Object missing required field"), "missing"),
    (re.compile(r"^Missing required"), "missing"),
    (re.compile(r"^Object contains unknown field"), "extra_forbidden"),
    (re.compile(r"^Invalid enum value"), "enum"),
    (re.compile(r"^Invalid UUID"), "uuid_parsing"),
    (re.compile(r"^Invalid RFC3339 encoded datetime"), "datetime_parsing"),
    (re.compile(r"^Invalid RFC3339 encoded date"), "date_parsing"),
    (re.compile(r"^Invalid ISO 8601 date"), "date_parsing"),
    (re.compile(r"^Invalid RFC3339 encoded time"), "time_parsing"),
]


def _msgspec_error(text: str) -> Message:
    for pattern, code in _MSGSPEC_ERRORS:
        found = pattern.search(text)
        if found:
            return msg(code, **found.groupdict())
    return msg("invalid_value")


def _validation_errors(exc: ValidationException) -> list[dict[str, Any]]:
    extra = exc.extra
    if not isinstance(extra, list):
        return []
    items = [item for item in extra if isinstance(item, dict)]
    # Pydantic errors travel beside Litestar's flattened ones: one for each, in order.
    cause = exc.__cause__
    detailed = getattr(cause, "errors", None)
    typed = detailed if isinstance(detailed, list) and len(detailed) == len(items) else None
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if typed is not None and isinstance(typed[index], dict):
            message = pydantic_message(typed[index])
        elif "type" in item and "loc" in item:  # a DTO's pydantic error list
            message = pydantic_message(item)
        else:
            message = _msgspec_error(str(item.get("message", "")))
        key = item.get("key")
        if "loc" in item and key is None:
            key = ".".join(str(part) for part in item["loc"])
        errors.append(field_error(_field_path(key, item.get("source")), message))
    return errors


def service_error_handler(request: Request[Any, Any, Any], exc: ServiceError) -> Response[Any]:
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return problem(
        exc.status_code,
        detail=exc.detail,
        problem_type=exc.problem_type,
        instance=request.url.path,
        headers=headers,
        locale=request_locale(request),
        **exc.extra,
    )


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    locale = request_locale(request)
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        status = 422 if errors else 400
        return problem(
            status,
            detail=msg("request_has_invalid_fields") if errors else msg("request_unreadable"),
            instance=request.url.path,
            headers=headers,
            locale=locale,
            errors=errors,
        )
    if isinstance(exc, NotAuthorizedException):
        headers.setdefault("WWW-Authenticate", "Bearer")
    if status >= 500:
        logger.error("http_error", status=status, detail=exc.detail)
    # Litestar's own texts are English: a catalogue text for the status replaces them.
    detail = msg(f"http_{status}") if has(f"http_{status}", "en") else None
    return problem(status, detail=detail, instance=request.url.path, headers=headers, locale=locale)


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
            detail=msg("value_not_storable"),
            instance=request.url.path,
            locale=request_locale(request),
        )
    return internal_error_handler(request, exc)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled_error", path=request.url.path)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        detail=msg("internal_error"),
        instance=request.url.path,
        locale=request_locale(request),
    )


def _parameter_parsing_frame(exc: BaseException) -> Any:
    """The frame of Litestar's parameter parsing the exception came out of, if any."""
    from litestar._signature.model import SignatureModel

    code = SignatureModel.parse_values_from_connection_kwargs.__func__.__code__  # type: ignore[attr-defined]
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return tb.tb_frame
        tb = tb.tb_next
    return None


def value_error_handler(request: Request[Any, Any, Any], exc: ValueError) -> Response[Any]:
    """msgspec (0.22) lets a few values out of its conversion as a bare ``ValueError`` instead
    of its ``ValidationError``: a date-time given as Unix seconds in the one second past
    9999-12-31 (``253402300800``) passes its range check and fails in ``datetime`` itself
    ("year 10000 is out of range"). Out of Litestar's parsing of the query, path and header
    parameters that is the client's bad value, answered like any other (422 naming the
    parameter); any other ``ValueError`` is a fault (500)."""
    frame = _parameter_parsing_frame(exc)
    if frame is None:
        return internal_error_handler(request, exc)
    model, kwargs = frame.f_locals.get("cls"), frame.f_locals.get("kwargs") or {}
    deserializer = frame.f_locals.get("deserializer")
    dependencies: set[str] = getattr(model, "_dependency_name_set", set())
    errors = []
    for name, annotation in getattr(model, "__annotations__", {}).items():
        if name not in kwargs or name in dependencies or name not in getattr(model, "_fields", {}):
            continue
        try:
            convert(kwargs[name], annotation, strict=False, dec_hook=deserializer, str_keys=True)
        except (ValueError, TypeError):  # msgspec.ValidationError is a ValueError
            source = "header" if name in request.headers else "query"
            source = "path" if name in request.path_params else source
            errors.append(field_error(_field_path(name, source), msg("invalid_value")))
    return problem(
        422 if errors else 400,
        detail=msg("request_has_invalid_fields") if errors else msg("request_unreadable"),
        instance=request.url.path,
        locale=request_locale(request),
        errors=errors,
    )


def unavailable_response(
    request: Request[Any, Any, Any], detail: Message = UNAVAILABLE_DETAIL, **extra: Any
) -> Response[Any]:
    return problem(
        503,
        detail=detail,
        problem_type=Unavailable.problem_type,
        instance=request.url.path,
        headers={"Retry-After": str(Unavailable.retry_after_seconds)},
        locale=request_locale(request),
        **extra,
    )


def unavailable_handler(request: Request[Any, Any, Any], exc: Unavailable) -> Response[Any]:
    logger.warning(
        "dependency_unavailable", path=request.url.path, cause=repr(exc.__cause__ or exc)
    )
    return unavailable_response(request, exc.detail, **exc.extra)


def connection_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A dependency refused or dropped a connection, or timed out (database pool,
    Redis, a socket): 503, never its address."""
    logger.warning("dependency_unavailable", path=request.url.path, cause=repr(exc))
    return unavailable_response(request)


exception_handlers: dict[Any, Any] = {
    ServiceError: service_error_handler,
    Unavailable: unavailable_handler,
    ConnectionError: connection_error_handler,
    TimeoutError: connection_error_handler,
    socket.gaierror: connection_error_handler,
    SQLAlchemyTimeoutError: connection_error_handler,
    RedisConnectionError: connection_error_handler,
    RedisTimeoutError: connection_error_handler,
    HTTPException: http_exception_handler,
    DBAPIError: database_error_handler,
    ValueError: value_error_handler,
    Exception: internal_error_handler,
}
