"""The feeds as Atom documents: which rows, which links, which ids.

Ids are stable whatever the host serving them: a feed's id is a name-based UUID of its path
(``urn:uuid:``, RFC 4122 version 5 in our own namespace), an answer entry's id that of its
``public_answer`` row (the id of the portal's page of it too), a conclusion's a name-based UUID
of its plan. Every link is absolute, on ``GIAMSAT_PUBLIC_BASE_URL``. Texts are Vietnamese;
dates are RFC 3339 in Asia/Ho_Chi_Minh (``atom.moment``).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from service.directory import service as directory
from service.directory.reference_data import HANOI
from service.feeds import atom, repository
from service.feeds.paging import Page, PageRequest
from service.feeds.repository import AnswerScope, answer_page, conclusion_page
from service.i18n import translate
from service.oversight.models import SupervisionPlan
from service.replies.models import PublicAnswer
from service.replies.redaction import redact
from service.settings import Settings

LOCALE = "vi"
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
BASE_PATH = "/api/v1/public/feeds"
PORTAL_ANSWERS = "/tra-loi"
# The ids' namespace (a fixed random UUID: changing it changes every feed's id).
NAMESPACE = uuid.UUID("5b0f3c4e-9a51-4f43-8d1e-6761746f6d31")
# An empty feed still needs atom:updated; the two-level local government's first day.
EMPTY_UPDATED = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
ATOM_TYPE = "application/atom+xml"


@dataclass(frozen=True)
class FeedDocument:
    body: bytes
    updated: datetime
    etag: str


def feed_id(path: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, path)}"


def _author(settings: Settings) -> str:
    """The Front committee publishing (the reports' parent body, on one line)."""
    return " ".join(settings.report_parent_body.split())


def _url(settings: Settings, path: str, **query: str | None) -> str:
    present = {key: value for key, value in query.items() if value is not None}
    return settings.public_base_url + path + (f"?{urlencode(present)}" if present else "")


def _paging_links(
    settings: Settings, path: str, request: PageRequest, page: Page[object], limit: int
) -> list[atom.Link]:
    """RFC 5005 section 3: first, last, and next/previous where there is such a page; self is
    this very page. ``limit`` travels only when it is not the default."""
    size = str(limit) if limit != PAGE_SIZE else None
    this = {"before": request.before, "after": request.after}
    links = [
        atom.Link(
            _url(settings, path, **this, page="last" if request.last else None, limit=size),
            "self",
            ATOM_TYPE,
        ),
        atom.Link(_url(settings, path, limit=size), "first", ATOM_TYPE),
        atom.Link(_url(settings, path, page="last", limit=size), "last", ATOM_TYPE),
    ]
    if page.next_cursor:
        links.append(
            atom.Link(_url(settings, path, before=page.next_cursor, limit=size), "next", ATOM_TYPE)
        )
    if page.prev_cursor:
        links.append(
            atom.Link(
                _url(settings, path, after=page.prev_cursor, limit=size), "previous", ATOM_TYPE
            )
        )
    return links


def _document(feed: atom.Feed) -> FeedDocument:
    body = atom.render(feed)
    # A strong tag of the bytes: any change of an entry, a link or a title changes it.
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return FeedDocument(body, feed.updated, etag)


def _updated(moments: Sequence[datetime]) -> datetime:
    return max(moments) if moments else EMPTY_UPDATED


def _category(settings: Settings, scheme: str, code: str, names: dict[str, str]) -> atom.Category:
    """An entry's ward or category: its code, the feeds of that kind as the scheme (the code
    names the feed of its own there), its name as the label."""
    return atom.Category(
        code, f"{settings.public_base_url}{BASE_PATH}/answers/{scheme}", names.get(code)
    )


def _answer_entry(
    settings: Settings, row: PublicAnswer, units: dict[str, str], categories: dict[str, str]
) -> atom.Entry:
    page = f"{settings.public_base_url}{PORTAL_ANSWERS}/{row.id}"
    labels = []
    if row.category_code:
        labels.append(_category(settings, "categories", row.category_code, categories))
    if row.unit_code:
        labels.append(_category(settings, "wards", row.unit_code, units))
    parts = [
        translate(f"web.portal.outcome.{row.outcome}", LOCALE) + ".",
        row.answer_text,
    ]
    if row.legal_basis:
        parts.append(translate("feeds.legal_basis", LOCALE, text=row.legal_basis))
    if row.document_number:
        parts.append(translate("feeds.document_number", LOCALE, number=row.document_number))
    return atom.Entry(
        id=f"urn:uuid:{row.id}",
        title=row.title,
        updated=row.published_at,
        published=row.published_at,
        author=row.agency_name,
        summary=row.description,
        content="\n\n".join(parts),
        links=[atom.Link(page, "alternate", "text/html")],
        categories=labels,
    )


async def answers_feed(
    session: AsyncSession,
    settings: Settings,
    *,
    unit_code: str | None = None,
    category_code: str | None = None,
    request: PageRequest,
    limit: int = PAGE_SIZE,
) -> FeedDocument:
    """The published answers of the city, of one ward or of one category (404 for a ward or
    a category the directory does not know)."""
    portal = {"unit_code": unit_code, "category_code": category_code}
    if unit_code is not None:
        unit = await directory.get_unit(session, unit_code)
        path = f"{BASE_PATH}/answers/wards/{quote(unit_code)}"
        title = translate("feeds.answers.ward_title", LOCALE, ward=unit.name)
    elif category_code is not None:
        category = await directory.get_category(session, category_code)
        path = f"{BASE_PATH}/answers/categories/{quote(category_code)}"
        title = translate("feeds.answers.category_title", LOCALE, category=category.name_vi)
    else:
        city = (await repository.unit_names(session, {HANOI})).get(HANOI, settings.report_place)
        path = f"{BASE_PATH}/answers"
        title = translate("feeds.answers.city_title", LOCALE, city=city)
    scope = AnswerScope(unit_code=unit_code, category_code=category_code)
    page = await answer_page(session, scope, request, limit)
    units = await repository.unit_names(session, {r.unit_code for r in page.rows if r.unit_code})
    categories = await repository.category_names(
        session, {r.category_code for r in page.rows if r.category_code}
    )
    links = _paging_links(settings, path, request, page, limit)  # type: ignore[arg-type]
    links.append(atom.Link(_url(settings, PORTAL_ANSWERS, **portal), "alternate", "text/html"))
    feed = atom.Feed(
        id=feed_id(path),
        title=title,
        subtitle=translate("feeds.answers.subtitle", LOCALE),
        updated=_updated([row.published_at for row in page.rows]),
        author=_author(settings),
        author_uri=settings.public_base_url + "/",
        links=links,
        entries=[_answer_entry(settings, row, units, categories) for row in page.rows],
    )
    return _document(feed)


def _conclusion_entry(
    settings: Settings, plan: SupervisionPlan, units: dict[str, str]
) -> atom.Entry:
    assert plan.conclusion_published_at is not None
    assert plan.conclusion is not None
    # The conclusion is the Front's text; the patterns (phones, ID numbers, emails...) go as
    # they go for the recommendations the public sees (oversight's provider).
    summary = translate(
        "feeds.conclusions.entry_summary",
        LOCALE,
        code=plan.code,
        unit=units.get(plan.unit_code, plan.unit_code),
        start=plan.period_start.strftime("%d/%m/%Y"),
        end=plan.period_end.strftime("%d/%m/%Y"),
    )
    return atom.Entry(
        id=f"urn:uuid:{uuid.uuid5(NAMESPACE, f'conclusion:{plan.id}')}",
        title=translate("feeds.conclusions.entry_title", LOCALE, subject=redact(plan.subject)),
        updated=plan.conclusion_published_at,
        published=plan.conclusion_published_at,
        author=_author(settings),
        summary=summary,
        content=redact(plan.conclusion),
        categories=[_category(settings, "wards", plan.unit_code, units)],
    )


async def conclusions_feed(
    session: AsyncSession, settings: Settings, *, request: PageRequest, limit: int = PAGE_SIZE
) -> FeedDocument:
    """The supervision conclusions the Front made public, newest publication first."""
    path = f"{BASE_PATH}/conclusions"
    page = await conclusion_page(session, request, limit)
    units = await repository.unit_names(session, {plan.unit_code for plan in page.rows})
    feed = atom.Feed(
        id=feed_id(path),
        title=translate("feeds.conclusions.title", LOCALE),
        subtitle=translate("feeds.conclusions.subtitle", LOCALE),
        updated=_updated(
            [plan.conclusion_published_at for plan in page.rows if plan.conclusion_published_at]
        ),
        author=_author(settings),
        author_uri=settings.public_base_url + "/",
        links=_paging_links(settings, path, request, page, limit),  # type: ignore[arg-type]
        entries=[_conclusion_entry(settings, plan, units) for plan in page.rows],
    )
    return _document(feed)
