"""Merge the PDF parts of one report into one file.

The first part is cloned, so its catalog (XMP metadata and OutputIntent of a PDF/A render,
outline, language), document information and file identifier become the document's; the
pages of the other parts are appended.

WeasyPrint names a font subset after the font alone ("SWSLVQ+Liberation-Serif"), so each part
carries a different subset under the same name; the PDF specification (ISO 32000-1, 9.6.4)
requires different subsets in one file to have different tags. The appended parts' font
subsets are therefore re-tagged.

pypdf copies an object that many resources point at (the sRGB ICC profile of a PDF/A render)
once per reference; identical objects are folded back together before writing.

pypdf is imported when parts are merged, not with this module: the API imports the report
jobs (and so this module) to declare them, and pypdf was a tenth of a second of its start-up.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypdf.generic import DictionaryObject, PdfObject


class _ClonedTrailerSizeNoise(logging.Filter):
    """pypdf warns that a cloned part has more objects than its trailer declared; that is
    its own re-numbering, and the written file's trailer is right."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "exceeds defined trailer size" not in record.getMessage()


logging.getLogger("pypdf._writer").addFilter(_ClonedTrailerSizeNoise())


def merge_parts(parts: Sequence[Path], output: Path) -> None:
    if len(parts) == 1:
        shutil.copyfile(parts[0], output)
        return
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=parts[0])
    for number, part in enumerate(parts[1:], start=1):
        reader = PdfReader(part)
        retagger = _SubsetRetagger(salt=f"part-{number}")
        for page in reader.pages:
            retagger.visit(page)
        writer.append(reader)
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    with output.open("wb") as stream:
        writer.write(stream)


class _SubsetRetagger:
    """Gives every font subset reachable from a page a new six-letter tag."""

    def __init__(self, salt: str) -> None:
        self.salt = salt
        self.seen: set[int] = set()

    def visit(self, holder: DictionaryObject) -> None:
        from pypdf.generic import DictionaryObject

        resources = _resolve(holder.get("/Resources"))
        if not isinstance(resources, DictionaryObject) or id(resources) in self.seen:
            return
        self.seen.add(id(resources))
        fonts = _resolve(resources.get("/Font"))
        if isinstance(fonts, DictionaryObject):
            for font in fonts.values():
                self._retag_font(_resolve(font))
        for kind in ("/XObject", "/Pattern"):
            children = _resolve(resources.get(kind))
            if isinstance(children, DictionaryObject):
                for child in children.values():
                    child = _resolve(child)
                    if isinstance(child, DictionaryObject):
                        self.visit(child)

    def _retag_font(self, font: PdfObject | None) -> None:
        from pypdf.generic import ArrayObject, DictionaryObject

        if not isinstance(font, DictionaryObject) or id(font) in self.seen:
            return
        self.seen.add(id(font))
        self._rename(font, "/BaseFont")
        descriptor = _resolve(font.get("/FontDescriptor"))
        if isinstance(descriptor, DictionaryObject):
            self._rename(descriptor, "/FontName")
        descendants = _resolve(font.get("/DescendantFonts"))
        if isinstance(descendants, ArrayObject):
            for descendant in descendants:
                self._retag_font(_resolve(descendant))

    def _rename(self, holder: DictionaryObject, key: str) -> None:
        from pypdf.generic import NameObject

        name = holder.get(key)
        if not isinstance(name, NameObject):
            return
        tag, plus, rest = str(name).removeprefix("/").partition("+")
        if not plus or len(tag) != 6 or not tag.isupper():
            return
        digest = hashlib.sha256(f"{self.salt}:{tag}".encode()).digest()
        new_tag = "".join(chr(65 + byte % 26) for byte in digest[:6])
        holder[NameObject(key)] = NameObject(f"/{new_tag}+{rest}")


def _resolve(value: PdfObject | None) -> PdfObject | None:
    return value.get_object() if value is not None else None
