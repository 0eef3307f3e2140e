"""The parts of an official document that Decree 30/2020/NĐ-CP fixes: the header block, the
signature block, the "Nơi nhận:" list, and the place-and-date line.

Everything the reports side passes in is normalised to NFC here, so that what `pdftotext`
gives back compares equal to what was asked for (a decomposed "ệ" looks the same on paper but
is a different string, and Liberation Serif draws precomposed glyphs best).
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reports.sections import Section

INTEGRITY_TITLE = "CẢNH BÁO: DỮ LIỆU ĐÃ NIÊM PHONG KHÔNG CÒN NGUYÊN VẸN"
_NUMBER_PREFIX = re.compile(r"^\s*số\s*:\s*", re.IGNORECASE)
_VERIFICATION_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,39}$")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _required(value: str, name: str) -> str:
    value = nfc(value).strip()
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def verification_code(report_key: str | bytes) -> str:
    """A short code for a printed page footer, e.g. ``"K7QF-2XMA"``: 40 bits of the SHA-256 of
    the report's identity (its id, or id and version), in base32 so it reads aloud."""
    raw = report_key.encode() if isinstance(report_key, str) else report_key
    letters = base64.b32encode(hashlib.sha256(raw).digest()).decode()[:8]
    return f"{letters[:4]}-{letters[4:]}"


def vietnamese_date_line(place: str, day: date) -> str:
    """``"Hà Nội, ngày 05 tháng 01 năm 2027"``.

    Decree 30 (Annex I, part I.5) writes days 1–9 and months 1–2 with a leading zero and every
    other day and month as is: "ngày 05 tháng 01", "ngày 25 tháng 02", "ngày 31 tháng 12",
    "ngày 10 tháng 3".
    """
    day_text = f"{day.day:02d}" if day.day < 10 else str(day.day)
    month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{_required(place, 'place')}, ngày {day_text} tháng {month_text} năm {day.year}"


@dataclass(frozen=True)
class DocumentHeader:
    """The two-column block above the title, and the title itself.

    ``number_symbol`` is the number and symbol without the "Số:" label, e.g. ``"12/BC-MTTQ"``
    (a leading "Số:" is accepted and dropped); a draft can pass ``"   /BC-MTTQ"``.
    """

    issuing_body: str
    number_symbol: str
    place: str
    issue_date: date
    summary: str
    parent_body: str | None = None
    document_type: str = "BÁO CÁO"

    def __post_init__(self) -> None:
        object.__setattr__(self, "issuing_body", _required(self.issuing_body, "issuing_body"))
        number = _NUMBER_PREFIX.sub("", nfc(self.number_symbol))
        object.__setattr__(self, "number_symbol", _required(number, "number_symbol"))
        object.__setattr__(self, "place", _required(self.place, "place"))
        object.__setattr__(self, "summary", _required(self.summary, "summary"))
        object.__setattr__(self, "document_type", _required(self.document_type, "document_type"))
        if self.parent_body is not None:
            object.__setattr__(self, "parent_body", nfc(self.parent_body).strip() or None)

    @property
    def date_line(self) -> str:
        return vietnamese_date_line(self.place, self.issue_date)

    @property
    def number_line(self) -> str:
        return f"Số: {self.number_symbol}"

    @property
    def title(self) -> str:
        """The document's title for the PDF metadata, e.g. "BÁO CÁO Kết quả giám sát ..."."""
        return f"{self.document_type.upper()} {self.summary}"


@dataclass(frozen=True)
class SignatureBlock:
    """Bottom right: "TM. BAN THƯỜNG TRỰC" / "CHỦ TỊCH" / (space to sign) / the name.

    ``on_behalf`` is the authority line ("TM. ...", "KT. CHỦ TỊCH"...) or None when the signer
    signs in their own right; ``title`` may hold several lines separated by newlines.
    """

    title: str
    signer_name: str
    on_behalf: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", _required(self.title, "title"))
        object.__setattr__(self, "signer_name", _required(self.signer_name, "signer_name"))
        if self.on_behalf is not None:
            object.__setattr__(self, "on_behalf", nfc(self.on_behalf).strip() or None)

    @property
    def authority_lines(self) -> list[str]:
        lines = [self.on_behalf] if self.on_behalf else []
        return lines + [line.strip() for line in self.title.splitlines() if line.strip()]


def recipient_lines(recipients: Sequence[str]) -> list[str]:
    """The "Nơi nhận:" list as Decree 30 writes it: "- Như trên;" ... "- Lưu: VT.".

    A dash is prefixed, each line but the last ends with ";" and the last with "." unless
    the caller already put punctuation there.
    """
    items = [nfc(item).strip().lstrip("-").strip() for item in recipients]
    items = [item for item in items if item]
    lines = []
    for position, item in enumerate(items):
        end = "." if position == len(items) - 1 else ";"
        if item[-1] not in ".;:,":
            item += end
        lines.append(f"- {item}")
    return lines


@dataclass(frozen=True)
class ReportDocument:
    """A whole document: what the renderer needs and nothing about where the data came from.

    ``sections`` form the body, followed by the signature and "Nơi nhận:" block;
    ``appendices`` (e.g. the long list of notable items) come after it, starting on a new page.
    ``verification_code`` is printed in every page footer as "Mã xác thực: <code>".
    ``integrity_warnings`` say which sealed or hashed material no longer matches its seal or
    hash: a report with any is never issued (the render job refuses it), and a working copy
    prints them in a banner on page 1 and in its PDF metadata (subject and keywords).
    """

    header: DocumentHeader
    signature: SignatureBlock
    recipients: Sequence[str]
    sections: Sequence[Section]
    verification_code: str
    appendices: Sequence[Section] = field(default_factory=tuple)
    author: str | None = None
    integrity_warnings: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "integrity_warnings", tuple(nfc(item) for item in self.integrity_warnings)
        )
        code = nfc(self.verification_code).strip()
        if not _VERIFICATION_CODE.match(code):
            raise ValueError("verification_code must be 1-40 letters, digits or dashes")
        object.__setattr__(self, "verification_code", code)
        object.__setattr__(self, "recipients", tuple(nfc(item) for item in self.recipients))
        object.__setattr__(self, "sections", tuple(self.sections))
        object.__setattr__(self, "appendices", tuple(self.appendices))

    @property
    def recipient_lines(self) -> list[str]:
        return recipient_lines(self.recipients)

    @property
    def integrity_notice(self) -> str | None:
        """The one-line warning of the banner and the metadata, or None when all is intact."""
        if not self.integrity_warnings:
            return None
        return (
            f"{INTEGRITY_TITLE}: {len(self.integrity_warnings)} nội dung đã niêm phong hoặc đã "
            "ghi mã SHA-256 không còn khớp với dữ liệu hiện có; số liệu và nội dung của bản "
            "này không được dùng làm căn cứ."
        )
