"""Free text in request bodies: one normal form, bounds that count what a reader sees.

Every text a citizen or an officer sends is NFC-normalised and stripped before its length is
checked, so "ngập" typed with combining marks and "ngập" precomposed are the same text, and a
reason made of a letter and two invisible separators is not three characters long.
"""

import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator, Field


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip()
    return value


def _nfc_or_none(value: Any) -> Any:
    value = _nfc(value)
    return None if value == "" else value


Text = Annotated[str, BeforeValidator(_nfc)]
OptionalText = Annotated[str | None, BeforeValidator(_nfc_or_none)]


def text_field(*, min_length: int, max_length: int, **kwargs: Any) -> Any:
    r"""A ``Text`` field: its bounds count the text as stripped, so the document adds a pattern
    that asks as many characters between the first and the last that are not spaces. Spaces
    are what Python's ``str.strip`` removes: ECMA-262's ``\s`` (the document's dialect) plus
    the separators U+001C-U+001F and U+0085, which only Python counts."""
    solid = r"[^\s\x1c-\x1f\x85]"
    visible = solid if min_length <= 1 else rf"{solid}[\s\S]{{{min_length - 2},}}{solid}"
    return Field(
        min_length=min_length,
        max_length=max_length,
        json_schema_extra={"pattern": visible},
        **kwargs,
    )
