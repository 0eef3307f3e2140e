"""The ServiceError family: every error the API answers, each a class that says in one place
its HTTP status, its problem ``type`` (the stable slug a client keys on, under
:data:`service.problems.TYPE_BASE`), its ``title`` (a catalogue code) and, for the classes
the OpenAPI document names, what the status means for a client (``documented``).

Services raise these; :mod:`service.problems` renders them (and Litestar's own exceptions,
which it maps to the class of their status) as RFC 9457 ``application/problem+json``. The
tables other modules need (the type of a status, the OpenAPI problem responses) are derived
from the classes here, never written a second time.

A domain's own errors sit next to their domain (``UploadInterrupted`` in
``service/storage/http.py``, ``ObjectStoreUnavailable`` in ``service/storage/store.py``);
subclassing a class here is all they need (a new ``problem_type`` gets the title code
``title.<problem_type>``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from service.i18n import Message, has, msg

T = TypeVar("T")

_BY_TYPE: dict[str, type[ServiceError]] = {}
_BY_STATUS: dict[int, type[ServiceError]] = {}


class ServiceError(Exception):
    """A domain error with an HTTP status and a stable problem type.

    A subclass that declares a new ``problem_type`` is registered under it; unless declared
    with ``refines=True`` (a more precise kind of its status, like ``state-conflict``) it is
    also *the* class of its status, the one a bare status (a Litestar exception) maps to.
    Its ``title`` is the catalogue code ``title.<problem_type>`` unless it declares another.
    """

    status_code: ClassVar[int] = 400
    problem_type: ClassVar[str] = "bad-request"
    title: ClassVar[Message] = msg("title.bad-request")
    documented: ClassVar[str | None] = None
    """What the status means, for the OpenAPI ``components/responses`` entry named after
    the class (only the class of a status has one)."""
    sends_retry_after: ClassVar[bool] = False
    """Answered with ``Retry-After`` (seconds)."""

    def __init_subclass__(cls, *, refines: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "problem_type" not in cls.__dict__:
            return  # the same kind as its parent (e.g. RefreshTokenReused, Unauthenticated)
        if "title" not in cls.__dict__:
            cls.title = msg(f"title.{cls.problem_type}")
        _BY_TYPE.setdefault(cls.problem_type, cls)
        if not refines:
            _BY_STATUS.setdefault(cls.status_code, cls)

    def __init__(self, detail: Message, **extra: Any) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.extra = extra


class BadRequest(ServiceError):
    """A request that cannot be read (a parameter that does not parse, a body that is not
    what the route takes)."""

    status_code = 400
    problem_type = "bad-request"
    documented = "The body is not valid JSON (or not UTF-8), or a parameter cannot be parsed."


class Unauthenticated(ServiceError):
    status_code = 401
    problem_type = "unauthenticated"
    documented = (
        "No valid credentials: staff send `Authorization: Bearer <access token>` from "
        "`POST /api/v1/auth/login`; citizen apps send `X-API-Key`."
    )


class Forbidden(ServiceError):
    status_code = 403
    problem_type = "forbidden"
    documented = (
        "The credentials are valid but do not allow this: the caller's role or API key "
        "scope, or the wrong kind of caller (an API key on a staff route, or the reverse), "
        "or an unsigned or expired signed URL."
    )


class NotFound(ServiceError):
    """Also used for things that exist but the caller may not see."""

    status_code = 404
    problem_type = "not-found"
    documented = (
        "No such resource, or one outside the caller's area: both answer the same 404, so "
        "nothing tells them apart. On `/track/...`, an unknown code and a wrong secret."
    )


def found(value: T | None, detail: Message) -> T:
    """``value``, read by a key the caller gave: a 404 with ``detail`` when there is none."""
    if value is None:
        raise NotFound(detail)
    return value


class MethodNotAllowed(ServiceError):
    """Only Litestar answers it (a method the path does not have)."""

    status_code = 405
    problem_type = "method-not-allowed"


class Conflict(ServiceError):
    status_code = 409
    problem_type = "conflict"
    documented = (
        "The change conflicts with the current state (or with an existing record); a "
        "`state-conflict` problem names the current `state` and the `allowed_actions`."
    )


class StateConflict(Conflict, refines=True):
    """An action not allowed in the current state; says which actions are."""

    problem_type = "state-conflict"

    def __init__(self, detail: Message, *, state: str, allowed_actions: Sequence[str]) -> None:
        super().__init__(detail, state=state, allowed_actions=sorted(allowed_actions))

    @classmethod
    def refusing(
        cls, detail: Message, *, action: str, state: str, allowed_actions: Sequence[str]
    ) -> StateConflict:
        """``action``, which the state allows, refused on a condition the state alone does
        not decide: the other actions of ``allowed_actions`` are what the caller may do now."""
        others = [allowed for allowed in allowed_actions if allowed != action]
        return cls(detail, state=state, allowed_actions=others)


class PreconditionFailed(ServiceError):
    status_code = 412
    problem_type = "precondition-failed"
    documented = (
        "`If-Match` does not match the current `ETag`: someone changed it first. Reload "
        "and decide again."
    )


class TooLarge(ServiceError):
    status_code = 413
    problem_type = "too-large"
    documented = "The body or the file is larger than this route takes."


class UnsupportedMediaType(ServiceError):
    status_code = 415
    problem_type = "unsupported-media-type"
    documented = (
        "The body is not of a type this route takes: JSON routes take `application/json`; "
        "uploads refuse file types that are not accepted as evidence."
    )


class Invalid(ServiceError):
    status_code = 422
    problem_type = "validation"
    documented = (
        "The request is well-formed but a value is not acceptable; `errors` lists each "
        "field (`field`, `message`)."
    )

    def __init__(self, detail: Message, *, field: str | None = None, **extra: Any) -> None:
        if field is not None:
            extra.setdefault("errors", [field_error(field, detail)])
        super().__init__(detail, **extra)


class PreconditionRequired(ServiceError):
    status_code = 428
    problem_type = "precondition-required"
    documented = "This change needs `If-Match` with the `ETag` of the resource as last read."


class RateLimited(ServiceError):
    """Answered with ``Retry-After`` (seconds) and ``retry_after_seconds`` in the body."""

    status_code = 429
    problem_type = "rate-limited"
    documented = (
        "Too many requests (per API key, or failed tracking attempts per address and per "
        "code); wait `Retry-After` seconds."
    )
    sends_retry_after = True

    def __init__(self, detail: Message, *, retry_after_seconds: int, **extra: Any) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds, **extra)
        self.headers = {"Retry-After": str(retry_after_seconds)}


class MalformedBody(BadRequest, refines=True):
    """A body the JSON decoder refuses: malformed, not UTF-8, or nested too deep."""

    problem_type = "malformed-body"


class InternalError(ServiceError):
    """Never raised: what an unexpected exception is answered as (no trace leaks out)."""

    status_code = 500
    problem_type = "internal"


class Unavailable(ServiceError):
    """A dependency (object store, database, broker, Redis, mail server) cannot be reached
    now. Answered 503 with ``Retry-After``; the detail never names the dependency's
    address (it is for the caller, the log has the cause)."""

    status_code = 503
    problem_type = "unavailable"
    documented = (
        "A dependency (object storage, the database) is unavailable for now; retry after "
        "`Retry-After` seconds. Nothing was changed."
    )
    sends_retry_after = True
    retry_after_seconds = 30


GENERIC_TITLE = msg("title.error")


def error_class(*, status: int, problem_type: str | None = None) -> type[ServiceError] | None:
    """The class of a problem ``type``, else the class of ``status`` (None for a status no
    class answers)."""
    found = _BY_TYPE.get(problem_type) if problem_type else None
    return found or (None if problem_type else _BY_STATUS.get(status))


def problem_title(status: int, problem_type: str | None = None) -> Message:
    """The title of a problem: its class's, else the generic one."""
    cls = error_class(status=status, problem_type=problem_type)
    if cls is None and problem_type and has(f"title.{problem_type}", "en"):
        return msg(f"title.{problem_type}")
    if cls is None or not has(cls.title.code, "en"):
        return GENERIC_TITLE
    return cls.title


def problem_type_of(status: int) -> str:
    """The problem type of a bare status (a Litestar exception, a validation error)."""
    cls = _BY_STATUS.get(status)
    return cls.problem_type if cls is not None else "error"


def status_classes() -> dict[int, type[ServiceError]]:
    """The class of each status, by status (the type and title a bare status gets)."""
    return dict(sorted(_BY_STATUS.items()))


def documented_classes() -> list[type[ServiceError]]:
    """The classes the OpenAPI document has a problem response for, by status."""
    return [cls for cls in status_classes().values() if cls.documented]


def field_error(field: str, message: Message) -> dict[str, Any]:
    """One entry of a problem's ``errors``: the field, a code to key on, the text."""
    return {"field": field, "code": message.code, "message": message}


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
