"""What the three reports share: the reporting period, Vietnamese labels and formats, the
frame of a document (header, signature, "Nơi nhận:", verification code), and the two table
shapes every report uses (a numbered table, a long table streamed from a query).

Labels are the words the People's Council reads; no code or English value reaches a page.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from email.utils import parseaddr
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from reports.charts import Series, bar_chart, line_chart
from reports.document import DocumentHeader, ReportDocument, SignatureBlock
from reports.numbers import format_number, format_percent
from reports.sections import Align, Cell, Column, Figure, LongTable, Section, Table
from reports.streaming import ThreadRows, streamed
from service import i18n
from service.oversight.models import EntryKind, PlanRole, PlanState, SessionMode, SessionState
from service.petitions.models import PetitionKind, PetitionStatus
from service.storage.store import ObjectStore

# The end of the caption of a report's list of cases: what no row of it shows.
NO_PERSONAL_DATA = "(không có thông tin cá nhân; đơn tố cáo chỉ được thống kê số lượng)"
# The ``deadline_status`` values of a clock still running (SQL, for ``IN``).
LIVE_CLOCKS = "('running', 'due_soon', 'overdue')"


def enum_labels(enum: type[StrEnum]) -> dict[str, str]:
    """An enum's words as a report prints them, by value in the enum's order: the Vietnamese
    catalogue's label (the word the console and the portal show), its first letter capitalised
    to open a table cell. The words are kept once, in the catalogue; where a report words a
    value otherwise than the catalogue, its table is written out below."""
    return {member.value: upper_first(i18n.label(member, "vi")) for member in enum}


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


PETITION_KIND_LABELS = enum_labels(PetitionKind)
ITEM_KIND_LABELS = {**PETITION_KIND_LABELS, "supervision_recommendation": "Kiến nghị sau giám sát"}
PETITION_STATUS_LABELS = enum_labels(PetitionStatus)
REFERRAL_STATE_LABELS = {
    "sent": "Chờ thụ lý",
    "acknowledged": "Đang giải quyết",
    "answer_submitted": "Đã gửi trả lời, chờ duyệt",
    "answer_accepted": "Trả lời đã được chấp nhận",
    "published": "Đã công khai trả lời",
    "disputed": "Người dân chưa đồng ý",
    "closed": "Đã kết thúc",
    "declined": "Trả lại (không thuộc thẩm quyền)",
    "escalated": "Đã chuyển cấp trên",
    "cancelled": "Đã hủy",
}
RECOMMENDATION_STATE_LABELS = {
    "draft": "Dự thảo",
    "issued": "Đã gửi, chờ thụ lý",
    "acknowledged": "Đã thụ lý",
    "declined": "Trả lại (không thuộc thẩm quyền)",
    "accepted": "Đã tiếp thu",
    "partly_implemented": "Thực hiện một phần",
    "implemented": "Đã thực hiện",
    "rejected": "Không tiếp thu",
    "overdue": "Quá hạn",
    "withdrawn": "Đã rút",
}
PLAN_FORM_LABELS = {
    "document_review": "Nghiên cứu, xem xét văn bản",
    "delegation": "Đoàn giám sát",
    "people_inspection_board": "Ban Thanh tra nhân dân",
    "community_investment_board": "Ban Giám sát đầu tư của cộng đồng",
    "joint": "Tham gia giám sát với cơ quan có thẩm quyền",
}
PLAN_STATE_LABELS = enum_labels(PlanState)
PLAN_ROLE_LABELS = enum_labels(PlanRole)
SESSION_MODE_LABELS = enum_labels(SessionMode)
SESSION_STATE_LABELS = enum_labels(SessionState)
ATTENDANCE_LABELS = {"attended": "Có mặt", "late": "Đến muộn", "absent": "Vắng"}
ENTRY_KIND_LABELS = enum_labels(EntryKind)
CHECK_RESULT_LABELS = {
    "implemented": "Đã thực hiện",
    "partly_implemented": "Thực hiện một phần",
    "not_implemented": "Chưa thực hiện",
}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def label(labels: dict[str, str], value: object) -> str:
    key = str(getattr(value, "value", value))
    return labels.get(key, key)


def label_rank(labels: Mapping[str, str], value: str) -> int:
    """Where ``value`` stands in the order of ``labels`` (the order a report lists values
    in); a value without a label after all of them."""
    order = list(labels)
    return order.index(value) if value in order else len(order)


@dataclass(frozen=True)
class Period:
    """Local dates ``first``..``last`` (inclusive), as the half-open UTC range [start, end)."""

    first: date
    last: date
    timezone: str = "Asia/Ho_Chi_Minh"

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError("the period's first day is after its last")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=self.tz).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=self.tz).astimezone(
            UTC
        )

    @property
    def text(self) -> str:
        """ "từ ngày 01/01/2026 đến ngày 30/06/2026"."""
        return f"từ ngày {vi_date(self.first)} đến ngày {vi_date(self.last)}"

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        months = []
        current = self.first.replace(day=1)
        while current <= self.last:
            months.append(current)
            current = (current + timedelta(days=32)).replace(day=1)
        return months


def vi_date(day: date | datetime | None, timezone: str = "Asia/Ho_Chi_Minh") -> str:
    """``dd/mm/yyyy``; a timestamp is first moved to local time; None prints as a dash."""
    if day is None:
        return "-"
    if isinstance(day, datetime):
        day = day.astimezone(ZoneInfo(timezone)).date()
    return day.strftime("%d/%m/%Y")


def vi_datetime(moment: datetime | None, timezone: str = "Asia/Ho_Chi_Minh") -> str:
    """``dd/mm/yyyy HH:MM`` local time."""
    if moment is None:
        return "-"
    return moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M %d/%m/%Y")


def rate(part: int, whole: int) -> str:
    """``"87,5%"``, or a dash when there is nothing to divide by."""
    return format_percent(100 * part / whole) if whole else "-"


def count_and_rate(part: int, whole: int) -> str:
    """``"12 (85,7%)"``."""
    return f"{format_number(part)} ({rate(part, whole)})" if whole else format_number(part)


def days_text(value: float | Decimal | None) -> str:
    return "-" if value is None else format_number(float(value), 1)


def size_text(size: int | None) -> str:
    """File sizes the way a reader says them: "532 B", "12,4 KB", "3,1 MB"."""
    if size is None:
        return "-"
    if size < 1024:
        return f"{format_number(size)} B"
    if size < 1024 * 1024:
        return f"{format_number(size / 1024, 1)} KB"
    return f"{format_number(size / (1024 * 1024), 1)} MB"


def paragraphs(text: str | None) -> list[str]:
    """Split free text on blank lines (or single line breaks) into paragraphs."""
    if not text:
        return []
    return [part.strip() for part in re.split(r"\n\s*\n|\r?\n", nfc(text)) if part.strip()]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


@dataclass(frozen=True)
class Recipient:
    """One line of "Nơi nhận:"; with an email address it is also sent the report."""

    name: str
    email: str | None = None
    channel: str | None = None

    @classmethod
    def parse(cls, text: str) -> Recipient:
        """``"Thường trực HĐND <tt@hdnd.vn>"`` or just a name."""
        text = nfc(text).strip()
        if text.endswith(">") and "<" in text:
            name, address = parseaddr(text)
            if address and "@" in address:
                return cls(name=name.strip() or address, email=address)
        return cls(name=text)

    def as_json(self) -> dict[str, str | None]:
        return {"name": self.name, "email": self.email, "channel": self.channel}


@dataclass(frozen=True)
class DocumentFrame:
    """Everything around a report's body; one per report version."""

    number_symbol: str
    issuing_body: str
    place: str
    issue_date: date
    signer_name: str
    signer_title: str
    verification_code: str
    parent_body: str | None = None
    signer_on_behalf: str | None = None
    recipients: Sequence[Recipient] = field(default_factory=tuple)
    archive_line: str | None = "Lưu: VT"
    author: str | None = None

    def recipient_lines(self) -> list[str]:
        names = [recipient.name for recipient in self.recipients]
        archived = any(nfc(name).lower().startswith("lưu") for name in names)
        if self.archive_line and not archived:
            names.append(self.archive_line)
        return names

    def document(
        self,
        summary: str,
        sections: Sequence[Section],
        appendices: Sequence[Section] = (),
        *,
        integrity_warnings: Sequence[str] = (),
    ) -> ReportDocument:
        return ReportDocument(
            header=DocumentHeader(
                parent_body=_line_breaks(self.parent_body),
                issuing_body=_line_breaks(self.issuing_body) or self.issuing_body,
                number_symbol=self.number_symbol,
                place=self.place,
                issue_date=self.issue_date,
                summary=summary,
            ),
            signature=SignatureBlock(
                on_behalf=self.signer_on_behalf,
                title=_line_breaks(self.signer_title) or self.signer_title,
                signer_name=self.signer_name,
            ),
            recipients=self.recipient_lines(),
            sections=sections,
            appendices=appendices,
            verification_code=self.verification_code,
            author=self.author,
            integrity_warnings=integrity_warnings,
        )


@dataclass(frozen=True)
class Building:
    """What a report's document is built with besides its parameters, the same for the three
    kinds (each takes what it needs): the session its long tables stream from (keep it open
    until `reports.streaming.render_in_thread` returns), the frame, the time its figures are
    counted at, a title in place of the summary, and the object store evidence is re-read
    from (its SHA-256 checked) when there is one."""

    session: AsyncSession
    frame: DocumentFrame
    now: datetime
    title: str | None = None
    store: ObjectStore | None = None


def _line_breaks(text: str | None) -> str | None:
    """Settings from the environment carry a literal backslash-n where a line breaks."""
    return None if text is None else text.replace("\\n", "\n")


def numbered_table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Cell]],
    *,
    caption: str | None = None,
    note: str | None = None,
    total_row: Sequence[Cell] | None = None,
    number_width: float = 0.7,
) -> Table:
    """A table whose first column (STT) numbers its rows from 1; ``total_row`` is the row
    under them without its (empty) number cell."""
    return Table(
        columns=[Column("STT", number_width, Align.centred), *columns],
        rows=[[number, *row] for number, row in enumerate(rows, start=1)],
        total_row=None if total_row is None else ["", *total_row],
        caption=caption,
        note=note,
    )


def numbered_long_table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Cell]],
    *,
    caption: str,
    total_row: Sequence[Cell] | None = None,
    row_count: int | None = None,
    number_width: float = 0.7,
) -> LongTable:
    """`numbered_table` as a table of any length: ``rows`` may be any iterable (a generator
    gives its ``row_count``); ``total_row`` is its last row, without a number."""
    numbered: Iterable[list[Cell]] = ([number, *row] for number, row in enumerate(rows, start=1))
    if total_row is not None:
        numbered = itertools.chain(numbered, [["", *total_row]])
    if isinstance(rows, Sequence):
        numbered = list(numbered)
    return LongTable(
        columns=[Column("STT", number_width, Align.centred), *columns],
        rows=numbered,
        row_count=row_count,
        caption=caption,
    )


def streamed_table(
    session: AsyncSession,
    statement: Any,
    bind: Mapping[str, Any],
    cells: Callable[[Any], list[Cell]],
    *,
    columns: Sequence[Column],
    row_count: int,
    caption: str,
    number_width: float | None = None,
) -> LongTable:
    """A long table whose rows ``statement`` yields through a server-side cursor while the
    document renders (``cells`` turns each row into the printed cells); ``row_count`` is
    counted beforehand by the same filter, so the table knows its length. With
    ``number_width``, a first STT column of that width holds the ``number`` the query gives
    each row."""
    transform = cells
    if number_width is not None:
        columns = [Column("STT", number_width, Align.centred), *columns]

        def transform(row: Any) -> list[Cell]:
            return [int(row.number), *cells(row)]

    return LongTable(
        columns=columns,
        rows=ThreadRows(
            streamed(session, statement, dict(bind), transform=transform),
            asyncio.get_running_loop(),
        ),
        row_count=row_count,
        caption=caption,
    )


@dataclass(frozen=True)
class Monthly:
    """What was received each month of the period and, of it, what has been answered (both
    by the month of receipt, so each line sums to the report's totals): the part of a report's
    data that its monthly figure draws."""

    months: list[date]
    received_by_month: list[int]
    answered_by_month: list[int]

    def monthly_figure(self, *, axis_title: str, caption: str) -> Figure:
        return Figure(
            line_chart(
                "Tiếp nhận và trả lời theo tháng tiếp nhận",
                [f"Tháng {m.month}/{m.year}" for m in self.months],
                [
                    Series("Tiếp nhận", list(self.received_by_month)),
                    Series("Đã trả lời", list(self.answered_by_month)),
                ],
                axis_title=axis_title,
            ),
            caption=caption,
        )


async def counted(session: AsyncSession, statement: Any, bind: Mapping[str, Any]) -> int:
    """The one number ``statement`` counts (a ``COUNT(*)`` over a report's filter)."""
    return int((await session.execute(statement, dict(bind))).scalar_one())


async def monthly_counts(
    session: AsyncSession, statement: Any, bind: Mapping[str, Any], period: Period
) -> dict[str, Any]:
    """The `Monthly` fields of a report's data, from ``statement`` (rows of ``month``,
    ``received`` and ``answered`` in the period's time zone; 0 for a month without a row)."""
    rows = (await session.execute(statement, {**bind, "tz": period.timezone})).mappings()
    received: dict[date, int] = {}
    answered: dict[date, int] = {}
    for row in rows:
        received[row["month"]] = int(row["received"])
        answered[row["month"]] = int(row["answered"])
    months = period.months()
    return {
        "months": months,
        "received_by_month": [received.get(m, 0) for m in months],
        "answered_by_month": [answered.get(m, 0) for m in months],
    }


def bar_figure(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    axis_title: str,
    caption: str,
    horizontal: bool = True,
) -> Figure:
    """A bar chart with its caption (``Biểu đồ N. ...``)."""
    return Figure(
        bar_chart(title, categories, series, horizontal=horizontal, axis_title=axis_title),
        caption=caption,
    )
