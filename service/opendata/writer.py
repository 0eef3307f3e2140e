"""CSV and JSON encodings of a stream of records, in bounded chunks.

Records arrive one at a time from a server-side cursor and leave as byte chunks of about
``CHUNK_BYTES`` for the object store's streamed upload; the writer keeps one chunk, the
running SHA-256, the size and the row count, whatever the number of rows. CSV is UTF-8 with a
byte-order mark (spreadsheet programs otherwise misread Vietnamese), RFC 4180 quoting and
CRLF; JSON is one array of objects, written as it goes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.opendata.models import FileFormat

CHUNK_BYTES = 256 * 1024
BOM = "\ufeff".encode()


@dataclass
class Written:
    """What went through the writer (complete once its stream is exhausted)."""

    size_bytes: int = 0
    rows: int = 0
    _digest: Any = field(default_factory=hashlib.sha256)

    @property
    def sha256(self) -> str:
        return str(self._digest.hexdigest())

    def took(self, chunk: bytes) -> bytes:
        self.size_bytes += len(chunk)
        self._digest.update(chunk)
        return chunk


def _csv_line(values: Sequence[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(["" if v is None else v for v in values])
    return out.getvalue()


async def encode(
    records: AsyncIterator[dict[str, Any]],
    names: Sequence[str],
    file_format: FileFormat,
    written: Written,
) -> AsyncIterator[bytes]:
    """The file's bytes: ``records`` (dicts with at least ``names``) as ``file_format``."""
    buffer = io.StringIO()
    if file_format is FileFormat.csv:
        yield written.took(BOM + _csv_line(names).encode())
    else:
        yield written.took(b"[")
    async for record in records:
        values = [record[name] for name in names]
        if file_format is FileFormat.csv:
            buffer.write(_csv_line(values))
        else:
            separator = ",\n" if written.rows else "\n"
            buffer.write(
                separator + json.dumps(dict(zip(names, values, strict=True)), ensure_ascii=False)
            )
        written.rows += 1
        if buffer.tell() >= CHUNK_BYTES:
            yield written.took(buffer.getvalue().encode())
            buffer = io.StringIO()
    if file_format is FileFormat.json:
        buffer.write("\n]\n" if written.rows else "]\n")
    tail = buffer.getvalue().encode()
    if tail:
        yield written.took(tail)
