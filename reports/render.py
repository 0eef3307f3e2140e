"""Render a `ReportDocument` to PDF with memory bounded by a chunk of rows, not the report.

WeasyPrint lays a whole document out in memory, and a report with tens of thousands of rows
would need all of it at once. So the document is laid out in passes: each pass holds the flow
content up to and including at most about ``chunk_rows`` rows of a long table, is written to a
temporary PDF, and is then dropped. The parts are merged with pypdf.

Seamless joins: when a pass stops in the middle of a table, its last page is thrown away and
the rows that were on it go to the next pass, which starts on a fresh page exactly where the
kept pages end; the table's header row repeats there as it does on every page. The page
counter of each pass starts where the previous one stopped (``counter-reset: page N`` on its
first page), so numbering is continuous, and only the very first page has no number.

PDF/A-3b: every part is rendered as PDF/A-3b by WeasyPrint, and the merge clones the first
part (catalog with its XMP metadata, OutputIntent, document information and file identifier)
and appends the other parts' pages, whose fonts are embedded subsets. The merged file keeps the
PDF/A identification and the parts' conformance; no validator (veraPDF) runs here, so when an
archive needs certainty, validate the output or pass ``chunk_rows=None`` to lay the document
out in a single pass (memory then grows with the number of rows).
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from reports.document import ReportDocument
from reports.pdfmerge import merge_parts
from reports.sections import LongTable, PageBreak, Section, TableSlice, cell_text
from reports.templating import render_template

ProgressCallback = Callable[[str, int], None]

DEFAULT_CHUNK_ROWS = 400
PDF_VARIANTS = ("pdf/a-3b",)
_ANCHOR_PREFIX = "giamsat-cut-"


@dataclass(frozen=True)
class RenderedPdf:
    path: Path
    sha256: str
    size_bytes: int
    page_count: int
    part_count: int
    # What of the sealed or hashed material did not match (printed on page 1 and in the
    # metadata); empty when everything verified.
    integrity_warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClosingBlock:
    """Where the signature and "Nơi nhận:" go: after the body, before the appendices."""

    kind: ClassVar[str] = "closing"


Block = Section | ClosingBlock


def render_pdf(
    document: ReportDocument,
    output: Path,
    *,
    pdf_variant: str | None = None,
    chunk_rows: int | None = DEFAULT_CHUNK_ROWS,
    progress: ProgressCallback | None = None,
) -> RenderedPdf:
    """Write the document to ``output`` and return its SHA-256, size and page count.

    ``chunk_rows=None`` lays everything out in one pass. ``progress(stage, percent)`` is
    called with stage "render" (0-90, per pass), then "merge" and "done" (100).
    """
    if pdf_variant is not None and pdf_variant not in PDF_VARIANTS:
        raise ValueError(f"pdf_variant must be one of {PDF_VARIANTS} or None")
    if chunk_rows is not None and chunk_rows < 2:
        raise ValueError("chunk_rows must be at least 2")
    report = progress or (lambda stage, percent: None)
    report("render", 0)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"pdf_variant": pdf_variant} if pdf_variant else {}
    with tempfile.TemporaryDirectory(prefix="giamsat-report-") as scratch:
        parts: list[Path] = []

        def write_part(laid_out: Any, page_count: int) -> None:
            part = Path(scratch) / f"part-{len(parts):05d}.pdf"
            laid_out.write_pdf(part, **options)
            parts.append(part)

        page_count = _Paginator(document, chunk_rows, write_part, report).run()
        report("merge", 92)
        merge_parts(parts, output)
    sha256 = file_sha256(output)
    report("done", 100)
    return RenderedPdf(
        path=output,
        sha256=sha256,
        size_bytes=output.stat().st_size,
        page_count=page_count,
        part_count=len(parts),
        integrity_warnings=tuple(document.integrity_warnings),
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def page1_png(pdf_path: Path, out_png: Path, *, dpi: int = 110) -> Path:
    """Page 1 as a PNG (for the README), drawn by poppler's ``pdftoppm``."""
    out_png = Path(out_png)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    prefix = out_png.with_suffix("")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(dpi),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf_path),
            str(prefix),
        ],
        check=True,
        capture_output=True,
    )
    produced = prefix.with_suffix(".png")
    if produced != out_png:
        produced.replace(out_png)
    return out_png


class _RowCursor:
    """Hands out a long table's rows in order; rows that did not fit can be pushed back."""

    def __init__(self, table: LongTable) -> None:
        self.table = table
        self._source = iter(table.rows)
        self._pending: deque[list[str]] = deque()
        self.next_row = 0

    def take(self, count: int) -> list[list[str]]:
        rows: list[list[str]] = []
        while len(rows) < count and self._pending:
            rows.append(self._pending.popleft())
        while len(rows) < count:
            row = self._pull()
            if row is None:
                break
            rows.append(row)
        self.next_row += len(rows)
        return rows

    def has_more(self) -> bool:
        if self._pending:
            return True
        row = self._pull()
        if row is None:
            return False
        self._pending.append(row)
        return True

    def push_back(self, rows: list[list[str]]) -> None:
        self._pending.extendleft(reversed(rows))
        self.next_row -= len(rows)

    def _pull(self) -> list[str] | None:
        row = next(self._source, None)
        if row is None:
            return None
        if len(row) != len(self.table.columns):
            raise ValueError(
                f"row {self.next_row + len(self._pending) + 1} of {self.table.caption!r} has "
                f"{len(row)} cells for {len(self.table.columns)} columns"
            )
        return [cell_text(value) for value in row]


def _blocks(document: ReportDocument) -> Iterator[Block]:
    yield from document.sections
    yield ClosingBlock()
    if document.appendices:
        yield PageBreak()
        yield from document.appendices


class _Paginator:
    """Cuts the document into passes and lays each out; see the module docstring."""

    def __init__(
        self,
        document: ReportDocument,
        chunk_rows: int | None,
        write_part: Callable[[Any, int], None],
        report: ProgressCallback,
    ) -> None:
        self.document = document
        self.chunk_rows = chunk_rows
        self.write_part = write_part
        self.report = report
        self.blocks = _blocks(document)
        self.cursor: _RowCursor | None = None
        self.pages_written = 0
        self.rows_written = 0
        self.total_rows = sum(
            section.row_count or 0
            for section in (*document.sections, *document.appendices)
            if isinstance(section, LongTable)
        )

    def run(self) -> int:
        """Lay out every pass, hand each part to ``write_part``; return the page count."""
        passes = 0
        while self._one_pass():
            passes += 1
            if self.total_rows:
                self.report("render", min(90, int(90 * self.rows_written / self.total_rows)))
            else:
                self.report("render", min(90, 10 * passes))
        self.report("render", 90)
        return self.pages_written

    def _one_pass(self) -> bool:
        """Lay out one pass; return whether more passes follow."""
        items: list[Block | TableSlice] = []
        extra_rows = 0
        while True:
            split = self._fill(items, extra_rows)
            laid_out = _layout(self.document, items, first_page_number=self.pages_written + 1)
            pages = laid_out.pages
            if split is None:
                keep = len(pages)
                break
            assert self.cursor is not None
            cut = _first_row_on(pages[-1], _ANCHOR_PREFIX) if len(pages) > 1 else None
            if cut is not None and cut > split.first_row:
                # Drop the last page; its rows start the next pass on a fresh page.
                keep = len(pages) - 1
                self.cursor.push_back(split.rows[cut - split.first_row :])
                del split.rows[cut - split.first_row :]
                break
            # The rows of this pass did not reach past one page: lay out again with more.
            items.pop()
            self.cursor.push_back(split.rows)
            extra_rows += self.chunk_rows or 0
        for page in pages:
            for name in [name for name in page.anchors if name.startswith(_ANCHOR_PREFIX)]:
                del page.anchors[name]
        self.write_part(laid_out.copy(pages[:keep]), keep)
        self.pages_written += keep
        self.rows_written += sum(len(i.rows) for i in items if isinstance(i, TableSlice))
        return split is not None

    def _fill(self, items: list[Block | TableSlice], extra_rows: int) -> TableSlice | None:
        """Append blocks and rows to ``items`` until a table must be split (return its slice)
        or the document ends (return None)."""
        rows_in_pass = sum(len(i.rows) for i in items if isinstance(i, TableSlice))
        while True:
            if self.cursor is None:
                block = next(self.blocks, None)
                if block is None:
                    return None
                if not isinstance(block, LongTable):
                    items.append(block)
                    continue
                self.cursor = _RowCursor(block)
            if self.chunk_rows is None:
                wanted = 1 << 62
            else:
                # At least half a chunk, so that a cut has rows on an earlier page to keep.
                wanted = max(self.chunk_rows - rows_in_pass, self.chunk_rows // 2) + extra_rows
            first_row = self.cursor.next_row
            rows = self.cursor.take(wanted)
            more = self.cursor.has_more()
            table_slice = TableSlice(
                table=self.cursor.table,
                first_row=first_row,
                rows=rows,
                continued=first_row > 0,
                last=not more,
                anchor_prefix=_ANCHOR_PREFIX if more else None,
            )
            items.append(table_slice)
            rows_in_pass += len(rows)
            if more:
                return table_slice
            self.cursor = None


def _layout(
    document: ReportDocument, items: list[Block | TableSlice], *, first_page_number: int
) -> Any:
    html = render_template(
        "document.html",
        document=document,
        items=items,
        with_header=first_page_number == 1,
    )
    css = render_template(
        "document.css",
        first_page_number=first_page_number,
        footer_text=f"Mã xác thực: {document.verification_code}",
    )
    # WeasyPrint (and its fonts, Pango, fontTools) takes seconds to import: only a process
    # that renders pays for it, not every API worker or CLI start.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    # Nothing in a report is fetched: no file, no URL (text is escaped, but be sure).
    no_fetching = URLFetcher(allowed_protocols=())
    stylesheet = CSS(string=css, url_fetcher=no_fetching)
    return HTML(string=html, url_fetcher=no_fetching).render(stylesheets=[stylesheet])


def _first_row_on(page: Any, prefix: str) -> int | None:
    rows = [int(name.removeprefix(prefix)) for name in page.anchors if name.startswith(prefix)]
    return min(rows) if rows else None
