"""The two helpers every page uses, and how pages answer errors.

* :func:`render` — one way to answer with a page (or an HTMX partial: a template whose name
  starts with ``_``): it adds what every template may use (``principal``, ``locale``,
  ``nav``, ``flash``; ``csrf_token()`` and ``request`` come from Litestar).
* :func:`read_form` — "validate this form against this pydantic schema": the API's own
  request schemas, so no rule is written twice. It gives a :class:`Form` whose ``data`` is
  the model, or ``None`` with ``errors`` by field (catalogue messages, the API's codes).
  A ``ServiceError`` raised by the service afterwards folds into the same form with
  :meth:`Form.failed` (its ``errors[].field`` next to the fields, else at the top).
* :func:`read_query` — the same for a GET form (a list's filters in the query string).
* :func:`redirect` — a 303 after a successful POST, with an optional flash message code
  shown once on the next page.
* :class:`PageVisit` — what a page's handler works with (the request, its database session,
  the settings), one parameter ``visit: Visit`` provided on every web route.

Errors: :func:`page_error_handler` is the web routers' exception handler. A ``ServiceError``
(404 also for "not yours", 403, 409, 412, 422) or a Litestar HTTP error renders
``error.html`` with the catalogue text and the status the API would answer; a refused CSRF
token renders the 403 page saying so; a console request without a session goes to the login
page. Anything else is the API's 500 (logged), as a page. The API keeps its problem+json.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

import structlog
from litestar import Request, Response
from litestar.datastructures import CacheControlHeader, Cookie
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.errors import NotFound, ServiceError, Unauthenticated, pydantic_message
from service.i18n import Message, has, msg
from service.problems import exception_handlers as api_exception_handlers
from service.problems import http_exception_handler
from service.request import ApiRequest
from service.settings import Settings
from service.web.nav import console_nav, portal_links
from service.web.sessions import CONSOLE_PATH, login_url
from service.web.templating import page_locale

logger = structlog.get_logger(__name__)

FLASH_COOKIE = "flash"
CSRF_FIELD = "_csrf_token"

M = TypeVar("M", bound=BaseModel)
V = TypeVar("V")

# Pages that show personal data or a secret (every console page; the portal's tracking page
# and filing receipt) are never kept by a browser's cache or a proxy: Back after logging out
# or leaving a shared computer shows nothing.
PRIVATE = CacheControlHeader(no_store=True)


class PageRequest(HTMXRequest, ApiRequest):
    """The web routers' request class: HTMX's (``request.htmx``) with the API's URL repair
    for raw bytes in a query string (service/request.py)."""


@dataclass(frozen=True)
class PageVisit:
    """What a page's handler works with: the request, the request's database session (the
    one the framework commits) and the settings. The web routers provide it as ``visit``
    (:func:`provide_visit`), so a handler declares one parameter, ``visit: Visit``, rather
    than the three."""

    request: Request[Any, Any, Any]
    session: AsyncSession
    settings: Settings


async def provide_visit(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> PageVisit:
    return PageVisit(request, db_session, settings)


Visit = NamedDependency[PageVisit]


def render_fragment(request: Request[Any, Any, Any], template: str, **context: Any) -> Markup:
    """A part of a page rendered now, as HTML to put in a page later (in the request's
    language): for what is kept rendered, such as the dashboard's figures."""
    engine = request.app.template_engine
    assert isinstance(engine, JinjaTemplateEngine)  # the app's (service.web.templating)
    html = engine.engine.get_template(template).render(locale=page_locale(request), **context)
    return Markup(html)  # rendered by the autoescaping environment


def render(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
    **context: Any,
) -> HTMXTemplate:
    """The page ``template`` (under service/web/templates) with ``context`` and the shared
    context. ``status_code`` 422 re-renders a form (the request's transaction is rolled back
    on any status >= 400)."""
    principal = request.scope.get("user")
    principal = principal if isinstance(principal, StaffPrincipal) else None
    flash = request.cookies.get(FLASH_COOKIE)
    cookies = list(cookies or [])
    if flash is not None:
        cookies.append(Cookie(key=FLASH_COOKIE, value="", path="/", max_age=0))
    shared = {
        "principal": principal,
        "locale": page_locale(request),
        "nav": console_nav(principal) if principal else [],
        "portal_links": portal_links(),
        # Only a catalogue code is honoured: a forged cookie cannot put words on a page.
        "flash": msg(flash) if flash and has(flash, "en") else None,
        "path": request.url.path,
    }
    return HTMXTemplate(
        template_name=template,
        context={**shared, **context},
        status_code=status_code,
        cookies=cookies,
        media_type="text/html",
    )


def redirect(
    path: str, *, flash: str | None = None, cookies: list[Cookie] | None = None
) -> Redirect:
    """A 303 to ``path`` (a path of this site); ``flash``, a catalogue code, shows once."""
    cookies = list(cookies or [])
    if flash is not None:
        cookies.append(
            Cookie(
                key=FLASH_COOKIE, value=flash, path="/", max_age=120, httponly=True, samesite="lax"
            )
        )
    return Redirect(path=path, status_code=303, cookies=cookies)


def named(table: Mapping[str, V], name: str, missing: str = "http_404") -> V:
    """The entry of a page's table (its actions, its forms) that a path segment names: a
    name the table does not hold is the 404 page, with the catalogue message ``missing``."""
    found = table.get(name)
    if found is None:
        raise NotFound(msg(missing))
    return found


@dataclass(frozen=True)
class Form(Generic[M]):
    """A submitted form: ``values`` as typed (to refill the fields), and either ``data`` or
    ``errors`` (field name → message; ``""`` for errors of the whole form)."""

    values: Mapping[str, Any]
    data: M | None = None
    errors: Mapping[str, Message] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.errors

    @property
    def status_code(self) -> int:
        """The page's status: 422 for a form the page shows again with its errors."""
        return 200 if self.ok else 422

    def failed(self, exc: ServiceError) -> "Form[M]":
        """This form with the service's refusal next to its fields."""
        errors: dict[str, Message] = {}
        for item in exc.extra.get("errors") or []:
            name = str(item.get("field") or "").split(".")[0]
            message = item.get("message")
            errors.setdefault(name, message if isinstance(message, Message) else exc.detail)
        if not errors:
            errors[""] = exc.detail
        return replace(self, data=None, errors=errors)

    def error(self, name: str) -> Message | None:
        return self.errors.get(name)


async def read_form(request: Request[Any, Any, Any], schema: type[M]) -> Form[M]:
    """The form of ``request`` validated by ``schema``. An empty field counts as not sent (a
    browser sends ``""`` for a blank input), so optional fields take their defaults and
    required ones are reported missing. A repeated name (checkboxes) gives a list."""
    return _validated(await request.form(), schema)


def read_query(request: Request[Any, Any, Any], schema: type[M]) -> Form[M]:
    """The query string of ``request`` (a GET form: filters) validated by ``schema``, by the
    rules of :func:`read_form`."""
    return _validated(request.query_params, schema)


def _validated(form: Any, schema: type[M]) -> Form[M]:
    values: dict[str, Any] = {}
    for name in form:
        if name == CSRF_FIELD:
            continue
        items = [item for item in form.getall(name) if isinstance(item, str)]
        if len(items) > 1:
            values[name] = [item for item in items if item != ""]
        elif items and items[0] != "":
            values[name] = items[0]
    return validate(values, schema)


def validate(values: Mapping[str, Any], schema: type[M]) -> Form[M]:
    """``values`` as a :class:`Form` of ``schema``: its data, or its errors by field."""
    try:
        return Form(values=values, data=schema.model_validate(values))
    except ValidationError as exc:
        errors: dict[str, Message] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            errors.setdefault(name, pydantic_message(error))
        return Form(values=values, errors=errors)


def page_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The web routers' answer to every error (see the module's docstring)."""
    if isinstance(exc, Unauthenticated) and request.url.path.startswith(CONSOLE_PATH):
        return Redirect(path=login_url(request.url.path), status_code=303)
    if isinstance(exc, ServiceError):
        status, detail = exc.status_code, exc.detail
    elif isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        status, detail = 403, msg("csrf_failed")
    else:
        # The API's handler decides the status (and logs what must be logged).
        status = _api_status(request, exc)
        detail = msg(f"http_{status}") if has(f"http_{status}", "en") else msg("internal_error")
    return render(request, "error.html", status_code=status, message=detail, status=status)


def _api_status(request: Request[Any, Any, Any], exc: Exception) -> int:
    if isinstance(exc, HTTPException):
        return exc.status_code
    for kind in type(exc).__mro__:
        handler = api_exception_handlers.get(kind)
        if handler is not None:
            return int(handler(request, exc).status_code)
    logger.exception("unhandled_page_error", path=request.url.path)
    return 500


# Paths that are not pages: the API and its docs answer problem+json, whatever the error.
_NOT_PAGES = ("/api/", "/schema", "/health", "/ready", "/static/")


def page_or_problem_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """For the errors raised before routing picks the web routers' handlers (the CSRF
    middleware's refusal, an unknown path, a wrong method), which reach only the app's own
    handlers: a page outside the API, the API's problem inside it."""
    path = request.url.path
    if path.startswith("/open311/"):  # the Open311 server answers in its spec's format
        from service.open311.controllers import error_before_routing

        return error_before_routing(request, exc)
    if path == "/schema" or path.startswith(_NOT_PAGES):
        return http_exception_handler(request, exc)
    return page_error_handler(request, exc)


# Every class the app's handlers name, too: Litestar picks a handler by the exception's class
# (most specific first) across all layers, so the app's ``ServiceError`` handler would answer a
# page's 404 with problem+json unless the web routers name that class themselves.
page_exception_handlers: dict[Any, Any] = {
    **dict.fromkeys(api_exception_handlers, page_error_handler),
    Exception: page_error_handler,
}
