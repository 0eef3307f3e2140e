"""The ServiceError family and RFC 9457 problem+json responses for every error.

Services raise ``ServiceError`` subclasses; the handlers below turn those, Litestar's own
HTTP exceptions and validation errors into ``application/problem+json``. Anything else is
logged with its stack trace and answered with a bare 500 problem (no trace leaks out).

Every text is a catalogue message (:mod:`service.i18n`), rendered in the language the request
prefers (``Accept-Language``; Vietnamese by default). Beside the text a problem carries codes a
client can key on: ``type`` (the kind of problem), ``code`` (which one) and, per field,
``errors[].code``.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from msgspec import convert
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from service.i18n import DEFAULT_LOCALE, Message, has, msg, negotiate
from service.settings import Settings

logger = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://giamsat.vn/problems/"

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

    def __init__(self, detail: Message, **extra: Any) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.extra = extra


class NotFound(ServiceError):
    """Also used for things that exist but the caller may not see."""

    status_code = 404
    problem_type = "not-found"


class Invalid(ServiceError):
    status_code = 422
    problem_type = "validation"

    def __init__(self, detail: Message, *, field: str | None = None, **extra: Any) -> None:
        if field is not None:
            extra.setdefault("errors", [field_error(field, detail)])
        super().__init__(detail, **extra)


def field_error(field: str, message: Message) -> dict[str, Any]:
    """One entry of a problem's ``errors``: the field, a code to key on, the text."""
    return {"field": field, "code": message.code, "message": message}


class Conflict(ServiceError):
    status_code = 409
    problem_type = "conflict"


class StateConflict(Conflict):
    """An action not allowed in the current state; says which actions are."""

    problem_type = "state-conflict"

    def __init__(self, detail: Message, *, state: str, allowed_actions: Sequence[str]) -> None:
        super().__init__(detail, state=state, allowed_actions=sorted(allowed_actions))


class PreconditionFailed(ServiceError):
    status_code = 412
    problem_type = "precondition-failed"


class PreconditionRequired(ServiceError):
    status_code = 428
    problem_type = "precondition-required"


class Forbidden(ServiceError):
    status_code = 403
    problem_type = "forbidden"


class Unauthenticated(ServiceError):
    status_code = 401
    problem_type = "unauthenticated"


class TooLarge(ServiceError):
    status_code = 413
    problem_type = "too-large"


class UnsupportedMediaType(ServiceError):
    status_code = 415
    problem_type = "unsupported-media-type"


class RateLimited(ServiceError):
    """Answered with ``Retry-After`` (seconds) and ``retry_after_seconds`` in the body."""

    status_code = 429
    problem_type = "rate-limited"

    def __init__(self, detail: Message, *, retry_after_seconds: int, **extra: Any) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds, **extra)
        self.headers = {"Retry-After": str(retry_after_seconds)}


class MalformedBody(ServiceError):
    """A body the JSON decoder refuses: malformed, not UTF-8, or nested too deep."""

    status_code = 400
    problem_type = "malformed-body"


class Unavailable(ServiceError):
    """A dependency (object store, database, broker, Redis, mail server) cannot be reached
    now. Answered 503 with ``Retry-After``; the detail never names the dependency's
    address (it is for the caller, the log has the cause)."""

    status_code = 503
    problem_type = "unavailable"
    retry_after_seconds = 30


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
    slug = problem_type or _TYPES.get(status, "error")
    if title is None:
        title = msg(f"title.{slug}") if has(f"title.{slug}", "en") else msg("title.error")
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


def pydantic_message(error: Mapping[str, Any]) -> Message:
    """A pydantic error as a catalogue message: its ``type`` is the code (custom errors raised
    as ``PydanticCustomError(code, ...)`` included), its ``ctx`` the parameters."""
    code = str(error.get("type", ""))
    if not has(code, "en"):
        return msg("invalid_value")
    params = {key: value for key, value in (error.get("ctx") or {}).items() if isinstance(key, str)}
    if code in ("enum", "literal_error") and isinstance(params.get("expected"), str):
        # pydantic spells the choices as English ("'a', 'b' or 'c'"): keep only the values.
        params["expected"] = re.findall(r"'([^']*)'", params["expected"]) or params["expected"]
    return msg(code, **params)


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


UNAVAILABLE_DETAIL = msg("service_unavailable")


def unavailable_response(
    request: Request[Any, Any, Any], detail: Message = UNAVAILABLE_DETAIL, **extra: Any
) -> Response[Any]:
    return problem(
        503,
        detail=detail,
        problem_type="unavailable",
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
