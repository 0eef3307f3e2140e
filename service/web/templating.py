"""The pages' Jinja2 environment: the catalogue in the reader's language, dates and numbers
as Vietnam writes them, and cache-busting static URLs.

In a template:

* ``_("code", name=value)`` renders a catalogue message (``service/i18n``) in the request's
  locale (:func:`page_locale`); there is no text in a template that is not a code;
* ``value|date`` → ``01/12/2026``, ``value|datetime`` → ``01/12/2026 16:05`` (both in
  Asia/Ho_Chi_Minh, whatever the locale: the platform's readers are in Vietnam),
  ``value|number`` → ``1.234,5`` in Vietnamese, ``1,234.5`` in English (Babel);
* ``static("web/site.css")`` → ``/static/web/site.css?v=<hash>``;
* ``csrf_token()`` (Litestar's) → the token for the hidden ``_csrf_token`` field.
"""

from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from litestar.connection import ASGIConnection
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from service.i18n import (
    DEFAULT_LOCALE,
    LOCALES,
    READERS_TIMEZONE,
    Message,
    label,
    negotiate,
    translate,
)
from service.web.assets import HTMX_JS, HTMX_SSE_JS, static_url

TEMPLATES = Path(__file__).parent / "templates"
LANG_COOKIE = "lang"
_ZONE = ZoneInfo(READERS_TIMEZONE)
_BABEL_LOCALE = {"vi": "vi_VN", "en": "en_GB"}


def page_locale(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The ``lang`` cookie (set by the switch in the header) when it names one of ours, else
    what ``Accept-Language`` prefers, else Vietnamese."""
    chosen = connection.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return str(chosen)
    return negotiate(connection.headers.get("accept-language"))


def _locale_of(context: Context) -> str:
    locale = context.get("locale")
    return locale if locale in LOCALES else DEFAULT_LOCALE


@pass_context
def _translate(context: Context, code: str | Message, /, **params: Any) -> str:
    if isinstance(code, Message):
        return code.render(_locale_of(context))
    if isinstance(code, Enum):  # a role, a state: its catalogue label
        return label(code, _locale_of(context))
    return translate(code, _locale_of(context), **params)


def _local(value: datetime) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(_ZONE)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    return "" if value is None else _local(value).strftime("%d/%m/%Y %H:%M")


@pass_context
def _number(context: Context, value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_BABEL_LOCALE[_locale_of(context)])


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        # A misspelt variable is an error in a test, not an empty spot on a page.
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        _=_translate,
        static=static_url,
        htmx_js=HTMX_JS,
        htmx_sse_js=HTMX_SSE_JS,
        locales=LOCALES,
    )
    env.filters.update(date=format_date, datetime=format_datetime, number=_number)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))
