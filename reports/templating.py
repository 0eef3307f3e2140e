"""The Jinja2 environment for report templates.

HTML templates (``*.html``) autoescape; the stylesheet (``*.css``) does not, and anything put
into it goes through `css_string`. Every printed value passes the NFC finalizer.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from reports.sections import cell_text, column_widths

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES_DIR = Path(__file__).parent / "templates"
FONT_STACK = '"Times New Roman", "Liberation Serif"'


def css_string(value: str) -> Markup:
    """A CSS string literal that cannot end early or close the stylesheet."""
    escaped = []
    for char in unicodedata.normalize("NFC", value):
        if char in "\\\"'<>" or ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return Markup('"' + "".join(escaped) + '"')


def _nfc_finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return Markup(unicodedata.normalize("NFC", str(value)))
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


def upper_vi(value: str) -> str:
    """Upper case that keeps Vietnamese letters composed ("đ" -> "Đ", "ệ" -> "Ệ")."""
    return unicodedata.normalize("NFC", value.upper())


@cache
def environment() -> Environment:
    # Jinja is imported by the first render, not by the API that imports the report jobs.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("css",)),
        finalize=_nfc_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    env.filters["upper_vi"] = upper_vi
    env.filters["cell"] = cell_text
    env.globals["column_widths"] = column_widths
    env.globals["font_stack"] = Markup(FONT_STACK)
    return env


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
