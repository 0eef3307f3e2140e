"""The Front officer's work queue (``/console/queue``): tabs with their counts, the filters
and the search box over the API's petitions list, keyset pages.

A view of two service calls the API makes too: ``views.petition_page`` (the scoped list,
its search and its cursor: ``GET /api/v1/petitions``) and ``views.dashboard`` (the counts:
``GET /api/v1/petitions/dashboard``), so the queue shows exactly what the API would list.
A tab is a preset filter (:data:`TABS`); the officer's own filters narrow every tab alike,
and the counts are of the same filters. With HTMX the filters, tabs and pages swap only the
results (``_results.html``); without JavaScript they are plain links and a GET form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Stream
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.deadlines.models import DeadlineStatus
from service.errors import Invalid, ServiceError
from service.exports import ExportFormat, start_export
from service.http import cursor as cursor_codec
from service.i18n import msg
from service.petitions import views
from service.petitions.exports import petition_export
from service.petitions.models import Channel, PetitionKind, PetitionStatus
from service.readonly import ReadSession
from service.settings import Settings
from service.text import OptionalText
from service.web.pages import HTMXTemplate, PageRequest, read_query, render
from service.web.queue.reference import (
    category_options,
    enum_options,
    load_reference,
    unit_options,
)
from service.web.templating import page_locale

QUEUE_PATH = "/console/queue"
PAGE_SIZE = 25
RESULTS_ID = "queue-results"  # the element the HTMX requests swap


class Tab(StrEnum):
    received = "received"
    needs_info = "needs_info"
    overdue = "overdue"
    due_soon = "due_soon"
    all = "all"


# Each tab's preset, added to the officer's filters (the status filter applies to "all").
TABS: dict[Tab, views.PetitionFilter] = {
    Tab.received: views.PetitionFilter(status=[PetitionStatus.received]),
    Tab.needs_info: views.PetitionFilter(status=[PetitionStatus.needs_info]),
    Tab.overdue: views.PetitionFilter(overdue=True),
    Tab.due_soon: views.PetitionFilter(deadline_status=DeadlineStatus.due_soon, open_only=True),
    Tab.all: views.PetitionFilter(),
}


class Sort(StrEnum):
    due = "due"
    newest = "newest"
    oldest = "oldest"


_SORTS = {
    Sort.due: views.SortOrder.due,
    Sort.newest: views.SortOrder.newest,
    Sort.oldest: views.SortOrder.oldest,
}


class QueueQuery(BaseModel):
    """The queue's query string (its GET form); the API's own limits."""

    tab: Tab = Tab.received
    kind: PetitionKind | None = None
    category: OptionalText = Field(default=None, max_length=64)
    unit_code: OptionalText = Field(default=None, max_length=16)
    status: PetitionStatus | None = None
    deadline: DeadlineStatus | None = None
    channel: Channel | None = None
    q: OptionalText = Field(default=None, max_length=200)
    sort: Sort = Sort.due
    cursor: OptionalText = Field(default=None, max_length=cursor_codec.MAX_LENGTH)

    @model_validator(mode="after")
    def _status_lists_everything(self) -> QueueQuery:
        # A status chosen in the filters is a list of its own: the tabs are status presets.
        if self.status is not None:
            self.tab = Tab.all
        return self

    def narrowing(self) -> views.PetitionFilter:
        """The officer's own filters (every tab's, and the counts')."""
        same = self.model_dump(include={"kind", "category", "unit_code", "channel", "q"})
        return views.PetitionFilter(deadline_status=self.deadline, **same)

    def listing(self) -> views.PetitionFilter:
        preset = TABS[self.tab]
        return replace(
            self.narrowing(),
            status=preset.status or ([self.status] if self.status else []),
            overdue=preset.overdue,
            open_only=preset.open_only,
            deadline_status=preset.deadline_status or self.deadline,
        )

    def order(self) -> views.SortOrder:
        # A search ranks by relevance, as the API does by default with q.
        return views.SortOrder.relevance if self.q else _SORTS[self.sort]

    def link(self, **changes: Any) -> str:
        """This queue's URL with ``changes`` (None removes a parameter); a new tab, filter
        or search starts from the first page."""
        values = self.model_dump(mode="json", exclude_none=True)
        values.pop("cursor", None)
        values.update(changes)
        query = urlencode({k: v for k, v in values.items() if v not in (None, "")})
        return f"{QUEUE_PATH}?{query}" if query else QUEUE_PATH

    def export_link(self, file_format: str) -> str:
        """The file of this list (every page of it, this tab's filters and order)."""
        values = self.model_dump(mode="json", exclude_none=True)
        values.pop("cursor", None)
        values["format"] = file_format
        query = urlencode({k: v for k, v in values.items() if v not in (None, "")})
        return f"{QUEUE_PATH}/export?{query}"


def marked(text: str, spans: Iterable[Any]) -> list[tuple[str, bool]]:
    """``text`` cut at the search's highlights (``[start, end)`` spans): (part, is_match)."""
    parts: list[tuple[str, bool]] = []
    at = 0
    for span in sorted(spans, key=lambda item: item.start):
        if span.end <= at:  # inside the previous highlight
            continue
        if span.start > at:
            parts.append((text[at : span.start], False))
        parts.append((text[max(at, span.start) : span.end], True))
        at = max(at, span.end)
    if at < len(text):
        parts.append((text[at:], False))
    return parts


# A tab's count above this is shown as "more than" it (``listing.COUNT_CAP``).
COUNT_CAP = views.COUNT_CAP


def tab_filters(narrowing: views.PetitionFilter) -> dict[Tab, views.PetitionFilter]:
    """Each tab's list under the officer's filters (what the tab lists, first page on)."""
    return {
        tab: replace(
            narrowing,
            status=TABS[tab].status,
            overdue=TABS[tab].overdue,
            open_only=TABS[tab].open_only,
            deadline_status=TABS[tab].deadline_status or narrowing.deadline_status,
        )
        for tab in Tab
    }


async def tab_counts(
    session: AsyncSession, viewer: StaffPrincipal, narrowing: views.PetitionFilter
) -> dict[Tab, int]:
    """Every tab's count for the officer's filters: exact from the dashboard's summary when
    it holds them (no search, no channel or deadline filter), otherwise each tab's list
    counted up to ``COUNT_CAP + 1`` (a search of a common word matches 90,000 petitions)."""
    if not views.counted_from_summary(narrowing):
        capped = await views.capped_counts(
            session,
            viewer,
            {tab.value: f for tab, f in tab_filters(narrowing).items()},
            cap=COUNT_CAP,
        )
        return {Tab(key): value for key, value in capped.items()}
    counts = await views.dashboard(session, viewer, narrowing)
    by_status = {row.key: row.count for row in counts.by_status}
    return {
        Tab.received: by_status.get(PetitionStatus.received.value, 0),
        Tab.needs_info: by_status.get(PetitionStatus.needs_info.value, 0),
        Tab.overdue: counts.overdue_now,
        Tab.due_soon: counts.due_soon_now,
        Tab.all: counts.total,
    }


class QueueController(Controller):
    path = "/queue"
    guards = [staff(Role.front_officer)]

    @get("/")
    async def queue(
        self,
        request: PageRequest,
        read_session: ReadSession,
        settings: NamedDependency[Settings],
    ) -> HTMXTemplate:
        form = read_query(request, QueueQuery)
        query = form.data or QueueQuery()
        reference = await load_reference(read_session, request.user)
        locale = page_locale(request)
        context: dict[str, Any] = {
            "form": form,
            "query": query,
            "reference": reference,
            "choices": {
                "kind": enum_options(PetitionKind, locale),
                "category": category_options(reference, locale),
                "unit_code": unit_options(reference),
                "status": enum_options(PetitionStatus, locale),
                "deadline": enum_options(DeadlineStatus, locale),
                "channel": enum_options(Channel, locale),
            },
            "marked": marked,
        }
        status_code = form.status_code
        page = None
        counts: dict[Tab, int] = {}
        if form.ok:
            try:
                page = await views.petition_page(
                    read_session,
                    settings,
                    request.user,
                    query.listing(),
                    sort=query.order(),
                    limit=PAGE_SIZE,
                    cursor=query.cursor,
                )
                counts = await tab_counts(read_session, request.user, query.narrowing())
            except ServiceError as exc:  # a cursor of another list, a search too long
                context["form"] = form.failed(exc)
                status_code = exc.status_code
        context.update(
            page=page, counts=counts, count_cap=COUNT_CAP, tabs=list(Tab), results_id=RESULTS_ID
        )
        htmx = request.htmx
        partial = bool(htmx) and not htmx.history_restore_request and htmx.target == RESULTS_ID
        template = "console/queue/_results.html" if partial else "console/queue/queue.html"
        return render(request, template, status_code=status_code, **context)

    @get("/export")
    async def export(
        self,
        request: PageRequest,
        read_session: ReadSession,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        file_format: Annotated[ExportFormat, QueryParameter(name="format")] = ExportFormat.csv,
    ) -> Stream:
        """The queue as on screen (tab, filters, search, order), every page of it: the API's
        export of the same list (``petition_export``), in the page's language."""
        form = read_query(request, QueueQuery)
        if form.data is None:
            raise Invalid(msg("web.export.bad_filter"))
        query = form.data
        locale = page_locale(request)
        listing, order = query.listing(), query.order()
        return await start_export(
            petition_export(settings, request.user, listing, order, locale),
            fmt=file_format,
            request=request,
            filters={"filters": listing, "sort": order, "tab": query.tab},
            read_session=read_session,
            db_session=db_session,
            settings=settings,
            locale=locale,
        )
