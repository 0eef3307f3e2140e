"""Checks that request bodies of several domains share (a body's own validators call them)."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from service.i18n import value_error

D = TypeVar("D", bound=date)  # a date, or a datetime (compared with its own kind)


def refuse_end_before_start(start: D, end: D | None, code: str) -> None:
    """A period (a plan's, a council session's, a supervision session's) may not end before
    it starts; an open end (None) passes. ``code`` is the catalogue message that names the
    body's own fields, raised as a validator's error."""
    if end is not None and end < start:
        raise value_error(code)
