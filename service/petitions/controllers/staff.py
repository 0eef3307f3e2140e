"""``/petitions...`` for staff: the list, the dashboard, one petition and its history,
contact details, duplicates, the notification log, files, and the merge of a duplicate.

Everything is scoped to the caller's area (another ward's petition is 404). The triage
actions that answer with the petition itself are declared in :mod:`.triage`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Stream
from litestar.status_codes import HTTP_200_OK, HTTP_307_TEMPORARY_REDIRECT
from litestar.types import Guard
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.principals import StaffPrincipal
from service.exports import EXPORT_OPT, NO_STORE, ListExport
from service.http import cursor as cursor_codec
from service.http.declared import Call, route_of
from service.http.preconditions import with_etag
from service.petitions import views
from service.petitions.controllers.files import petition_upload
from service.petitions.controllers.triage import TRIAGE
from service.petitions.exports import petition_export
from service.petitions.models import ActorKind, Channel, Petition, PetitionKind, PetitionStatus
from service.petitions.repository import MAX_PAGE
from service.petitions.schemas import (
    Dashboard,
    DeliveryView,
    DuplicateCandidate,
    HistoryEntry,
    PetitionDetail,
    PetitionerView,
    PetitionPage,
)
from service.petitions.service import get_for_staff
from service.readonly import ReadSession
from service.replies.schemas import RevealRequest
from service.settings import Settings
from service.storage.store import ObjectStore

ANY_STAFF = staff()


async def _visible_petition(
    request: Request[StaffPrincipal, Any, Any],
    petition_id: FromPath[uuid.UUID],
    db_session: NamedDependency[AsyncSession],
) -> Petition:
    """The ``petition`` of the reads here: the one in the path, if the caller may see it
    (404 otherwise, also for another ward's)."""
    return await get_for_staff(db_session, petition_id, request.user)


VisiblePetition = NamedDependency[Petition]


@dataclass(frozen=True)
class PetitionListing:
    """The list's filters and order as the query string gives them: one declaration for the
    list and its export, so a file is always the list it was asked from."""

    filters: views.PetitionFilter
    sort: views.SortOrder


async def _listing(
    status: FromQuery[list[PetitionStatus] | None] = None,
    kind: FromQuery[PetitionKind | None] = None,
    category: Annotated[str | None, QueryParameter(max_length=64)] = None,
    unit_code: Annotated[str | None, QueryParameter(max_length=16)] = None,
    agency_id: FromQuery[uuid.UUID | None] = None,
    channel: FromQuery[Channel | None] = None,
    overdue: FromQuery[bool | None] = None,
    open_only: Annotated[bool, QueryParameter(name="open")] = False,
    due_before: FromQuery[datetime | None] = None,
    due_after: FromQuery[datetime | None] = None,
    created_from: FromQuery[datetime | None] = None,
    created_to: FromQuery[datetime | None] = None,
    q: Annotated[
        str | None,
        QueryParameter(
            max_length=200,
            description="Words (all of them, any order; diacritics, case and đ/d do not "
            "matter) or a tracking code",
        ),
    ] = None,
    sort: Annotated[
        views.SortOrder | None,
        QueryParameter(
            description="Default: relevance with q (the newest petitions' matches, "
            "exact first), else -created_at",
        ),
    ] = None,
) -> PetitionListing:
    filters = views.PetitionFilter(
        status=list(status or []),
        kind=kind,
        category=category,
        unit_code=unit_code,
        agency_id=agency_id,
        channel=channel,
        overdue=overdue,
        open_only=open_only,
        due_before=due_before,
        due_after=due_after,
        created_from=created_from,
        created_to=created_to,
        q=q,
    )
    if sort is None:
        sort = views.SortOrder.relevance if q else views.SortOrder.newest
    return PetitionListing(filters=filters, sort=sort)


class StaffPetitionController(Controller):
    path = "/petitions"
    tags = ["petitions"]
    dependencies = {
        "petition": Provide(_visible_petition),
        "listing": Provide(_listing),
    }

    @get("/", guards=[ANY_STAFF], summary="List and search petitions (keyset pagination)")
    async def list_petitions(
        self,
        request: Request[StaffPrincipal, Any, Any],
        read_session: ReadSession,
        settings: NamedDependency[Settings],
        listing: NamedDependency[PetitionListing],
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=cursor_codec.MAX_LENGTH)] = None,
    ) -> PetitionPage:
        return await views.petition_page(
            read_session,
            settings,
            request.user,
            listing.filters,
            sort=listing.sort,
            limit=limit,
            cursor=cursor,
        )

    @get(
        "/export",
        guards=[ANY_STAFF],
        opt=EXPORT_OPT,
        cache_control=NO_STORE,
        summary="The list as a file (CSV or XLSX), with the list's filters, streamed",
        description=(
            "The rows `GET /petitions` lists for the same filters, search and order, in the "
            "caller's area, every page of them: CSV (UTF-8 with a byte-order mark) or XLSX, "
            "headers in the reader's language (Accept-Language), moments in Hanoi time "
            "(dd/mm/yyyy). At most GIAMSAT_EXPORT_MAX_ROWS rows: a longer list ends with a "
            "line saying so. Each export is audited (who, which filters)."
        ),
    )
    async def export_petitions(
        self,
        request: Request[StaffPrincipal, Any, Any],
        listing: NamedDependency[PetitionListing],
        list_export: NamedDependency[ListExport],
    ) -> Stream:
        settings, locale = list_export.settings, list_export.locale
        export = petition_export(settings, request.user, listing.filters, listing.sort, locale)
        return await list_export.start(export, {"filters": listing.filters, "sort": listing.sort})

    @get(
        "/{petition_id:uuid}/evidence/{evidence_id:uuid}/download",
        guards=[ANY_STAFF],
        status_code=HTTP_307_TEMPORARY_REDIRECT,
        summary="Redirect to a short-lived download URL (custody-logged)",
    )
    async def download(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition: VisiblePetition,
        evidence_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        object_store: NamedDependency[ObjectStore],
    ) -> Redirect:
        url = await views.evidence_download_url(
            db_session, object_store, petition, evidence_id, request.user
        )
        return Redirect(path=url, status_code=HTTP_307_TEMPORARY_REDIRECT)


# The dashboard's filters, by the name of their PetitionFilter field (each may be left out).
DASHBOARD_FILTERS: dict[str, Any] = {
    "kind": Annotated[PetitionKind | None, QueryParameter()],
    "category": Annotated[str | None, QueryParameter(max_length=64)],
    "unit_code": Annotated[str | None, QueryParameter(max_length=16)],
    "created_from": Annotated[datetime | None, QueryParameter()],
    "created_to": Annotated[datetime | None, QueryParameter()],
}


@route_of(
    StaffPetitionController,
    "/dashboard",
    "Counts by status, kind, category, unit...",
    session="read_session",
    guards=[ANY_STAFF],
    extra=DASHBOARD_FILTERS,
    defaults=dict.fromkeys(DASHBOARD_FILTERS),
)
async def dashboard(call: Call) -> Dashboard:
    filters = views.PetitionFilter(**call.extra)
    return await views.dashboard(call.session, call.viewer, filters)


@dataclass(frozen=True)
class PetitionRead:
    """A view of the visible petition, ``GET`` (or, with a body, ``POST``) ``/petitions/<path>``:
    the petition comes from the controller's ``petition`` dependency (404 outside the area)."""

    name: str  # the handler's name (and so its operation id)
    path: str
    guard: Guard
    summary: str
    show: Callable[[ReadCall], Awaitable[Any]]
    returns: Any  # the response annotation
    body: Any = None  # a request body makes it a POST
    description: str | None = None


@dataclass(frozen=True)
class ReadCall:
    request: Request[StaffPrincipal, Any, Any]
    session: AsyncSession
    settings: Settings
    petition: Petition
    data: Any

    @property
    def viewer(self) -> StaffPrincipal:
        return self.request.user


def _declare_read(read: PetitionRead) -> None:
    """The read as a declared route of the controller: its ``show`` gets the petition the
    controller's ``petition`` dependency found, and the settings, as a :class:`ReadCall`."""

    async def show(call: Call) -> Any:
        petition = call.extra["petition"]
        return await read.show(
            ReadCall(call.request, call.session, call.settings, petition, call.data)
        )

    route_of(
        StaffPetitionController,
        read.path,
        read.summary,
        http_method="POST" if read.body else "GET",
        body=read.body,
        status_code=HTTP_200_OK,
        guards=[read.guard],
        description=read.description,
        extra={"petition": VisiblePetition},
        name=read.name,
        returns=read.returns,
    )(show)


async def _detail(call: ReadCall) -> Response[PetitionDetail]:
    detail = await views.detail(call.session, call.settings, call.petition, call.viewer)
    return with_etag(detail, call.petition.version)


PETITION_READS = (
    PetitionRead(
        "get_petition",
        "/{petition_id:uuid}",
        ANY_STAFF,
        "One petition (ETag for If-Match)",
        show=_detail,
        returns=Response[PetitionDetail],
    ),
    PetitionRead(
        "get_history",
        "/{petition_id:uuid}/history",
        ANY_STAFF,
        "The full history",
        show=lambda call: views.history_entries(call.session, call.settings, call.petition),
        returns=list[HistoryEntry],
    ),
    PetitionRead(
        "get_petitioner",
        "/{petition_id:uuid}/petitioner",
        TRIAGE,
        "The petitioner's contact details (never a denouncer's: see .../reveal)",
        show=lambda call: views.contact_details(call.session, call.petition, call.viewer),
        returns=PetitionerView,
    ),
    PetitionRead(
        "reveal_petitioner",
        "/{petition_id:uuid}/petitioner/reveal",
        TRIAGE,
        "Reveal the petitioner's identity, with a reason (audited: who, when, why)",
        show=lambda call: views.reveal_identity(
            call.session, call.settings, call.petition, call.viewer, call.data.reason
        ),
        returns=PetitionerView,
        body=RevealRequest,
        description=(
            "A denouncer's identity (Law 25/2018 Art. 9, 47) is shown only here, to the Front "
            "officers of the petition's ward or of the city; each reveal is audited with the "
            "officer, the time and the reason."
        ),
    ),
    PetitionRead(
        "get_duplicates",
        "/{petition_id:uuid}/duplicates",
        TRIAGE,
        "Likely duplicates, computed now (and stored)",
        show=lambda call: views.duplicate_candidates(
            call.session, call.settings, call.petition, call.viewer
        ),
        returns=list[DuplicateCandidate],
    ),
    PetitionRead(
        "get_notifications",
        "/{petition_id:uuid}/notifications",
        TRIAGE,
        "The delivery log of the citizen's notifications",
        show=lambda call: views.deliveries(call.session, call.petition),
        returns=list[DeliveryView],
    ),
)

for _read in PETITION_READS:
    _declare_read(_read)
StaffPetitionController.add_evidence = petition_upload(  # type: ignore[attr-defined]
    StaffPetitionController,
    "/{petition_id:uuid}/evidence",
    uploader=lambda request, _petition: request.user,
    added_by=ActorKind.staff,
    summary="Attach a file for the petition (raw body, streamed)",
    guards=[TRIAGE],
)
