"""The staff console (``/console``) and the public portal (``/``): server-rendered pages of
the same app, over the same domain services as the API (issue 12). How to add a page, a
form, an HTMX partial and a browser test: CONTRIBUTING.md, "Pages".

Pieces:

* ``templating`` — the Jinja2 environment: ``_()``, the ``date``/``datetime``/``number``
  filters, ``static()``; the locale (``lang`` cookie, else ``Accept-Language``);
* ``sessions`` — the console's cookie session (the API's revocable ``AuthSession``) and
  ``ConsoleSessionMiddleware``, which puts the ``StaffPrincipal`` in ``request.user``;
* ``pages`` — ``render()``, ``read_form()``/``Form``, ``redirect()``, the error pages;
* ``nav`` — the console's sections by role;
* ``console`` / ``portal`` — the pages built so far (login, logout, password, homes).

Where the other pages plug in (each a ``Controller`` in a module of this package, added to
``CONSOLE_CONTROLLERS`` or ``PORTAL_CONTROLLERS`` below; console sections also set their
``path`` in ``nav.NAV``; portal links go in ``templates/portal/home.html`` and the footer of
``templates/base.html``):

* console: work queue (``/console/queue``, Hàng đợi), agency inbox (``/console/inbox``,
  Hộp thư cơ quan), Front review (``/console/review``, Duyệt trả lời), oversight
  (``/console/oversight``, Giám sát: plans and the live session over SSE), dashboard
  (``/console/dashboard``, Bảng số liệu), reports (``/console/reports``, Báo cáo),
  admin (``/console/admin``, Quản trị);
* portal: track a petition (``/tra-cuu``, Tra cứu kiến nghị), file one (``/gui-kien-nghi``,
  Gửi kiến nghị), published answers (``/tra-loi``, Các trả lời đã công bố), verify a report
  (``/xac-minh``, Xác minh báo cáo).
"""

import hashlib
from typing import Any

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.plugins.htmx import HTMXConfig, HTMXPlugin

from service.settings import Environment, Settings
from service.web import admin, channels, console, dashboard, oversight, portal, public, queue
from service.web import criticism as criticism_pages
from service.web import reception as reception_pages
from service.web import referrals as referral_pages
from service.web import voters as voter_pages
from service.web.dashboard.cache import FiguresCache
from service.web.pages import (
    PRIVATE,
    PageRequest,
    page_exception_handlers,
    page_or_problem_handler,
    provide_visit,
)
from service.web.sessions import CONSOLE_PATH, ConsoleSessionMiddleware
from service.web.templating import template_config

CONSOLE_CONTROLLERS: list[Any] = [
    *console.controllers,
    *queue.controllers,  # the Front's work queue and petition page
    *referral_pages.controllers,  # the agency inbox, the Front's review
    *oversight.controllers,  # supervision plans and live sessions
    *dashboard.controllers,  # charts and reports
    *admin.controllers,  # users, API clients, calendar, routing, jobs, audit
    *channels.controllers,  # publications to the portal, Zalo, Facebook, webhooks
    *reception_pages.controllers,  # online citizen reception
    *criticism_pages.controllers,  # social criticism of drafts
    *voter_pages.controllers,  # voter meetings: sessions, meetings, compiled recommendations
]
PORTAL_CONTROLLERS: list[Any] = [*portal.controllers, *public.controllers]

# Routes that no cookie authenticates, so no cross-site form can ride on one: the API
# (bearer tokens, API keys), its docs, the probes, the static files, and the Open311 server
# (its key is in the form it posts).
CSRF_EXEMPT = ["^/api/", "^/schema", "^/health", "^/ready", "^/static/", "^/open311/"]


def web_routers(settings: Settings) -> list[Router]:
    # ``exclude_from_auth``: the API's JWT middleware leaves the pages alone; the console's
    # own middleware authenticates them from the cookie.
    figures = FiguresCache(settings.dashboard_cache_seconds)
    visit = {"visit": Provide(provide_visit)}
    common: dict[str, Any] = {
        "request_class": PageRequest,
        "exception_handlers": page_exception_handlers,
        "include_in_schema": False,
        "opt": {"exclude_from_auth": True},
    }
    return [
        Router(
            path=CONSOLE_PATH,
            route_handlers=CONSOLE_CONTROLLERS,
            middleware=[DefineMiddleware(ConsoleSessionMiddleware)],
            cache_control=PRIVATE,
            dependencies={
                **visit,
                "figures_cache": Provide(lambda: figures, use_cache=True, sync_to_thread=False),
            },
            **common,
        ),
        Router(path="/", route_handlers=PORTAL_CONTROLLERS, dependencies=visit, **common),
    ]


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        # Its own key, as for the console's cookie: derived, never the JWT secret itself.
        secret=hashlib.sha256(
            b"giamsat-csrf\0" + settings.jwt_secret.get_secret_value().encode()
        ).hexdigest(),
        cookie_name="csrftoken",
        header_name="x-csrftoken",
        cookie_httponly=True,  # templates put the token in the page; no script reads it
        cookie_secure=settings.environment is not Environment.development,
        cookie_samesite="lax",
        exclude=CSRF_EXEMPT,
    )


# Added to the app's own handlers: errors before routing (a refused CSRF token, an unknown
# path) reach only those.
app_exception_handlers: dict[Any, Any] = {HTTPException: page_or_problem_handler}


def htmx_plugin() -> HTMXPlugin:
    # The API keeps its own request class (JSON bodies only); the web routers set theirs.
    return HTMXPlugin(HTMXConfig(set_request_class_globally=False))


__all__ = ["app_exception_handlers", "csrf_config", "htmx_plugin", "template_config", "web_routers"]
