"""``/petitions...`` for staff: the list, the dashboard, one petition and its history,
contact details, duplicates, the notification log, files, and the merge of a duplicate.

Everything is scoped to the caller's area (another ward's petition is 404). The triage
actions that answer with the petition itself are declared in :mod:`.triage`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter, RequestBody
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_307_TEMPORARY_REDIRECT
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.principals import StaffPrincipal
from service.http import cursor as cursor_codec
from service.http.preconditions import IfMatch, require_version, with_etag
from service.petitions import citizen, duplicates, views
from service.petitions.controllers.triage import IF_MATCH_MISSING, IF_MATCH_STALE, TRIAGE
from service.petitions.models import ActorKind, Channel, Petition, PetitionKind, PetitionStatus
from service.petitions.repository import MAX_PAGE
from service.petitions.schemas import (
    CitizenEvidence,
    Dashboard,
    DeliveryView,
    DuplicateCandidate,
    HistoryEntry,
    MergeRequest,
    PetitionDetail,
    PetitionerView,
    PetitionPage,
)
from service.petitions.service import get_for_staff, load_for_triage
from service.readonly import ReadSession
from service.replies.schemas import RevealRequest
from service.settings import Settings
from service.storage.http import receive_file
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


class StaffPetitionController(Controller):
    path = "/petitions"
    tags = ["petitions"]
    dependencies = {"petition": Provide(_visible_petition)}

    @get("/", guards=[ANY_STAFF], summary="List and search petitions (keyset pagination)")
    async def list_petitions(
        self,
        request: Request[StaffPrincipal, Any, Any],
        read_session: ReadSession,
        settings: NamedDependency[Settings],
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
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=cursor_codec.MAX_LENGTH)] = None,
    ) -> PetitionPage:
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
        return await views.petition_page(
            read_session, settings, request.user, filters, sort=sort, limit=limit, cursor=cursor
        )

    @get("/dashboard", guards=[ANY_STAFF], summary="Counts by status, kind, category, unit...")
    async def dashboard(
        self,
        request: Request[StaffPrincipal, Any, Any],
        read_session: ReadSession,
        kind: FromQuery[PetitionKind | None] = None,
        category: Annotated[str | None, QueryParameter(max_length=64)] = None,
        unit_code: Annotated[str | None, QueryParameter(max_length=16)] = None,
        created_from: FromQuery[datetime | None] = None,
        created_to: FromQuery[datetime | None] = None,
    ) -> Dashboard:
        filters = views.PetitionFilter(
            kind=kind,
            category=category,
            unit_code=unit_code,
            created_from=created_from,
            created_to=created_to,
        )
        return await views.dashboard(read_session, request.user, filters)

    @get("/{petition_id:uuid}", guards=[ANY_STAFF], summary="One petition (ETag for If-Match)")
    async def get_petition(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition: VisiblePetition,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[PetitionDetail]:
        detail = await views.detail(db_session, settings, petition, request.user)
        return with_etag(detail, petition.version)

    @get("/{petition_id:uuid}/history", guards=[ANY_STAFF], summary="The full history")
    async def get_history(
        self,
        petition: VisiblePetition,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> list[HistoryEntry]:
        return await views.history_entries(db_session, settings, petition)

    @get(
        "/{petition_id:uuid}/petitioner",
        guards=[TRIAGE],
        summary="The petitioner's contact details (never a denouncer's: see .../reveal)",
    )
    async def get_petitioner(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition: VisiblePetition,
        db_session: NamedDependency[AsyncSession],
    ) -> PetitionerView:
        return await views.contact_details(db_session, petition, request.user)

    @post(
        "/{petition_id:uuid}/petitioner/reveal",
        guards=[TRIAGE],
        status_code=HTTP_200_OK,
        summary="Reveal the petitioner's identity, with a reason (audited: who, when, why)",
        description=(
            "A denouncer's identity (Law 25/2018 Art. 9, 47) is shown only here, to the Front "
            "officers of the petition's ward or of the city; each reveal is audited with the "
            "officer, the time and the reason."
        ),
    )
    async def reveal_petitioner(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition: VisiblePetition,
        data: RequestBody[RevealRequest],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> PetitionerView:
        return await views.reveal_identity(
            db_session, settings, petition, request.user, data.reason
        )

    @get(
        "/{petition_id:uuid}/duplicates",
        guards=[TRIAGE],
        summary="Likely duplicates, computed now (and stored)",
    )
    async def get_duplicates(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition: VisiblePetition,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> list[DuplicateCandidate]:
        return await views.duplicate_candidates(db_session, settings, petition, request.user)

    @get(
        "/{petition_id:uuid}/notifications",
        guards=[TRIAGE],
        summary="The delivery log of the citizen's notifications",
    )
    async def get_notifications(
        self,
        petition: VisiblePetition,
        db_session: NamedDependency[AsyncSession],
    ) -> list[DeliveryView]:
        return await views.deliveries(db_session, petition)

    @post("/{petition_id:uuid}/merge", guards=[TRIAGE], status_code=HTTP_200_OK)
    async def merge(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: FromPath[uuid.UUID],
        data: RequestBody[MergeRequest],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        if_match: NamedDependency[IfMatch | None],  # type: ignore[misc]
    ) -> Response[PetitionDetail]:
        """Merge this petition (the duplicate) into ``lead_id``; returns the lead."""
        # The steps of a generated action (see .triage), but the answer is the lead's.
        petition = await load_for_triage(db_session, petition_id, request.user)
        require_version(if_match, petition.version, missing=IF_MATCH_MISSING, stale=IF_MATCH_STALE)
        lead = await duplicates.merge(
            db_session, petition, data.lead_id, request.user, reason=data.reason
        )
        detail = await views.detail(db_session, settings, lead, request.user)
        return with_etag(detail, lead.version)

    @post(
        "/{petition_id:uuid}/evidence",
        guards=[TRIAGE],
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Attach a file for the petition (raw body, streamed)",
    )
    async def add_evidence(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition: VisiblePetition,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        object_store: NamedDependency[ObjectStore],
        filename: Annotated[str | None, QueryParameter(max_length=255)] = None,
    ) -> CitizenEvidence:
        save = partial(
            citizen.attach_evidence,
            db_session,
            object_store,
            petition,
            uploader=request.user,
            added_by=ActorKind.staff,
        )
        return await receive_file(
            request, settings, save, present=views.uploaded, filename=filename
        )

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
