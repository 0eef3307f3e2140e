"""SMS lengths and Vietnamese text without diacritics.

A single SMS holds 160 characters of the GSM 03.38 7-bit alphabet, or 70 in UCS-2 (any
character outside it, e.g. every Vietnamese letter with a diacritic). A longer message is
sent concatenated, and each part then loses room to the concatenation header: 153 GSM-7 or 67
UCS-2 characters per part. Characters of GSM-7's extension table (``^{}\\[~]|€``) take two
places. Many Vietnamese gateways (and brand-name SMS contracts) bill UCS-2 at triple rate or
refuse it, so the text can be stripped of diacritics first (``strip_diacritics``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# GSM 03.38 basic character set (the ones a citizen's text may contain).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}
ELLIPSIS = {"gsm7": "...", "ucs2": "…"}  # "…" is not in GSM-7: it would force UCS-2


class Encoding(StrEnum):
    gsm7 = "gsm7"
    ucs2 = "ucs2"


def strip_diacritics(text: str) -> str:
    """Vietnamese without diacritics: ``Đơn đã được tiếp nhận`` -> ``Don da duoc tiep nhan``.

    NFD splits a letter from its marks, the marks (category Mn) go; đ/Đ are letters of their
    own (no decomposition) and become d/D."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", kept)


def encoding_of(text: str) -> Encoding:
    return (
        Encoding.gsm7 if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text) else Encoding.ucs2
    )


def length_in(text: str, encoding: Encoding) -> int:
    """Places the text takes (an extension character takes two in GSM-7; UCS-2 counts
    UTF-16 code units, so a character outside the BMP takes two)."""
    if encoding is Encoding.gsm7:
        return sum(2 if c in GSM7_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> tuple[Encoding, int]:
    """The encoding the text needs and how many SMS parts it takes."""
    encoding = encoding_of(text)
    length = length_in(text, encoding)
    if length <= SINGLE[encoding]:
        return encoding, 1
    part = PART[encoding]
    return encoding, -(-length // part)


def capacity(encoding: Encoding, max_segments: int) -> int:
    return SINGLE[encoding] if max_segments == 1 else PART[encoding] * max_segments


@dataclass(frozen=True)
class FittedSms:
    text: str
    encoding: Encoding
    segments: int
    truncated: bool


def fit(body: str, link: str, *, max_segments: int, ascii_only: bool) -> FittedSms:
    """``body`` then a space and ``link``, in at most ``max_segments`` parts: when it is too
    long the body is cut at a word and ends with an ellipsis; the link is never cut (a cut
    link leads nowhere). ``ascii_only`` strips the diacritics first."""
    if ascii_only:
        body, link = strip_diacritics(body), strip_diacritics(link)
    body = " ".join(body.split())  # one line: newlines cost a place and read badly
    whole = f"{body} {link}" if link else body
    encoding = encoding_of(whole)
    room = capacity(encoding, max_segments)
    if length_in(whole, encoding) <= room:
        return FittedSms(whole, encoding, segments(whole)[1], truncated=False)
    ellipsis = ELLIPSIS[encoding]
    tail = f"{ellipsis} {link}" if link else ellipsis
    budget = room - length_in(tail, encoding)
    cut = _prefix_within(body, encoding, budget)
    # At a word boundary when there is one in the last part of the cut.
    space = cut.rfind(" ")
    if space > len(cut) * 2 // 3:
        cut = cut[:space]
    text = cut.rstrip(" ,.;:-–") + tail
    return FittedSms(text, encoding, segments(text)[1], truncated=True)


def _prefix_within(text: str, encoding: Encoding, budget: int) -> str:
    """The longest prefix of ``text`` taking at most ``budget`` places (one pass)."""
    used = 0
    for index, char in enumerate(text):
        used += length_in(char, encoding)
        if used > budget:
            return text[:index]
    return text
