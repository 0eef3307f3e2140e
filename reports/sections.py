"""The building blocks of a report body.

The data-gathering side describes a report as a list of these (no HTML): the templates turn
each into markup with escaping, so text from the database can never break the layout. The
only markup accepted from outside is a chart's SVG, which `reports.charts` builds and escapes.

A `LongTable` may hold any number of rows, as any iterable (a generator over a server-side
cursor is fine): the renderer consumes it in chunks and never holds more than one chunk.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from markupsafe import Markup

from reports.numbers import format_number

Cell = str | int | float | Decimal | None


class Align(StrEnum):
    """Cell alignment; numbers read best right-aligned, short codes centred."""

    left = "left"
    centred = "center"
    right = "right"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def cell_text(value: Cell) -> str:
    """How a cell is printed: numbers the Vietnamese way (1.234 and 12,5), None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, float | Decimal):
        return format_number(value, decimals=1)
    return _nfc(str(value))


@dataclass(frozen=True)
class Column:
    """A table column; ``weight`` is its share of the width relative to the other columns."""

    label: str
    weight: float = 1.0
    align: Align = Align.left

    def __post_init__(self) -> None:
        if self.weight <= 0:
            raise ValueError("a column weight must be positive")
        object.__setattr__(self, "label", _nfc(self.label))


def column_widths(columns: Sequence[Column]) -> list[str]:
    """CSS percentages; fixed widths keep a table's columns aligned across rendered parts."""
    total = sum(column.weight for column in columns)
    return [f"{100 * column.weight / total:.3f}%" for column in columns]


@dataclass(frozen=True)
class Heading:
    """A section heading; ``level`` 1 is "I. ..." (bold upper case), 2 "1. ..." (bold),
    3 "1.1. ..." (bold italic). The caller writes the numbering into the text; ``centered``
    suits an appendix title."""

    kind: ClassVar[str] = "heading"
    text: str
    level: int = 1
    centered: bool = False

    def __post_init__(self) -> None:
        if self.level not in (1, 2, 3):
            raise ValueError("heading level is 1, 2 or 3")
        object.__setattr__(self, "text", _nfc(self.text))


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    text: str
    italic: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _nfc(self.text))


@dataclass(frozen=True)
class BulletList:
    """Dash-led items ("- ..."), the way Vietnamese official documents list things."""

    kind: ClassVar[str] = "bullets"
    items: Sequence[str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(_nfc(item) for item in self.items))


@dataclass(frozen=True)
class Table:
    """A table small enough to lay out in one go (counts by kind, by unit...)."""

    kind: ClassVar[str] = "table"
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]
    caption: str | None = None
    note: str | None = None
    total_row: Sequence[Cell] | None = None

    def __post_init__(self) -> None:
        _check_rows(self.columns, self.rows)
        if self.total_row is not None:
            _check_rows(self.columns, [self.total_row])
        object.__setattr__(self, "caption", _nfc(self.caption) if self.caption else None)
        object.__setattr__(self, "note", _nfc(self.note) if self.note else None)


@dataclass(frozen=True)
class LongTable:
    """A table of any length, rendered in chunks of rows and merged page by page.

    ``row_count`` (or ``len(rows)`` when rows is a sequence) is only used for progress.
    """

    kind: ClassVar[str] = "long_table"
    columns: Sequence[Column]
    rows: Iterable[Sequence[Cell]]
    caption: str | None = None
    row_count: int | None = None

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError("a table needs columns")
        object.__setattr__(self, "caption", _nfc(self.caption) if self.caption else None)
        if self.row_count is None and isinstance(self.rows, Sequence):
            object.__setattr__(self, "row_count", len(self.rows))


@dataclass(frozen=True)
class Figure:
    """A chart from `reports.charts` (vector SVG, drawn inline) with an optional caption."""

    kind: ClassVar[str] = "figure"
    svg: Markup
    caption: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.svg, Markup):
            raise TypeError("Figure.svg must come from reports.charts (a Markup SVG)")
        object.__setattr__(self, "caption", _nfc(self.caption) if self.caption else None)


@dataclass(frozen=True)
class PageBreak:
    kind: ClassVar[str] = "page_break"


Section = Heading | Paragraph | BulletList | Table | LongTable | Figure | PageBreak


def insert_before(body: Sequence[Section], heading: str, extra: Sequence[Section]) -> list[Section]:
    """``body`` with ``extra`` at the end of the part before the heading that starts with
    ``heading`` ("II." ends section I); at the end when there is no such heading. How the
    other duties' figures join a report without the report's own sections knowing them."""
    out = list(body)
    for index, section in enumerate(out):
        if isinstance(section, Heading) and section.text.startswith(heading):
            return [*out[:index], *extra, *out[index:]]
    return [*out, *extra]


@dataclass
class TableSlice:
    """Consecutive rows of a `LongTable` laid out in one rendering pass.

    ``anchor_prefix`` names the rows (``id="<prefix><row number>"``) when the renderer needs
    to find where the last page of the pass starts.
    """

    kind: ClassVar[str] = "table_slice"
    table: LongTable
    first_row: int
    rows: list[list[str]] = field(default_factory=list)
    continued: bool = False
    last: bool = False
    anchor_prefix: str | None = None


def _check_rows(columns: Sequence[Column], rows: Iterable[Sequence[Cell]]) -> None:
    if not columns:
        raise ValueError("a table needs columns")
    for number, row in enumerate(rows, start=1):
        if len(row) != len(columns):
            raise ValueError(f"row {number} has {len(row)} cells for {len(columns)} columns")
