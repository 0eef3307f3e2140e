"""What an export is made of: columns with catalogue headers, rows of plain cells, and the
list's own page function.

A row is already shaped by its domain (labels in the reader's language, names beside codes,
a denouncer's identity removed exactly as the list removes it): the writers only format.
Moments are stored in UTC and shown as Hanoi reads them (``Settings.timezone``): a ``date``
column as dd/mm/yyyy, a ``datetime`` column as dd/mm/yyyy HH:MM.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.i18n import translate

if TYPE_CHECKING:
    from service.exports.names import DirectoryNames

Cell = str | int | float | date | datetime | None
Row = Sequence[Cell]
# One page of the list: its rows as cells, and the cursor of the next page (None: the end).
Page = tuple[list[Row], str | None]
# The list's own page function: the page after ``cursor`` (None: the first), in ``session``.
FetchPage = Callable[[AsyncSession, str | None], Awaitable[Page]]


class ColumnKind(StrEnum):
    text = "text"
    number = "number"
    date = "date"  # a moment shown as its day in the reader's zone
    datetime = "datetime"  # a moment shown to the minute in the reader's zone


# A kind's width in the XLSX sheet, in characters: a moment's as its text needs ("dd/mm/yyyy",
# "dd/mm/yyyy HH:MM") and a little air; a list names its own for a text longer or shorter.
KIND_WIDTHS = {
    ColumnKind.text: 16,
    ColumnKind.number: 10,
    ColumnKind.date: 12,
    ColumnKind.datetime: 17,
}


@dataclass(frozen=True)
class Column:
    header: str  # a catalogue code: the header is in the reader's language
    kind: ColumnKind = ColumnKind.text
    width: int | None = None  # characters, for the XLSX sheet; None: the kind's

    @property
    def sheet_width(self) -> int:
        return self.width if self.width is not None else KIND_WIDTHS[self.kind]


R = TypeVar("R")


@dataclass(frozen=True)
class Field(Generic[R]):
    """A column of a list's file declared with the cell a row gives it, so that a header
    and its value cannot drift apart: ``value(row, names, locale)`` with the directory's
    names (beside codes) and the reader's language."""

    header: str  # a catalogue code
    value: Callable[[R, DirectoryNames, str], Cell]
    kind: ColumnKind = ColumnKind.text
    width: int | None = None

    @property
    def column(self) -> Column:
        return Column(self.header, self.kind, self.width)


def columns_of(fields: Sequence[Field[Any]]) -> tuple[Column, ...]:
    return tuple(field.column for field in fields)


def cells_of(fields: Sequence[Field[R]], row: R, names: DirectoryNames, locale: str) -> Row:
    """The row of the file: each field's cell of ``row``."""
    return tuple(field.value(row, names, locale) for field in fields)


@dataclass(frozen=True)
class ExportList:
    """One list's export: what it is called (file name and sheet title), its columns, and how
    to read it page by page."""

    name: str  # the file name's stem, ASCII: "don-thu"
    title: str  # a catalogue code: the sheet's name
    columns: Sequence[Column]
    fetch: FetchPage

    def headers(self, locale: str) -> list[str]:
        return [translate(column.header, locale) for column in self.columns]


def local_moment(value: date | datetime, zone: ZoneInfo) -> datetime | date:
    """A stored moment (aware, UTC) in the reader's zone, without its zone (a spreadsheet's
    cells have none); a plain date as it is."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=zone)
        return aware.astimezone(zone).replace(tzinfo=None)
    return value


def text_of(value: str) -> str:
    """Vietnamese as one spelling (NFC): a decomposed "ệ" from a phone's keyboard would
    otherwise sort and search differently in the sheet."""
    return unicodedata.normalize("NFC", value)


def formatted(value: Cell, kind: ColumnKind, zone: ZoneInfo) -> str:
    """The cell as CSV text."""
    if value is None:
        return ""
    if isinstance(value, date):  # a datetime is a date too
        moment = local_moment(value, zone)
        if kind is ColumnKind.datetime and isinstance(moment, datetime):
            return moment.strftime("%d/%m/%Y %H:%M")
        return moment.strftime("%d/%m/%Y")
    if isinstance(value, bool | int | float):
        return str(value)
    return text_of(value)
