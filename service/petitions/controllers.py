"""Petition routes: intake by API clients, tracking by citizens, triage and views by staff.

- ``POST /petitions`` (API key with ``petitions:write``, ``Idempotency-Key`` header).
- ``/track/{code}...`` (no account: the tracking secret in ``X-Tracking-Secret``; failures
  rate-limited per IP and per code; unknown code and wrong secret are the same 404).
- ``/petitions...`` for staff, scoped to their area (other wards' petitions are 404).
  Changes need ``If-Match`` with the ETag of the detail (428 without, 412 when stale).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import Body, HeaderParameter, Parameter, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_307_TEMPORARY_REDIRECT
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import api_client, staff
from service.auth.models import Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.errors import Forbidden, NotFound
from service.i18n import msg
from service.petitions import (
    access,
    citizen,
    duplicates,
    examples,
    idempotency,
    intake,
    ratelimit,
    repository,
    triage,
    views,
)
from service.petitions.models import (
    ActorKind,
    Channel,
    PetitionKind,
    PetitionStatus,
)
from service.petitions.schemas import (
    AdditionalInformation,
    CitizenEvidence,
    ClarificationAnswer,
    ConsentUpdate,
    CountRow,
    Dashboard,
    DeliveryView,
    DuplicateCandidate,
    HistoryEntry,
    MergeRequest,
    PetitionCreate,
    PetitionCreated,
    PetitionDetail,
    PetitionerView,
    PetitionPage,
    RatingRequest,
    ReasonRequest,
    Reclassify,
    ReferRequest,
    RejectRequest,
    RequestInfo,
    TrackingView,
    WithdrawRequest,
)
from service.petitions.service import get_for_change, get_for_staff, get_petition
from service.ratelimit import client_address, counters_of
from service.replies.schemas import RevealRequest
from service.settings import Settings
from service.storage.http import (
    request_chunks,
    size_hint,
)
from service.storage.service import download_url, get_evidence
from service.storage.store import ObjectStore

SECRET_HEADER = "X-Tracking-Secret"
IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", required=False)]
ANY_STAFF = staff()
TRIAGE = staff(Role.front_officer)


def _with_etag(detail: PetitionDetail, status_code: int = HTTP_200_OK) -> Response[PetitionDetail]:
    return Response(detail, status_code=status_code, headers={"ETag": f'"{detail.version}"'})


# -- intake (API clients) -------------------------------------------------------------------


class IntakeController(Controller):
    path = "/petitions"
    tags = ["petitions"]

    @post(
        "/",
        guards=[api_client("petitions:write")],
        status_code=HTTP_201_CREATED,
        summary="File a petition (API clients; Idempotency-Key required)",
        description=(
            "The same Idempotency-Key with the same body returns the stored response (no "
            "second petition, header Idempotent-Replayed: true); with another body, 422. "
            "The response carries the tracking code and the tracking secret (shown once). "
            "The client's webhook is told `petition.received`, then each change (see "
            "`webhooks`)."
        ),
        responses={HTTP_201_CREATED: examples.FILED_RESPONSE},
    )
    async def file(
        self,
        request: Request[ClientPrincipal, Any, Any],
        data: Annotated[
            PetitionCreate, Body(examples=[examples.FILE_FEEDBACK, examples.FILE_COMPLAINT])
        ],
        db_session: AsyncSession,
        settings: Settings,
        idempotency_key: str = Parameter(header=idempotency.HEADER, min_length=1, max_length=200),
    ) -> Response[PetitionCreated]:
        client = request.user

        async def create() -> tuple[int, dict[str, Any], uuid.UUID | None]:
            petition, secret = await intake.file_petition(db_session, settings, client, data)
            body = intake.created_response(settings, petition, secret)
            return HTTP_201_CREATED, body, petition.id

        stored = await idempotency.run_once(
            db_session,
            settings,
            client_id=client.client_id,
            key=idempotency_key,
            endpoint="POST /api/v1/petitions",
            body=data.model_dump(mode="json"),
            create=create,
        )
        headers = {"Location": str(stored.body.get("track_url", ""))}
        if stored.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(
            PetitionCreated.model_validate(stored.body), status_code=stored.status, headers=headers
        )


# -- citizen tracking -----------------------------------------------------------------------


async def _citizen_petition(
    request: Request[Any, Any, Any], db_session: AsyncSession, code: str, secret: str | None
) -> Any:
    """The petition if the secret is right (always, whatever the counters); failures count."""
    normalised = code.strip().upper()
    try:
        return await citizen.find_for_citizen(db_session, normalised, secret)
    except NotFound:
        await ratelimit.record_failure(counters_of(request), client_address(request), normalised)
        raise


TrackingSecret = Annotated[str | None, HeaderParameter(name=SECRET_HEADER, required=False)]


class TrackingController(Controller):
    path = "/track/{code:str}"
    tags = ["tracking"]
    # An unknown code and a wrong secret are both 404; repeated failures are 429.
    opt = {"problems": (404, 429)}

    @get(
        "/",
        exclude_from_auth=True,
        summary="Follow a petition with its tracking code and secret",
        responses={HTTP_200_OK: examples.TRACKING_RESPONSE},
    )
    async def track(
        self,
        request: Request[Any, Any, Any],
        code: str,
        db_session: AsyncSession,
        secret: TrackingSecret = None,
    ) -> TrackingView:
        petition = await _citizen_petition(request, db_session, code, secret)
        return await citizen.tracking_view(db_session, petition)

    @post(
        "/clarifications/{clarification_id:uuid}/answer",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        summary="Answer the Front's question",
        responses={HTTP_200_OK: examples.TRACKING_RESPONSE},
    )
    async def answer(
        self,
        request: Request[Any, Any, Any],
        code: str,
        clarification_id: uuid.UUID,
        data: Annotated[ClarificationAnswer, Body(examples=[examples.ANSWER_QUESTION])],
        db_session: AsyncSession,
        secret: TrackingSecret = None,
    ) -> TrackingView:
        petition = await _citizen_petition(request, db_session, code, secret)
        await citizen.answer_clarification(db_session, petition, clarification_id, data.answer)
        return await citizen.tracking_view(db_session, petition)

    @post(
        "/information",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        summary="Add information to an open petition",
    )
    async def add_information(
        self,
        request: Request[Any, Any, Any],
        code: str,
        data: AdditionalInformation,
        db_session: AsyncSession,
        secret: TrackingSecret = None,
    ) -> TrackingView:
        petition = await _citizen_petition(request, db_session, code, secret)
        await citizen.add_information(db_session, petition, data.text)
        return await citizen.tracking_view(db_session, petition)

    @post(
        "/evidence",
        exclude_from_auth=True,
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Attach a file (raw body, streamed; at most 20 per petition)",
        responses={HTTP_201_CREATED: examples.UPLOADED_RESPONSE},
    )
    async def add_evidence(
        self,
        request: Request[Any, Any, Any],
        code: str,
        db_session: AsyncSession,
        settings: Settings,
        object_store: ObjectStore,
        filename: str | None = Parameter(default=None, max_length=255),
        secret: TrackingSecret = None,
    ) -> CitizenEvidence:
        petition = await _citizen_petition(request, db_session, code, secret)
        evidence = await citizen.attach_evidence(
            db_session,
            object_store,
            petition,
            request_chunks(request),
            filename=filename,
            max_bytes=settings.max_upload_bytes,
            size_hint=size_hint(request),
            uploader=citizen.citizen_principal(petition),
            added_by=ActorKind.citizen,
        )
        return CitizenEvidence(
            id=evidence.id,
            name=evidence.original_name,
            content_type=evidence.content_type,
            size_bytes=evidence.size_bytes,
            sha256=evidence.sha256,
            uploaded_at=evidence.uploaded_at,
        )

    @post("/withdraw", exclude_from_auth=True, status_code=HTTP_200_OK, summary="Withdraw")
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        code: str,
        data: WithdrawRequest,
        db_session: AsyncSession,
        secret: TrackingSecret = None,
    ) -> TrackingView:
        petition = await _citizen_petition(request, db_session, code, secret)
        await citizen.withdraw(db_session, petition, data.reason)
        return await citizen.tracking_view(db_session, petition)

    @post(
        "/rating",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        summary="Rate the published answer",
        responses={HTTP_200_OK: examples.TRACKING_RESPONSE},
    )
    async def rate(
        self,
        request: Request[Any, Any, Any],
        code: str,
        data: Annotated[RatingRequest, Body(examples=[examples.RATE, examples.RATE_DISPUTED])],
        db_session: AsyncSession,
        secret: TrackingSecret = None,
    ) -> TrackingView:
        petition = await _citizen_petition(request, db_session, code, secret)
        await citizen.rate(db_session, petition, data.satisfied, data.comment)
        return await citizen.tracking_view(db_session, petition)

    @post(
        "/consent",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        summary="Give or withdraw consent to publish",
    )
    async def consent(
        self,
        request: Request[Any, Any, Any],
        code: str,
        data: ConsentUpdate,
        db_session: AsyncSession,
        secret: TrackingSecret = None,
    ) -> TrackingView:
        petition = await _citizen_petition(request, db_session, code, secret)
        await citizen.set_publish_consent(db_session, petition, data.consent_to_publish)
        return await citizen.tracking_view(db_session, petition)


# -- staff ----------------------------------------------------------------------------------


def _filters(
    status: list[PetitionStatus] | None,
    kind: PetitionKind | None,
    category: str | None,
    unit_code: str | None,
    agency_id: uuid.UUID | None,
    channel: Channel | None,
    overdue: bool | None,
    open_only: bool,
    due_before: datetime | None,
    due_after: datetime | None,
    created_from: datetime | None,
    created_to: datetime | None,
    q: str | None,
) -> repository.PetitionFilter:
    return repository.PetitionFilter(
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


class StaffPetitionController(Controller):
    path = "/petitions"
    tags = ["petitions"]

    @get("/", guards=[ANY_STAFF], summary="List and search petitions (keyset pagination)")
    async def list_petitions(
        self,
        request: Request[StaffPrincipal, Any, Any],
        db_session: AsyncSession,
        settings: Settings,
        status: list[PetitionStatus] | None = Parameter(default=None),
        kind: PetitionKind | None = None,
        category: str | None = Parameter(default=None, max_length=64),
        unit_code: str | None = Parameter(default=None, max_length=16),
        agency_id: uuid.UUID | None = None,
        channel: Channel | None = None,
        overdue: bool | None = None,
        open_only: Annotated[bool, QueryParameter(name="open")] = False,
        due_before: datetime | None = None,
        due_after: datetime | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        q: str | None = Parameter(default=None, max_length=200),
        sort: repository.SortOrder = repository.SortOrder.newest,
        limit: int = Parameter(default=50, ge=1, le=repository.MAX_PAGE),
        cursor: str | None = Parameter(default=None, max_length=500),
    ) -> PetitionPage:
        filters = _filters(
            status,
            kind,
            category,
            unit_code,
            agency_id,
            channel,
            overdue,
            open_only,
            due_before,
            due_after,
            created_from,
            created_to,
            q,
        )
        rows, next_cursor = await repository.list_petitions(
            db_session, request.user, filters, sort=sort, limit=limit, cursor=cursor
        )
        return PetitionPage(
            items=await views.summaries(db_session, settings, rows), next_cursor=next_cursor
        )

    @get("/dashboard", guards=[ANY_STAFF], summary="Counts by status, kind, category, unit...")
    async def dashboard(
        self,
        request: Request[StaffPrincipal, Any, Any],
        db_session: AsyncSession,
        kind: PetitionKind | None = None,
        category: str | None = Parameter(default=None, max_length=64),
        unit_code: str | None = Parameter(default=None, max_length=16),
        created_from: datetime | None = None,
        created_to: datetime | None = None,
    ) -> Dashboard:
        filters = repository.PetitionFilter(
            kind=kind,
            category=category,
            unit_code=unit_code,
            created_from=created_from,
            created_to=created_to,
        )
        counts = await repository.dashboard(db_session, request.user, filters)

        def rows(values: dict[str | None, int]) -> list[CountRow]:
            ordered = sorted(values.items(), key=lambda item: (-item[1], str(item[0])))
            return [CountRow(key=key, count=count) for key, count in ordered]

        return Dashboard(
            total=counts.total,
            by_status=rows(counts.by_status),
            by_kind=rows(counts.by_kind),
            by_category=rows(counts.by_category),
            by_unit=rows(counts.by_unit),
            by_agency=rows(counts.by_agency),
            overdue_now=counts.overdue_now,
            due_soon_now=counts.due_soon_now,
            routed=counts.routed,
            routed_on_time=counts.routed_on_time,
            on_time_rate=counts.on_time_rate,
        )

    @get("/{petition_id:uuid}", guards=[ANY_STAFF], summary="One petition (ETag for If-Match)")
    async def get_petition(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
    ) -> Response[PetitionDetail]:
        petition = await get_for_staff(db_session, petition_id, request.user)
        return _with_etag(await views.detail(db_session, settings, petition, request.user))

    @get("/{petition_id:uuid}/history", guards=[ANY_STAFF], summary="The full history")
    async def get_history(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
    ) -> list[HistoryEntry]:
        petition = await get_for_staff(db_session, petition_id, request.user)
        return await views.history_entries(db_session, settings, petition)

    @get(
        "/{petition_id:uuid}/petitioner",
        guards=[TRIAGE],
        summary="The petitioner's contact details (never a denouncer's: see .../reveal)",
    )
    async def get_petitioner(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> PetitionerView:
        petition = await get_for_staff(db_session, petition_id, request.user)
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
        petition_id: uuid.UUID,
        data: RevealRequest,
        db_session: AsyncSession,
        settings: Settings,
    ) -> PetitionerView:
        petition = await get_for_staff(db_session, petition_id, request.user)
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
        petition_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
    ) -> list[DuplicateCandidate]:
        petition = await get_for_staff(db_session, petition_id, request.user)
        found = await duplicates.suggest_on_demand(db_session, petition, request.user)
        rows = await views.summaries(db_session, settings, [c.petition for c in found])
        return [
            DuplicateCandidate(petition=row, score=c.score, distance_m=c.distance_m)
            for c, row in zip(found, rows, strict=True)
        ]

    @get(
        "/{petition_id:uuid}/notifications",
        guards=[TRIAGE],
        summary="The delivery log of the citizen's notifications",
    )
    async def get_notifications(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> list[DeliveryView]:
        petition = await get_for_staff(db_session, petition_id, request.user)
        rows = await repository.deliveries_of(db_session, petition.id)
        return [DeliveryView.model_validate(r) for r in rows]

    async def _after(
        self,
        db_session: AsyncSession,
        petition_id: uuid.UUID,
        viewer: StaffPrincipal,
        settings: Settings,
    ) -> Response[PetitionDetail]:
        """The petition as it is now (even if a reclassification moved it out of the
        officer's ward: they just made that change)."""
        petition = await get_petition(db_session, petition_id)
        return _with_etag(await views.detail(db_session, settings, petition, viewer))

    @post("/{petition_id:uuid}/request-info", guards=[TRIAGE], status_code=HTTP_200_OK)
    async def request_info(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: uuid.UUID,
        data: RequestInfo,
        db_session: AsyncSession,
        settings: Settings,
        if_match: IfMatch = None,
    ) -> Response[PetitionDetail]:
        """Ask the citizen a question; the routing clock pauses."""
        petition = await get_for_change(db_session, petition_id, request.user, if_match)
        await triage.request_info(db_session, petition, request.user, data.question)
        return await self._after(db_session, petition_id, request.user, settings)

    @post("/{petition_id:uuid}/resume", guards=[TRIAGE], status_code=HTTP_200_OK)
    async def resume(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: uuid.UUID,
        data: ReasonRequest,
        db_session: AsyncSession,
        settings: Settings,
        if_match: IfMatch = None,
    ) -> Response[PetitionDetail]:
        """Stop waiting for the citizen; the routing clock resumes."""
        petition = await get_for_change(db_session, petition_id, request.user, if_match)
        await triage.resume(db_session, petition, request.user, data.reason)
        return await self._after(db_session, petition_id, request.user, settings)

    @post("/{petition_id:uuid}/accept", guards=[TRIAGE], status_code=HTTP_200_OK)
    async def accept(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: uuid.UUID,
        data: ReasonRequest,
        db_session: AsyncSession,
        settings: Settings,
        if_match: IfMatch = None,
    ) -> Response[PetitionDetail]:
        petition = await get_for_change(db_session, petition_id, request.user, if_match)
        await triage.accept(db_session, petition, request.user, data.reason)
        return await self._after(db_session, petition_id, request.user, settings)

    @post("/{petition_id:uuid}/reject", guards=[TRIAGE], status_code=HTTP_200_OK)
    async def reject(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: uuid.UUID,
        data: RejectRequest,
        db_session: AsyncSession,
        settings: Settings,
        if_match: IfMatch = None,
    ) -> Response[PetitionDetail]:
        petition = await get_for_change(db_session, petition_id, request.user, if_match)
        await triage.reject(db_session, petition, request.user, data)
        return await self._after(db_session, petition_id, request.user, settings)

    @post("/{petition_id:uuid}/refer", guards=[TRIAGE], status_code=HTTP_200_OK)
    async def refer(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: uuid.UUID,
        data: ReferRequest,
        db_session: AsyncSession,
        settings: Settings,
        if_match: IfMatch = None,
    ) -> Response[PetitionDetail]:
        """Route to the suggested agency (no agency_id) or another one (with a reason)."""
        petition = await get_for_change(db_session, petition_id, request.user, if_match)
        await triage.refer(
            db_session,
            settings,
            petition,
            request.user,
            agency_id=data.agency_id,
            reason=data.reason,
            note=data.note,
        )
        return await self._after(db_session, petition_id, request.user, settings)

    @post("/{petition_id:uuid}/merge", guards=[TRIAGE], status_code=HTTP_200_OK)
    async def merge(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: uuid.UUID,
        data: MergeRequest,
        db_session: AsyncSession,
        settings: Settings,
        if_match: IfMatch = None,
    ) -> Response[PetitionDetail]:
        """Merge this petition (the duplicate) into ``lead_id``; returns the lead."""
        petition = await get_for_change(db_session, petition_id, request.user, if_match)
        lead = await duplicates.merge(
            db_session, petition, data.lead_id, request.user, reason=data.reason
        )
        return await self._after(db_session, lead.id, request.user, settings)

    @patch("/{petition_id:uuid}", guards=[TRIAGE], summary="Correct kind/category/unit/urgency")
    async def reclassify(
        self,
        request: Request[StaffPrincipal, Any, Any],
        petition_id: uuid.UUID,
        data: Reclassify,
        db_session: AsyncSession,
        settings: Settings,
        if_match: IfMatch = None,
    ) -> Response[PetitionDetail]:
        petition = await get_for_change(db_session, petition_id, request.user, if_match)
        await triage.reclassify(db_session, settings, petition, request.user, data)
        return await self._after(db_session, petition_id, request.user, settings)

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
        petition_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
        object_store: ObjectStore,
        filename: str | None = Parameter(default=None, max_length=255),
    ) -> CitizenEvidence:
        petition = await get_for_staff(db_session, petition_id, request.user)
        evidence = await citizen.attach_evidence(
            db_session,
            object_store,
            petition,
            request_chunks(request),
            filename=filename,
            max_bytes=settings.max_upload_bytes,
            size_hint=size_hint(request),
            uploader=request.user,
            added_by=ActorKind.staff,
        )
        return CitizenEvidence(
            id=evidence.id,
            name=evidence.original_name,
            content_type=evidence.content_type,
            size_bytes=evidence.size_bytes,
            sha256=evidence.sha256,
            uploaded_at=evidence.uploaded_at,
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
        petition_id: uuid.UUID,
        evidence_id: uuid.UUID,
        db_session: AsyncSession,
        object_store: ObjectStore,
    ) -> Redirect:
        petition = await get_for_staff(db_session, petition_id, request.user)
        if request.user.role is Role.council_reader:
            raise Forbidden(msg("council_no_evidence"))
        if not access.may_download_evidence(request.user, petition):
            raise Forbidden(msg("denunciation_files_restricted"))
        link = await repository.evidence_link(db_session, petition.id, evidence_id)
        if link is None:
            raise NotFound(msg("petition_file_not_found"))
        evidence = await get_evidence(db_session, evidence_id)
        url = await download_url(db_session, object_store, evidence, request.user)
        return Redirect(path=url, status_code=HTTP_307_TEMPORARY_REDIRECT)


controllers = [IntakeController, TrackingController, StaffPetitionController]
