"""Atom documents (RFC 4287) from plain values, written by ``xml.etree``.

Every text goes in as an element's text or an attribute's value, which ElementTree escapes;
nothing is concatenated into markup. Characters XML 1.0 cannot carry at all (most C0 controls,
lone surrogates, U+FFFE/U+FFFF) would make the document unreadable, so they are dropped, and
every text is NFC (one spelling of each Vietnamese letter).
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Link:
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Category:
    term: str
    scheme: str
    label: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: datetime
    published: datetime
    author: str
    content: str
    summary: str | None = None
    links: Sequence[Link] = ()
    categories: Sequence[Category] = ()


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    updated: datetime
    author: str
    links: Sequence[Link]
    entries: Sequence[Entry] = field(default_factory=list)
    subtitle: str | None = None
    author_uri: str | None = None
    lang: str = "vi"


def clean(text: str) -> str:
    return _NOT_XML.sub("", unicodedata.normalize("NFC", text))


def moment(value: datetime) -> str:
    """RFC 3339 at the edge's zone (``2026-12-01T09:30:00+07:00``), whole seconds."""
    return value.astimezone(ZONE).isoformat(timespec="seconds")


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = clean(text)
    return element


def _link(parent: ET.Element, link: Link) -> None:
    attributes = {"rel": link.rel, "href": link.href}
    if link.type:
        attributes["type"] = link.type
    if link.title:
        attributes["title"] = clean(link.title)
    ET.SubElement(parent, "link", attributes)


def _author(parent: ET.Element, name: str, uri: str | None = None) -> None:
    author = ET.SubElement(parent, "author")
    _text(author, "name", name)
    if uri:
        _text(author, "uri", uri)


def _entry(parent: ET.Element, entry: Entry) -> None:
    element = ET.SubElement(parent, "entry")
    _text(element, "id", entry.id)
    _text(element, "title", entry.title, type="text")
    _text(element, "updated", moment(entry.updated))
    _text(element, "published", moment(entry.published))
    _author(element, entry.author)
    for link in entry.links:
        _link(element, link)
    for category in entry.categories:
        attributes = {"term": category.term, "scheme": category.scheme}
        if category.label:
            attributes["label"] = clean(category.label)
        ET.SubElement(element, "category", attributes)
    if entry.summary:
        _text(element, "summary", entry.summary, type="text")
    _text(element, "content", entry.content, type="text")


def render(feed: Feed) -> bytes:
    """The feed document, UTF-8 with its XML declaration."""
    # The Atom namespace as the default one, written on the root; the elements go unprefixed.
    root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: feed.lang})
    _text(root, "id", feed.id)
    _text(root, "title", feed.title, type="text")
    if feed.subtitle:
        _text(root, "subtitle", feed.subtitle, type="text")
    _text(root, "updated", moment(feed.updated))
    _author(root, feed.author, feed.author_uri)
    for link in feed.links:
        _link(root, link)
    for entry in feed.entries:
        _entry(root, entry)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
