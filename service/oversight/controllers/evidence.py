"""Evidence of a supervision: uploads for a plan, a session or one log entry (raw body,
streamed, through the shared :func:`service.storage.http.receive_file`), presigned multipart
uploads for large recordings, and reading an item (each read logged in its chain of custody).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter, RequestBody
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_307_TEMPORARY_REDIRECT
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.oversight.controllers.common import GUARDS, TAGS, DbSession, StaffRequest, text_param
from service.oversight.schemas import (
    CustodyRead,
    EvidenceItem,
    EvidenceMultipartComplete,
    EvidenceMultipartStart,
    EvidenceMultipartStarted,
    PartTarget,
)
from service.oversight.service import evidence as evidence_service
from service.settings import Settings
from service.storage import service as storage
from service.storage.http import local_moment, receive_file, uploaded_parts
from service.storage.store import ObjectStore

UPLOAD_DESCRIPTION = (
    "The file is the request body; its name from `?filename=` or Content-Disposition. "
    "413 above the size limit, 415 for a refused type."
)


def _as_stored(item: EvidenceItem) -> EvidenceItem:
    """The service already answers with the response body."""
    return item


@dataclass(frozen=True)
class EvidenceUpload:
    """One upload as a route receives it: the request whose body is the file, what the
    uploader says about the file (query parameters), and where it goes. The three upload
    routes differ only in what they attach it to."""

    request: StaffRequest
    db_session: AsyncSession
    settings: Settings
    object_store: ObjectStore
    filename: str | None
    captured_at: datetime | None
    lat: float | None
    lon: float | None
    description: str | None

    async def attach(
        self,
        *,
        plan_id: uuid.UUID | None = None,
        session_id: uuid.UUID | None = None,
        log_entry_id: uuid.UUID | None = None,
    ) -> EvidenceItem:
        save = partial(
            evidence_service.upload_evidence,
            self.db_session,
            self.object_store,
            actor=self.request.user,
            captured_at=self.captured_at,
            lat=self.lat,
            lon=self.lon,
            description=self.description,
            plan_id=plan_id,
            session_id=session_id,
            log_entry_id=log_entry_id,
        )
        return await receive_file(
            self.request, self.settings, save, present=_as_stored, filename=self.filename
        )


async def _evidence_upload(
    request: StaffRequest,
    db_session: DbSession,
    settings: NamedDependency[Settings],
    object_store: NamedDependency[ObjectStore],
    filename: Annotated[str | None, QueryParameter(max_length=255)] = None,
    captured_at: Annotated[datetime | None, QueryParameter()] = None,
    lat: Annotated[float | None, QueryParameter(ge=-90, le=90)] = None,
    lon: Annotated[float | None, QueryParameter(ge=-180, le=180)] = None,
    description: Annotated[str | None, QueryParameter(max_length=1000)] = None,
) -> EvidenceUpload:
    return EvidenceUpload(
        request=request,
        db_session=db_session,
        settings=settings,
        object_store=object_store,
        filename=filename,
        captured_at=local_moment(captured_at, settings),
        lat=lat,
        lon=lon,
        description=text_param(description, "description"),
    )


UPLOAD = {"upload": Provide(_evidence_upload)}


async def start_upload(
    db_session: AsyncSession,
    object_store: ObjectStore,
    actor: StaffPrincipal,
    plan_id: uuid.UUID,
    data: EvidenceMultipartStart,
) -> EvidenceMultipartStarted:
    """Open a presigned multipart upload and say where each part goes (the API's route and
    the console's upload script answer the same)."""
    view, upload_id, urls = await evidence_service.start_evidence_upload(
        db_session, object_store, actor, plan_id, data
    )
    return EvidenceMultipartStarted(
        evidence=view,
        upload_id=upload_id,
        part_size=storage.plan_parts(data.size)[0],
        parts=[PartTarget.model_validate(url, from_attributes=True) for url in urls],
        expires_at=utcnow() + timedelta(seconds=storage.PART_URL_TTL_SECONDS),
    )


class PlanEvidenceController(Controller):
    path = "/oversight/plans"
    tags = TAGS
    guards = GUARDS

    @get("/{plan_id:uuid}/evidence", summary="Evidence of the plan, its sessions and entries")
    async def list_evidence(
        self, request: StaffRequest, plan_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> list[EvidenceItem]:
        return await evidence_service.list_evidence(db_session, request.user, plan_id=plan_id)

    @post(
        "/{plan_id:uuid}/evidence",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Upload evidence for the plan (raw body, streamed)",
        description=UPLOAD_DESCRIPTION,
        dependencies=UPLOAD,
    )
    async def upload_plan_evidence(
        self, plan_id: FromPath[uuid.UUID], upload: NamedDependency[EvidenceUpload]
    ) -> EvidenceItem:
        return await upload.attach(plan_id=plan_id)

    @post(
        "/{plan_id:uuid}/evidence/multipart",
        status_code=HTTP_201_CREATED,
        summary="Start a presigned multipart upload (large recordings)",
        description="PUT each part to its URL, then POST /oversight/evidence/{id}/complete.",
    )
    async def start_multipart(
        self,
        request: StaffRequest,
        plan_id: FromPath[uuid.UUID],
        data: RequestBody[EvidenceMultipartStart],
        db_session: DbSession,
        object_store: NamedDependency[ObjectStore],
    ) -> EvidenceMultipartStarted:
        return await start_upload(db_session, object_store, request.user, plan_id, data)


class SessionEvidenceController(Controller):
    path = "/oversight/sessions"
    tags = TAGS
    guards = GUARDS

    @get("/{session_id:uuid}/evidence", summary="Evidence of the session and its entries")
    async def list_evidence(
        self, request: StaffRequest, session_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> list[EvidenceItem]:
        return await evidence_service.list_evidence(db_session, request.user, session_id=session_id)

    @post(
        "/{session_id:uuid}/evidence",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Upload evidence for the session (raw body, streamed)",
        dependencies=UPLOAD,
    )
    async def upload_session_evidence(
        self, session_id: FromPath[uuid.UUID], upload: NamedDependency[EvidenceUpload]
    ) -> EvidenceItem:
        return await upload.attach(session_id=session_id)

    @post(
        "/{session_id:uuid}/log/{entry_id:uuid}/evidence",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Upload evidence for one log entry (raw body, streamed)",
        dependencies=UPLOAD,
    )
    async def upload_entry_evidence(
        self,
        session_id: FromPath[uuid.UUID],
        entry_id: FromPath[uuid.UUID],
        upload: NamedDependency[EvidenceUpload],
    ) -> EvidenceItem:
        return await upload.attach(session_id=session_id, log_entry_id=entry_id)


class EvidenceController(Controller):
    path = "/oversight/evidence"
    tags = TAGS
    guards = GUARDS

    @get("/{evidence_id:uuid}", summary="An evidence record (logged in the chain of custody)")
    async def view(
        self, request: StaffRequest, evidence_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> EvidenceItem:
        return await evidence_service.view_evidence(db_session, evidence_id, request.user)

    @get(
        "/{evidence_id:uuid}/download",
        status_code=HTTP_307_TEMPORARY_REDIRECT,
        summary="Redirect to a short-lived download URL (logged in the chain of custody)",
    )
    async def download(
        self,
        request: StaffRequest,
        evidence_id: FromPath[uuid.UUID],
        db_session: DbSession,
        settings: NamedDependency[Settings],
        object_store: NamedDependency[ObjectStore],
    ) -> Redirect:
        url = await evidence_service.evidence_download_url(
            db_session,
            object_store,
            evidence_id,
            request.user,
            ttl=settings.download_url_ttl_seconds,
        )
        return Redirect(url, status_code=HTTP_307_TEMPORARY_REDIRECT)

    @get("/{evidence_id:uuid}/custody", summary="The chain of custody of one item")
    async def custody(
        self, request: StaffRequest, evidence_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> list[CustodyRead]:
        entries = await evidence_service.evidence_custody(db_session, evidence_id, request.user)
        return [CustodyRead.model_validate(e) for e in entries]

    @post(
        "/{evidence_id:uuid}/complete",
        status_code=HTTP_200_OK,
        summary="Complete a multipart upload (checks size, SHA-256 and type)",
    )
    async def complete(
        self,
        request: StaffRequest,
        evidence_id: FromPath[uuid.UUID],
        data: RequestBody[EvidenceMultipartComplete],
        db_session: DbSession,
        object_store: NamedDependency[ObjectStore],
    ) -> EvidenceItem:
        return await evidence_service.complete_evidence_upload(
            db_session, object_store, evidence_id, uploaded_parts(data.parts), request.user
        )
