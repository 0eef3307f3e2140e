"""Vietnamese mobile numbers: what a citizen types, what the gateways want, what a log may
show.

Mobile numbers have ten digits nationally (0 + 9) since the 2018 renumbering, i.e.
84 + 9 digits internationally. The network prefixes in use (Viettel 032-039, 086, 096-098;
Vinaphone 081-085, 088, 091, 094; MobiFone 070, 076-079, 089, 090, 093; Vietnamobile 052,
056, 058, 092; Gmobile 059, 099; Itelecom 087; Reddi 055) are the pattern below; a landline
(02x) is not a mobile and cannot get an SMS or a Zalo notice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from enum import StrEnum
from typing import Any

# What people write between digits: spaces, dots, dashes, parentheses.
_SEPARATORS = re.compile(r"[\s.\-()]")
# 84 + a mobile prefix + 7 digits (the prefix's second digit decides the network).
_MOBILE = re.compile(r"84(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-9])\d{7}")


class PhoneFormat(StrEnum):
    international = "84"  # 84912345678 (ZNS, most gateways)
    national = "0"  # 0912345678


def normalise_mobile(raw: str | None) -> str | None:
    """``84xxxxxxxxx`` for a Vietnamese mobile number written any usual way (``0912 345
    678``, ``+84 912.345.678``, ``0084912345678``, ``84912345678``); None otherwise."""
    if not raw:
        return None
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = "84" + digits[1:]
    if not digits.isdigit() or not _MOBILE.fullmatch(digits):
        return None
    return digits


def formatted(phone: str, style: PhoneFormat) -> str:
    """A normalised number (84...) the way a gateway wants it."""
    return phone if style is PhoneFormat.international else "0" + phone[2:]


def mask(phone: str | None) -> str:
    """What a log or the delivery log keeps: the network prefix and the last three digits
    (``84 91x xxx 678`` -> ``8491****678``), enough to tell two numbers of one person
    apart, not enough to call anyone."""
    if not phone:
        return "***"
    return phone[:4] + "*" * max(len(phone) - 7, 0) + phone[-3:]


# Any run that looks like a Vietnamese mobile number, written the usual ways, in a log value.
_IN_TEXT = re.compile(r"(?<!\d)(?:\+?84|0084|0)[\s.\-]?(?:[35789]\d)(?:[\s.\-]?\d){7}(?!\d)")


def mask_in_text(text: str) -> str:
    def hide(match: re.Match[str]) -> str:
        number = normalise_mobile(match.group(0))
        return mask(number) if number else match.group(0)

    return _IN_TEXT.sub(hide, text)


def scrub_phone_numbers(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: a mobile number in any string value of a log line is masked
    (an exception text, a URL with the number in its query, a careless ``phone=`` field)."""
    for key, value in list(event_dict.items()):
        if isinstance(value, str):
            event_dict[key] = mask_in_text(value)
    return event_dict


class PhoneNumberFilter(logging.Filter):
    """The same for the standard library's log records (httpx logs every request's URL at
    INFO, and a GET gateway has the number in its query string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_in_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def mask_standard_logging(root: logging.Logger | None = None) -> None:
    """Put the filter on every handler of the root logger (a handler's filter sees the
    records of every logger that propagates to it; a logger's would not)."""
    root = root or logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, PhoneNumberFilter) for f in handler.filters):
            handler.addFilter(PhoneNumberFilter())
