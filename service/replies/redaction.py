"""Removing personal data from text before it is published.

Answers and petition descriptions often quote a phone number, an email address or a
national ID number (CCCD: 12 digits; the old CMND: 9 digits). ``redact`` replaces each with a
placeholder. It is deliberately greedy on phone numbers (a Vietnamese number written with
spaces, dots or dashes, after ``+84``, ``(+84)``, ``0084`` or ``0``) and conservative on ID
numbers (runs of exactly 9 or 12 digits, optionally in groups of three separated by spaces):
money amounts are written with dots in Vietnamese ("150.000.000 đồng") and must survive.
"""

from __future__ import annotations

import re

PHONE_PLACEHOLDER = "[số điện thoại đã ẩn]"
EMAIL_PLACEHOLDER = "[email đã ẩn]"
ID_PLACEHOLDER = "[số định danh đã ẩn]"

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w-])",
    re.IGNORECASE,
)
# A separator inside a number: spaces, a dot or a dash (not a line break).
_SEP = r"[ \t.\-]?"
# +84 / (+84) / 0084, then 9-10 digits; or a leading 0 then 9-10 digits (mobile
# 0xxx xxx xxx = 10 digits, landline 02x xxxx xxxx = 11 digits); separators allowed between.
_PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\(\s*\+?84\s*\)|\+84|0084)"
    + _SEP
    + r"\(?0?\)?"
    + _SEP
    + r"[1-9](?:"
    + _SEP
    + r"\d){8,9}"
    r"|0" + _SEP + r"[1-9](?:" + _SEP + r"\d){8,9})"
    r"(?![\w])"
)
# 12 or 9 digits, contiguous or as groups of three separated by single spaces.
_NATIONAL_ID = re.compile(
    r"(?<![\w.,])(?:\d{12}|\d{9}|\d{3} \d{3} \d{3} \d{3}|\d{3} \d{3} \d{3})(?![\w.,]\d|\w)"
)


def redact(text: str) -> str:
    """``text`` with phone numbers, email addresses and national ID numbers replaced."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL_PLACEHOLDER, text)
    text = _PHONE.sub(PHONE_PLACEHOLDER, text)
    return _NATIONAL_ID.sub(ID_PLACEHOLDER, text)


def redact_optional(text: str | None) -> str | None:
    return None if text is None else redact(text)
