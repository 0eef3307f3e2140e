"""Highlighted snippets of a search result, over the text the reader may see.

The database finds the rows (``repository.listing``, the stored ``search_vector``); this
module marks, in the title and an excerpt of the description *as the view shows them* (a
denunciation's with the denouncer's identity already removed), the words the query asked for.
A word matches when it folds to a query word the way ``immutable_unaccent`` folds in PostgreSQL:
NFC, đ/Đ → d, marks removed, lower case. Highlights are ``[start, end)`` offsets in code
points of the returned text, never markup: the reader escapes and marks them itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from service.petitions.repository.listing import search_terms

WORD = re.compile(r"\w+")
EXCERPT_CHARS = 200
ELLIPSIS = "…"


def fold(text: str) -> str:
    """What ``immutable_unaccent`` makes of a word (Vietnamese letters: base letter, lower case)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).lower()


def query_words(q: str) -> frozenset[str]:
    """The folded words of a query (at most as many as the search uses)."""
    return frozenset(fold(word) for term in search_terms(q) for word in WORD.findall(term))


def highlights(text: str, words: frozenset[str]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in WORD.finditer(text) if fold(m.group()) in words]


@dataclass(frozen=True)
class Excerpt:
    text: str
    highlights: list[tuple[int, int]]


def excerpt(text: str, words: frozenset[str], width: int = EXCERPT_CHARS) -> Excerpt:
    """About ``width`` characters of ``text`` around its first matching word (its start if
    none matches), cut at spaces, with an ellipsis where it was cut."""
    text = unicodedata.normalize("NFC", text)
    marks = highlights(text, words)
    if len(text) <= width:
        return Excerpt(text, marks)
    first = marks[0][0] if marks else 0
    start = max(0, first - width // 4)
    if start > 0:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and first - space <= width // 2 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    body = text[start:end].strip()
    offset = start + (len(text[start:end]) - len(text[start:end].lstrip()))
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - offset
    inside = [(s + shift, e + shift) for s, e in marks if s >= offset and e <= offset + len(body)]
    return Excerpt(prefix + body + suffix, inside)
