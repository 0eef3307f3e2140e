"""Masking personal data before it enters the audit log.

Audit rows live forever and are read by administrators; a denouncer's identity must never
appear there (Law on Denunciations, Art. 47), nor any citizen's contact details. Values
under personal keys are replaced, recursively through nested objects and lists. A key is
personal when one of its words (split on ``_``, ``-``, ``.`` and camelCase) is one of
``PERSONAL_WORDS`` (``phone``, ``reporter_email``, ``petitionerAddress``...), when it
contains one of ``PERSONAL_PHRASES`` (``national_id``, ``id_number``...), or, for names,
when it is ``name``/``full_name``/``fullname`` or a ``..._name`` of a person word
(``petitioner_name``, ``contact_name``): ``agency_name`` or ``file_name`` stay readable.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"

PERSONAL_WORDS = frozenset(
    {
        "phone",
        "mobile",
        "email",
        "address",
        "petitioner",
        "identity",
        "reporter",
        "denouncer",
        "complainant",
        "citizen",
        "cccd",
        "cmnd",
        "passport",
        "birthdate",
        "dob",
    }
)
PERSONAL_PHRASES = ("national_id", "nationalid", "id_number", "idnumber", "date_of_birth")
NAME_KEYS = frozenset({"name", "full_name", "fullname", "first_name", "last_name"})
PERSON_WORDS = frozenset({"person", "contact", "sender", "requester", "applicant", "owner"})
PHONE_WORDS = frozenset({"phone", "mobile", "tel", "telephone"})

_WORD_SPLIT = re.compile(r"[_\-.\s]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _words(key: str) -> list[str]:
    return [w for w in _WORD_SPLIT.split(_CAMEL.sub("_", key).lower()) if w]


def is_personal_key(key: str) -> bool:
    words = _words(key)
    normalized = "_".join(words)
    if normalized in NAME_KEYS or any(word in PERSONAL_WORDS for word in words):
        return True
    if any(phrase in normalized for phrase in PERSONAL_PHRASES):
        return True
    return bool(words and words[-1] == "name" and any(w in PERSON_WORDS for w in words[:-1]))


def mask_phone(value: str) -> str:
    """Keep the country code or leading digits and the last two: ``+84***67``."""
    compact = re.sub(r"[^\d+]", "", value)
    if len(re.sub(r"\D", "", compact)) < 6:
        return MASK
    head = compact[:3] if compact.startswith("+") else compact[:2]
    return f"{head}{MASK}{compact[-2:]}"


def _mask_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str) and PHONE_WORDS.intersection(_words(key)):
        return mask_phone(value)
    return MASK


def mask_personal_data(value: Any) -> Any:
    """A copy of ``value`` (JSON-like) with every personal field masked."""
    if isinstance(value, dict):
        return {
            key: _mask_value(str(key), item)
            if is_personal_key(str(key))
            else mask_personal_data(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_personal_data(item) for item in value]
    return value
