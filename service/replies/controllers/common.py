"""What the replies controllers share: the guards, the query parameters' types and the
checks of their values, and the reads the agency and the Front both make (each from its side:
``agency_side``), the attachment download route among them."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Stream
from litestar.status_codes import HTTP_307_TEMPORARY_REDIRECT
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.deadlines.models import ItemKind
from service.errors import Invalid
from service.exports import EXPORT_OPT, NO_STORE, ExportFormat, ListExport
from service.http import cursor
from service.http.params import StaffRequest
from service.http.preconditions import with_etag
from service.i18n import msg, negotiate
from service.readonly import ReadSession
from service.replies import service, views
from service.replies.exports import referral_export
from service.replies.models import ReferralState
from service.replies.schemas import ReferralDetail, ReferralPage
from service.replies.views import MAX_PAGE, ReferralFilter
from service.settings import Settings
from service.storage.service import download_url
from service.storage.store import ObjectStore

AGENCY = staff(Role.agency_officer)
FRONT = staff(Role.front_officer)
READERS = staff(Role.front_officer, Role.supervisor, Role.council_reader)


PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, QueryParameter(max_length=cursor.MAX_LENGTH)]
States = Annotated[list[str] | None, QueryParameter(name="state")]
ItemTypeParam = Annotated[str | None, QueryParameter(max_length=32)]
UnitCode = Annotated[str | None, QueryParameter(max_length=16)]
From = Annotated[date | None, QueryParameter(name="from")]
# A period's ``?from=&to=`` (local dates, inclusive), as a declared route's ``extra``
# (``PERIOD_DEFAULTS``: both may be left out); ``call.settings`` places them in the city's day.
PERIOD: dict[str, Any] = {
    "from_": From,
    "to": Annotated[date | None, QueryParameter()],
}
PERIOD_DEFAULTS: dict[str, Any] = {"from_": None, "to": None}

EXPORT_DESCRIPTION = (
    "The rows the list gives for the same filters, in the caller's scope, every page of them "
    "by due date: CSV (UTF-8 with a byte-order mark) or XLSX, headers in the reader's "
    "language (Accept-Language), moments in Hanoi time (dd/mm/yyyy). A row carries no item "
    "text and no identity, as the list. At most GIAMSAT_EXPORT_MAX_ROWS rows: a longer list "
    "ends with a line saying so. Each export is audited (who, which filters)."
)

ATTACHMENT = "/{referral_id:uuid}/attachments/{evidence_id:uuid}"


def check_day(value: date | None, field: str) -> None:
    """Dates a period can sensibly start or end on (and that date arithmetic can handle)."""
    if value is not None and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
        raise Invalid(msg("date_out_of_range"), field=field)


def period_bounds(
    first: date | None, last: date | None, settings: Settings
) -> tuple[datetime | None, datetime | None]:
    """The local days ``first`` to ``last`` (both inclusive, either open) as the moments a
    query compares with: from the start of ``first`` to the start of the day after ``last``."""
    check_day(first, "from")
    check_day(last, "to")
    start = day_start(first, settings) if first else None
    end = day_start(last + timedelta(days=1), settings) if last else None
    return start, end


def day_start(day: date, settings: Settings) -> datetime:
    """Midnight at the start of a local (Hanoi) day."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(settings.timezone))


def local(moment: datetime | None, settings: Settings) -> datetime | None:
    """A time without a zone is Hanoi local time (the edges speak Asia/Ho_Chi_Minh)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(settings.timezone))


def parse_states(values: list[str] | None) -> tuple[ReferralState, ...]:
    try:
        return tuple(ReferralState(v) for v in values or [])
    except ValueError as exc:
        raise Invalid(
            msg("state_unknown", choices=[s.value for s in ReferralState]), field="state"
        ) from exc


def referral_filter(
    settings: Settings,
    scope: ReferralFilter,
    states: list[str] | None,
    item_kind: ItemKind | None,
    item_type: str | None,
    due_before: datetime | None,
    due_after: datetime | None,
    overdue: bool | None,
) -> ReferralFilter:
    """The referrals of the list's ``scope`` (whose agency, which unit: each side's rule)
    narrowed by its query parameters, checked (local times without a zone read in Hanoi
    time)."""
    return replace(
        scope,
        states=parse_states(states),
        item_kind=item_kind.value if item_kind else None,
        item_type=item_type,
        due_before=local(due_before, settings),
        due_after=local(due_after, settings),
        overdue=overdue,
    )


def referral_detail_route(
    summary: str, *, agency_side: bool, guards: list[Any] | None = None
) -> HTTPRouteHandler:
    """The route to one referral as the viewer's side sees it, with the ETag its actions'
    If-Match names."""

    @get("/{referral_id:uuid}", guards=guards, summary=summary)
    async def detail(
        self: Controller,
        request: StaffRequest,
        referral_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
    ) -> Response[ReferralDetail]:
        viewer = request.user
        referral = await service.get_visible_referral(db_session, referral_id, viewer)
        body = await views.referral_detail(db_session, referral, viewer, agency_side=agency_side)
        return with_etag(body, referral.version)

    return detail


def referral_list_route(
    name: str, summary: str, *, guards: list[Any] | None = None
) -> HTTPRouteHandler:
    """The route of the viewer's side's referral list, by due date in keyset pages, with the
    filters of the controller's ``listing`` dependency; ``name`` names the operation."""

    async def referral_list(
        self: Controller,
        request: StaffRequest,
        read_session: ReadSession,
        listing: NamedDependency[ReferralFilter],
        cursor: Cursor = None,
        limit: PageLimit = 50,
    ) -> ReferralPage:
        return await views.referral_page(
            read_session, listing, request.user, cursor=cursor, limit=limit
        )

    referral_list.__name__ = referral_list.__qualname__ = name
    return get("/", guards=guards, summary=summary)(referral_list)


def attachment_download(
    summary: str, *, agency_side: bool, guards: list[Any] | None = None
) -> HTTPRouteHandler:
    """The route to a short-lived URL of an answer's attachment (custody-logged): the same
    for the agency and the Front but for what each side may download (``agency_side``)."""

    @get(ATTACHMENT, guards=guards, status_code=HTTP_307_TEMPORARY_REDIRECT, summary=summary)
    async def download(
        self: Controller,
        request: StaffRequest,
        referral_id: FromPath[uuid.UUID],
        evidence_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        object_store: NamedDependency[ObjectStore],
    ) -> Redirect:
        found = (db_session, object_store, settings, referral_id, evidence_id, request.user)
        return await attachment_redirect(*found, agency_side=agency_side)

    return download


async def attachment_redirect(
    db_session: AsyncSession,
    object_store: ObjectStore,
    settings: Settings,
    referral_id: uuid.UUID,
    evidence_id: uuid.UUID,
    viewer: StaffPrincipal,
    *,
    agency_side: bool,
) -> Redirect:
    """To a short-lived URL of an attachment the viewer's side may download (custody-logged):
    the API's route and the console's page both answer with it."""
    evidence = await views.downloadable_attachment(
        db_session, referral_id, evidence_id, viewer, agency_side=agency_side
    )
    url = await download_url(
        db_session, object_store, evidence, viewer, ttl=settings.download_url_ttl_seconds
    )
    return Redirect(url, status_code=HTTP_307_TEMPORARY_REDIRECT)


async def export_referrals(
    request: StaffRequest,
    read_session: AsyncSession,
    db_session: AsyncSession,
    settings: Settings,
    filters: ReferralFilter,
    file_format: ExportFormat,
    *,
    name: str,
    locale: str | None = None,
) -> Stream:
    """A referral list as a file (the API's and the console's): ``name`` is the file's."""
    locale = locale or negotiate(request.headers.get("accept-language"))
    exporting = ListExport(request, read_session, db_session, settings, file_format, locale)
    return await export_referral_list(exporting, filters, name=name)


async def export_referral_list(
    list_export: ListExport, filters: ReferralFilter, *, name: str
) -> Stream:
    """The referral list ``filters`` select as the file ``name``."""
    user = list_export.request.user
    export = referral_export(list_export.settings, user, filters, list_export.locale, name=name)
    return await list_export.start(export, filters)


def referral_export_route(
    name: str, summary: str, *, file_name: str, guards: list[Any] | None = None
) -> HTTPRouteHandler:
    """The route of the viewer's side's referral list as a file (``file_name``), with the
    filters of the controller's ``listing`` dependency; ``name`` names the operation."""

    async def referral_file(
        self: Controller,
        listing: NamedDependency[ReferralFilter],
        list_export: NamedDependency[ListExport],
    ) -> Stream:
        return await export_referral_list(list_export, listing, name=file_name)

    referral_file.__name__ = referral_file.__qualname__ = name
    route = get(
        "/export",
        guards=guards,
        opt=EXPORT_OPT,
        cache_control=NO_STORE,
        summary=summary,
        description=EXPORT_DESCRIPTION,
    )
    return route(referral_file)
