"""Removing personal data from text before it is published (or shown to someone who may not
know who wrote it).

Two kinds of removal, both done by ``redact``:

- **What the petitioner told us about themselves** (``PersonalData``: their full name, address,
  phone, email and ID number as stored), wherever it occurs in the text, ignoring case,
  diacritics (``Nguyen Van An`` = ``NGUYỄN VĂN AN``, NFC or NFD, ``đ``/``Đ`` = ``d``) and the
  spacing or punctuation between words and digits (``0912.345.678`` = ``+84 912 345 678``).
- **Patterns of personal data** anyone may have typed: Vietnamese phone numbers as people
  write them (``0912 345 678``, ``(024) 3825 1234``, ``+84 24 3825 1234``, ``84.912.345.678``;
  mobiles are 10 digits, landlines 11 with the area code ``02x``), email addresses, national
  ID numbers (CCCD: 12 digits starting with the province code ``0xx``; the old CMND: 9 digits),
  bank account numbers after the words that announce them (``STK``, ``số tài khoản``...) and
  licence plates (``29A-123.45``, ``30E-12345``, ``29-B1 123.45``).

What must survive: street numbers (``số 12 Hàng Bông``, ``ngõ 34/5``), dates (``30/11/2026``),
amounts (``1.500.000 đồng``: dots group thousands), document numbers (``45/UBND-HK``,
``Số: 12/BC-MTTQ``), years, percentages and times. So a phone number needs the right number of
digits and a leading ``0``/``84``; a dotted 9-digit run is an amount, not a CMND, unless the
words before it say it is an ID.

Every mask is Vietnamese: the reader of a published answer sees what was removed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

PHONE_PLACEHOLDER = "[số điện thoại đã ẩn]"
EMAIL_PLACEHOLDER = "[email đã ẩn]"
ID_PLACEHOLDER = "[số định danh đã ẩn]"
BANK_ACCOUNT_PLACEHOLDER = "[số tài khoản đã ẩn]"
PLATE_PLACEHOLDER = "[biển số xe đã ẩn]"
NAME_PLACEHOLDER = "[họ tên đã ẩn]"
ADDRESS_PLACEHOLDER = "[địa chỉ đã ẩn]"


@dataclass(frozen=True)
class PersonalData:
    """What one or more petitioners gave about themselves, to be removed from texts."""

    names: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        full_name: str | None = None,
        address: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        national_id: str | None = None,
    ) -> PersonalData:
        def one(value: str | None) -> tuple[str, ...]:
            return (value,) if value and value.strip() else ()

        return cls(one(full_name), one(address), one(phone), one(email), one(national_id))

    def __add__(self, other: PersonalData) -> PersonalData:
        return PersonalData(
            self.names + other.names,
            self.addresses + other.addresses,
            self.phones + other.phones,
            self.emails + other.emails,
            self.id_numbers + other.id_numbers,
        )

    def __bool__(self) -> bool:
        return any((self.names, self.addresses, self.phones, self.emails, self.id_numbers))

    def __repr__(self) -> str:  # never print the values (logs, tracebacks)
        return "PersonalData(<confidential>)"

    __str__ = __repr__


NOTHING = PersonalData()


# -- folding: compare without case, diacritics or Unicode normal form ----------------------


# Per character, so the cache holds letters, never a text: folding was most of a long list's
# redaction time (every denouncer's data of a page folded again for every title).
@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    kept = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return kept.lower()


def fold(text: str) -> str:
    """``text`` lower-cased, without diacritics (đ → d), for comparisons."""
    return "".join(_fold_char(c) for c in text)


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of the original character."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for folded in _fold_char(char):
            chars.append(folded)
            origin.append(index)
    return "".join(chars), origin


_WORD = re.compile(r"[^\W_]+")


def _words_pattern(value: str, between: str) -> str | None:
    words = _WORD.findall(fold(value))
    if not words:
        return None
    return r"(?<![^\W_])" + between.join(re.escape(w) for w in words) + r"(?![^\W_])"


def _digits_pattern(value: str, *, phone: bool) -> str | None:
    """A run of the same digits with any spacing, dots, dashes or brackets between them; a
    phone number also in its international spelling (``0912...`` = ``+84 912...``)."""
    digits = re.sub(r"\D", "", value)
    if len(digits) < 6:
        return None
    sep = r"[\s.\-()]{0,3}"
    body = sep.join(digits)
    if phone and digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
        body = sep.join(digits)
    if phone and digits.startswith("0"):
        rest = sep.join(digits[1:])
        body = rf"(?:(?:\(\s*)?(?:\+|00)?84(?:\s*\))?{sep}(?:\(0\){sep})?{rest}|{body})"
    return r"(?<![\d+])" + body + r"(?!\d)"


def _address_variants(address: str) -> list[str]:
    """The whole address and its first part (house number and street), when that part
    carries a number: ``12 Hàng Bông, Hoàn Kiếm`` also removes ``12 Hàng Bông``."""
    variants = [address]
    head = re.split(r"[,;\n]", address, maxsplit=1)[0].strip()
    if head != address.strip() and re.search(r"\d", head) and len(_WORD.findall(head)) >= 2:
        variants.append(head)
    return variants


def _words_in(value: str, folded: str) -> bool:
    """Every word of ``value`` is somewhere in ``folded``: what its words pattern needs to
    match at all. Building, compiling and running the patterns of every denouncer of a page
    on every title was most of a long list's time (an export's); a title seldom holds a
    word of them. (Not cached: a process-wide cache would keep denouncers' data in memory.)"""
    return all(word in folded for word in _WORD.findall(fold(value)))


def _personal_spans(text: str, personal: PersonalData) -> list[tuple[int, int, str]]:
    folded, origin = _folded_with_origin(text)
    # A number pattern needs six digits or more in the text (``_digits_pattern``).
    has_number = sum(1 for char in folded if char.isdecimal()) >= 6
    patterns: list[tuple[str, str]] = []
    for name in personal.names:
        found = _words_pattern(name, r"\s+") if _words_in(name, folded) else None
        if found:
            patterns.append((found, NAME_PLACEHOLDER))
    for address in personal.addresses:
        for variant in _address_variants(address):
            if not _words_in(variant, folded):
                continue
            found = _words_pattern(variant, r"[\s,.;\-/]+")
            if found:
                patterns.append((found, ADDRESS_PLACEHOLDER))
    for email in personal.emails:
        if fold(email.strip()) in folded:
            patterns.append((r"(?<![\w.+-])" + re.escape(fold(email.strip())), EMAIL_PLACEHOLDER))
    for phone in personal.phones:
        found = _digits_pattern(phone, phone=True) if has_number else None
        if found:
            patterns.append((found, PHONE_PLACEHOLDER))
    for number in personal.id_numbers:
        found = _digits_pattern(number, phone=False) if has_number else None
        if found:
            patterns.append((found, ID_PLACEHOLDER))
    spans: list[tuple[int, int, str]] = []
    for pattern, mask in patterns:
        for match in re.finditer(pattern, folded):
            if match.end() == match.start():
                continue
            start = origin[match.start()]
            end = origin[match.end() - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1
            spans.append((start, end, mask))
    return spans


def _replace(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """Replace non-overlapping spans (the earliest, then the longest, wins)."""
    out: list[str] = []
    position = 0
    for start, end, mask in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < position:
            continue
        out.append(text[position:start])
        out.append(mask)
        position = end
    out.append(text[position:])
    return "".join(out)


# -- patterns ---------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w-])",
    re.IGNORECASE,
)

# A run of digit groups a phone number may be written as: an optional international prefix
# (+84, (+84), 0084), an optional area code in brackets ((024), (0)), digits separated by
# single spaces, dots or dashes. Not a piece of a date, fraction or document number (no
# "/"), nor the middle of a longer number ("1.500") or word.
_PHONE_RUN = re.compile(
    r"(?<![\w/+])(?<!\d[.,:])(?<!\w-)"
    r"(?:(?P<intl>\(\s*(?:\+|00)?84\s*\)|\+\s?84|0084)[ .\-]?)?"
    r"(?:(?P<area>\(\s*0?\d{0,3}\s*\))[ .\-]?)?"
    r"\d+(?:(?:[ .\-]|\s-\s|\)\s?)\d+)*"
    r"(?![\w/]|[.,:-]\d)"
)
# The words that say what follows is a personal ID number (then a dotted run is one too).
_ID_CONTEXT = re.compile(
    r"(?:\b(?:CCCD|CMND|CMTND|CMT|ĐDCN)\b|căn\s+cước(?:\s+công\s+dân)?|"
    r"chứng\s+minh(?:\s+(?:nhân\s+dân|thư))?|định\s+danh(?:\s+cá\s+nhân)?|"
    r"hộ\s+chiếu)"
    r"(?:\s*(?:số|:|là|-))*\s*$",
    re.IGNORECASE,
)
_BANK = re.compile(
    r"(?:\bs[ốo]\s+t[àa]i\s+kho[ảa]n|\bt[àa]i\s+kho[ảa]n(?:\s+ng[âa]n\s+h[àa]ng)?"
    r"(?:\s+s[ốo])?|\bSTK|\bs[ốo]\s+TK|\bTK(?:\s+s[ốo])?)"
    r"(?:\s*(?::|là|-|số))*\s*"
    r"(?:(?:t[ạa]i\s+|ng[âa]n\s+h[àa]ng\s+)?[^\W\d_]{2,20}\s*(?:[:\-]\s*)?)?"
    r"(?P<number>\d(?:[ .\-]?\d){5,18})(?![\w]|[.,]\d)",
    re.IGNORECASE,
)
# Vietnamese plates: province code (2 digits), series (1-2 letters and maybe a digit: 29A,
# 29-B1, 29 B1), number (4-5 digits, the 5-digit kind often dotted: 123.45).
_PLATE = re.compile(
    r"(?<![\w/.-])\d{2}(?:-?[A-ZĐ]{1,2}\d?|[ -][A-ZĐ]{1,2}\d)[-–. ]?"
    r"(?:\d{3}\.\d{2}|\d{4,5})(?![\w/]|[.,]\d)"
)
_GROUP = re.compile(r"\d+")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _is_phone(digits: str, international: bool) -> bool:
    if international:
        digits = digits.removeprefix("00")
        if not digits.startswith("84"):
            return False
        digits = "0" + digits[2:].lstrip("0")
    elif digits.startswith("84") and len(digits) == 11:  # 84 912 345 678 (no "+")
        digits = "0" + digits[2:]
    if not digits.startswith("0") or digits.startswith("00"):
        return False
    if len(digits) == 10:  # mobiles (03x, 05x, 07x, 08x, 09x) and pre-2017 landlines
        return True
    return len(digits) == 11 and digits.startswith("02")  # landlines: 02x + 8 digits


def _is_national_id(piece: str, digits: str, announced: bool) -> bool:
    if len(digits) == 12:
        # CCCD numbers start with a province code (001-096); amounts never start with 0.
        return digits.startswith("0") or announced
    if len(digits) == 9:
        # A dotted 9-digit run is an amount ("150.000.000") unless announced as an ID.
        return announced or piece.isdigit() or bool(re.fullmatch(r"\d{3} \d{3} \d{3}", piece))
    return False


def _number_spans(text: str) -> list[tuple[int, int, str]]:
    """Phone and ID numbers among the runs of digit groups. A run may hold a number followed
    by other numbers ("0912 345 678 12 lần"): from each group on, the longest prefix of
    groups that makes a phone number (else an ID number) is masked."""
    spans: list[tuple[int, int, str]] = []
    for run in _PHONE_RUN.finditer(text):
        base, value = run.start(), run.group(0)
        prefixed = run.group("intl") is not None or run.group("area") is not None
        international = run.group("intl") is not None
        groups = [(m.start(), m.end()) for m in _GROUP.finditer(value)]
        i = 0
        while i < len(groups):
            start = 0 if i == 0 else groups[i][0]
            announced = bool(_ID_CONTEXT.search(text[max(0, base + start - 40) : base + start]))
            found: tuple[int, str] | None = None
            for j in range(len(groups), i, -1):
                piece = value[start : groups[j - 1][1]]
                if _is_phone(_digits(piece), international and i == 0):
                    found = (j, PHONE_PLACEHOLDER)
                    break
            if found is None and not (prefixed and i == 0):
                for j in range(len(groups), i, -1):
                    piece = value[start : groups[j - 1][1]]
                    if _is_national_id(piece, _digits(piece), announced):
                        found = (j, ID_PLACEHOLDER)
                        break
            if found is None:
                i += 1
                continue
            j, mask = found
            spans.append((base + start, base + groups[j - 1][1], mask))
            i = j
    return spans


def _pattern_spans(text: str) -> list[tuple[int, int, str]]:
    spans = [(m.start(), m.end(), EMAIL_PLACEHOLDER) for m in _EMAIL.finditer(text)]
    spans += [
        (m.start("number"), m.end("number"), BANK_ACCOUNT_PLACEHOLDER) for m in _BANK.finditer(text)
    ]
    spans += [(m.start(), m.end(), PLATE_PLACEHOLDER) for m in _PLATE.finditer(text)]
    # Numbers are looked for with those already found blanked out (same positions).
    blanked = list(text)
    for start, end, _ in spans:
        blanked[start:end] = " " * (end - start)
    return spans + _number_spans("".join(blanked))


def redact(text: str, personal: PersonalData = NOTHING) -> str:
    """``text`` without the given person's data and without anyone's phone numbers, email
    addresses, ID numbers, bank accounts or licence plates. The result is NFC."""
    if not text:
        return text
    text = unicodedata.normalize("NFC", text)
    spans = _personal_spans(text, personal) if personal else []
    return _replace(text, spans + _pattern_spans(text))


def redact_optional(text: str | None, personal: PersonalData = NOTHING) -> str | None:
    return None if text is None else redact(text, personal)


def remove_personal(text: str, personal: PersonalData) -> str:
    """Only what ``personal`` names (for texts an agency must read whole: a denunciation's
    account of the facts keeps the plates and accounts it cites, not who wrote it)."""
    if not text or not personal:
        return text
    text = unicodedata.normalize("NFC", text)
    return _replace(text, _personal_spans(text, personal))


def remove_personal_optional(text: str | None, personal: PersonalData) -> str | None:
    return None if text is None else remove_personal(text, personal)
