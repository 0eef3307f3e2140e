"""Evidence of a supervision: uploads for a plan, a session or one log entry (raw body,
streamed, through the shared :func:`service.storage.http.receive_file`), presigned multipart
uploads for large recordings, and reading an item (each read logged in its chain of custody).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, TypedDict, Unpack

from litestar import post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_307_TEMPORARY_REDIRECT
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.http.params import DbSession, StaffRequest
from service.oversight.controllers.common import (
    STORE,
    Call,
    OversightController,
    route_of,
    text_param,
    validated,
)
from service.oversight.schemas import (
    CustodyRead,
    EvidenceItem,
    EvidenceMultipartComplete,
    EvidenceMultipartStart,
    EvidenceMultipartStarted,
)
from service.oversight.service import evidence as evidence_service
from service.settings import Settings
from service.storage.http import local_moment, part_plan, receive_file, uploaded_parts
from service.storage.store import ObjectStore

UPLOAD_DESCRIPTION = (
    "The file is the request body; its name from `?filename=` or Content-Disposition. "
    "413 above the size limit, 415 for a refused type."
)


def _as_stored(item: EvidenceItem) -> EvidenceItem:
    """The service already answers with the response body."""
    return item


@dataclass(frozen=True)
class Described:
    """What the uploader says about the file (query parameters), by the names of
    :func:`service.oversight.service.evidence.upload_evidence`'s parameters."""

    captured_at: datetime | None
    lat: float | None
    lon: float | None
    description: str | None


class AttachedTo(TypedDict, total=False):
    """What an upload is attached to: what the route's path names."""

    plan_id: uuid.UUID
    session_id: uuid.UUID
    log_entry_id: uuid.UUID


@dataclass(frozen=True)
class EvidenceUpload:
    """One upload as a route receives it: the request whose body is the file, what the
    uploader says about the file, and where it goes. The three upload routes differ only in
    what they attach it to."""

    request: StaffRequest
    db_session: AsyncSession
    settings: Settings
    object_store: ObjectStore
    filename: str | None
    described: Described

    async def attach(self, **attached_to: Unpack[AttachedTo]) -> EvidenceItem:
        """Store the file and attach it to what the route's path names."""
        save = partial(
            evidence_service.upload_evidence,
            self.db_session,
            self.object_store,
            actor=self.request.user,
            **asdict(self.described),
            **attached_to,
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
    described = Described(
        local_moment(captured_at, settings), lat, lon, text_param(description, "description")
    )
    return EvidenceUpload(request, db_session, settings, object_store, filename, described)


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
    # Storage's part plan, read by attribute into this API's own part schema.
    started = {"evidence": view, "upload_id": upload_id, **part_plan(data.size, urls)}
    return EvidenceMultipartStarted.model_validate(started, from_attributes=True)


class PlanEvidenceController(OversightController):
    path = "/oversight/plans"

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


class SessionEvidenceController(OversightController):
    path = "/oversight/sessions"

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


class EvidenceController(OversightController):
    path = "/oversight/evidence"


def _evidence_under(id_name: str) -> Callable[[Call], Awaitable[list[EvidenceItem]]]:
    """The evidence of the plan or session the path's ``id_name`` names."""

    async def list_evidence(call: Call) -> list[EvidenceItem]:
        return await evidence_service.list_evidence(call.session, call.viewer, **{id_name: call.id})

    return list_evidence


for _owner, _id_name, _summary in (
    (PlanEvidenceController, "plan_id", "Evidence of the plan, its sessions and entries"),
    (SessionEvidenceController, "session_id", "Evidence of the session and its entries"),
):
    route_of(_owner, f"/{{{_id_name}:uuid}}/evidence", _summary)(_evidence_under(_id_name))


@route_of(
    PlanEvidenceController,
    "/{plan_id:uuid}/evidence/multipart",
    "Start a presigned multipart upload (large recordings)",
    http_method="POST",
    body=EvidenceMultipartStart,
    extra=STORE,
    description="PUT each part to its URL, then POST /oversight/evidence/{id}/complete.",
)
async def start_multipart(call: Call) -> EvidenceMultipartStarted:
    return await start_upload(
        call.session, call.extra["object_store"], call.viewer, call.id, call.data
    )


@route_of(
    EvidenceController, "/{evidence_id:uuid}", "An evidence record (logged in the chain of custody)"
)
async def view(call: Call) -> EvidenceItem:
    return await evidence_service.view_evidence(call.session, call.id, call.viewer)


@route_of(
    EvidenceController,
    "/{evidence_id:uuid}/download",
    "Redirect to a short-lived download URL (logged in the chain of custody)",
    status_code=HTTP_307_TEMPORARY_REDIRECT,
    extra=STORE,
)
async def download(call: Call) -> Redirect:
    url = await evidence_service.evidence_download_url(
        call.session,
        call.extra["object_store"],
        call.id,
        call.viewer,
        ttl=call.settings.download_url_ttl_seconds,
    )
    return Redirect(url, status_code=HTTP_307_TEMPORARY_REDIRECT)


@route_of(EvidenceController, "/{evidence_id:uuid}/custody", "The chain of custody of one item")
async def custody(call: Call) -> list[CustodyRead]:
    entries = evidence_service.evidence_custody(call.session, call.id, call.viewer)
    return await validated(CustodyRead, entries)


@route_of(
    EvidenceController,
    "/{evidence_id:uuid}/complete",
    "Complete a multipart upload (checks size, SHA-256 and type)",
    http_method="POST",
    body=EvidenceMultipartComplete,
    status_code=HTTP_200_OK,
    extra=STORE,
)
async def complete(call: Call) -> EvidenceItem:
    parts = uploaded_parts(call.data.parts)
    store = call.extra["object_store"]
    return await evidence_service.complete_evidence_upload(
        call.session, store, call.id, parts, call.viewer
    )
