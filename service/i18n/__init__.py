"""One message catalogue for every text a person reads from the API (and, later, the console).

Messages are keyed by stable codes (``referral_not_found``, ``string_too_short``,
``title.validation``, ``enum.oversight.PlanState.in_progress``) in gettext catalogues,
``locales/<locale>/LC_MESSAGES/messages.po``, one per language. The ``.po`` files are the
source; they are compiled in memory on first use (Babel), so there is no build step and no
binary file to keep in sync. A code is also what an API client keys on: it is sent beside the
text (``code`` of a problem, ``errors[].code``).

Raise sites build a :class:`Message` with :func:`msg` (lazy: code and parameters); the error
handlers render it in the locale negotiated from ``Accept-Language`` (:func:`negotiate`).
Parameters that are enum members are rendered through their catalogue label
(``enum.<package>.<Class>.<value>``), so no English word built from an enum name reaches a reader.

A new message is a new ``msgid`` (its code) in both ``.po`` files, with ``{placeholders}``
named alike; ``tests/i18n/test_catalogue.py`` fails when a code used in the code lacks a text in
either language, when the placeholders differ, or when an error is raised with a bare sentence.
"""

from __future__ import annotations

import gettext
import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
CATALOGUE_DIR = Path(__file__).parent / "locales"
READERS_TIMEZONE = "Asia/Ho_Chi_Minh"  # moments in messages are shown as Vietnam reads them


@dataclass(frozen=True, slots=True)
class Message:
    """A message not yet rendered: its code and parameters. ``str()`` renders it in English
    (for logs and the command line)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, locale: str) -> str:
        return translate(self.code, locale, **self.params)

    def __str__(self) -> str:
        return self.render("en")


def msg(code: str, /, **params: Any) -> Message:
    """A catalogue message, rendered later in the reader's language."""
    return Message(code, params)


_ = msg  # the gettext spelling, for templates


@cache
def _parsed(locale: str) -> Any:
    from babel.messages.pofile import read_po

    path = CATALOGUE_DIR / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        return read_po(source, locale=locale)


@cache
def catalogue(locale: str) -> dict[str, str]:
    """The texts of ``locale`` by code (read from its ``.po`` file once per process)."""
    return {
        str(entry.id): unicodedata.normalize("NFC", str(entry.string))
        for entry in _parsed(locale)
        if entry.id and entry.string and not entry.fuzzy
    }


@cache
def translations(locale: str) -> gettext.GNUTranslations:
    """The same catalogue as a gettext object (for Jinja2's i18n extension in the console)."""
    from babel.messages.mofile import write_mo

    compiled = io.BytesIO()
    write_mo(compiled, _parsed(locale))
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def has(code: str, locale: str) -> bool:
    return code in catalogue(locale)


def translate(code: str, locale: str = DEFAULT_LOCALE, /, **params: Any) -> str:
    """The text of ``code`` in ``locale`` (else English, else the code itself), with its
    ``{placeholders}`` filled from ``params``."""
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    for candidate in (locale, "en"):
        if has(code, candidate):
            template = catalogue(candidate)[code]
            break
    else:
        return code
    if not params:
        return template
    values = {name: _render_value(value, locale) for name, value in params.items()}
    try:
        return unicodedata.normalize("NFC", template.format_map(values))
    except (KeyError, IndexError, ValueError):
        return template


def label(member: Enum, locale: str = DEFAULT_LOCALE) -> str:
    """The reader's word for an enum member (a state, an action, a role)."""
    return translate(label_code(member), locale)


def label_code(member: Enum) -> str:
    """``enum.<package>.<Class>.<value>``: the package (``replies``, ``oversight``) tells apart
    enums of one name (the petition and the referral ``Action``)."""
    parts = type(member).__module__.split(".")
    package = parts[1] if parts[0] == "service" and len(parts) > 2 else parts[0]
    return f"enum.{package}.{type(member).__name__}.{member.value}"


def _render_value(value: Any, locale: str) -> Any:
    if isinstance(value, Message):
        return value.render(locale)
    if isinstance(value, Enum):
        code = label_code(value)
        return translate(code, locale) if has(code, "en") else str(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat(timespec="minutes")
        local = value.astimezone(ZoneInfo(READERS_TIMEZONE))
        return local.strftime("%H:%M ngày %d/%m/%Y" if locale == "vi" else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if locale == "vi" else value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = [str(_render_value(item, locale)) for item in value]
        return ", ".join(items) if items else translate("none", locale)
    return value


def cli_locale() -> str:
    """The operator's language for the command line, from the POSIX locale variables
    (``vi_VN.UTF-8``, ``en_GB``); Vietnamese unless they name English."""
    import os

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            primary = value.split(".", 1)[0].split("_", 1)[0].lower()
            return primary if primary in LOCALES else DEFAULT_LOCALE
    return DEFAULT_LOCALE


def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The supported locale the ``Accept-Language`` header prefers (RFC 9110 §12.5.4:
    q-values, ``vi-VN`` matches ``vi``); ``default`` when it names none we have."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _sep, rest = part.strip().partition(";")
        quality = 1.0
        for param in rest.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-", 1)[0]
        if quality > 0 and primary:
            ranked.append((-quality, position, primary))
    for _quality, _position, primary in sorted(ranked):
        if primary == "*":
            return default
        if primary in LOCALES:
            return primary
    return default


def value_error(code: str, /, **params: Any) -> Exception:
    """A pydantic validator's error as a catalogue message: raise it where a validator would
    raise ``ValueError``; the problem's ``errors[].code`` is ``code``."""
    from pydantic_core import PydanticCustomError

    template = catalogue("en").get(code, code)
    return PydanticCustomError(code, template, params)
