"""The generic evidence API (staff) and the signed local-object routes.

Domains add their own "attach evidence to X" routes that authorise against X and call
``service.storage.service``; these routes are the platform-level ones.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_307_TEMPORARY_REDIRECT
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import admin_only, staff
from service.auth.principals import StaffPrincipal
from service.errors import Forbidden, NotFound
from service.http.declared import Call, route_of
from service.i18n import Message, msg
from service.settings import Settings
from service.storage import service
from service.storage.http import (
    filename_from_disposition,
    part_plan,
    request_chunks,
    size_hint,
    uploaded_parts,
)
from service.storage.keys import content_disposition, is_valid_key
from service.storage.local import LocalObjectStore, SignatureInvalid
from service.storage.models import Evidence
from service.storage.schemas import (
    CustodyEntryRead,
    EvidenceRead,
    MultipartComplete,
    MultipartStart,
    MultipartStarted,
    WithdrawRequest,
)
from service.storage.store import MAX_PARTS, ObjectNotFound, ObjectStore


def _aware(moment: datetime | None, settings: Settings) -> datetime | None:
    """Times without a zone are Vietnamese local time (the edges speak Asia/Ho_Chi_Minh)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(settings.timezone))


async def _visible_evidence(
    request: Request[StaffPrincipal, Any, Any],
    evidence_id: FromPath[uuid.UUID],
    db_session: NamedDependency[AsyncSession],
) -> Evidence:
    """The ``evidence`` of the reads: the one in the path, if the caller may see it (404
    otherwise, as for evidence that does not exist)."""
    return await service.get_visible_evidence(db_session, evidence_id, request.user)


class EvidenceController(Controller):
    path = "/evidence"
    tags = ["evidence"]
    guards = [staff()]
    dependencies = {"evidence": Provide(_visible_evidence)}

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Upload a file (raw request body, streamed)",
        description=(
            "Send the file itself as the request body (any Content-Type). The name comes "
            "from `?filename=` or the Content-Disposition header. The real type is read from "
            "the bytes: 415 if it is not an accepted image, PDF, office document, audio or "
            "video; 413 above the size limit."
        ),
    )
    async def upload(
        self,
        request: Request[StaffPrincipal, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        object_store: NamedDependency[ObjectStore],
        filename: Annotated[str | None, QueryParameter(max_length=255)] = None,
        captured_at: FromQuery[datetime | None] = None,
        lat: Annotated[float | None, QueryParameter(ge=-90, le=90)] = None,
        lon: Annotated[float | None, QueryParameter(ge=-180, le=180)] = None,
    ) -> EvidenceRead:
        name = filename or filename_from_disposition(request.headers.get("content-disposition"))
        evidence = await service.create_evidence_from_stream(
            db_session,
            object_store,
            request_chunks(request),
            filename=name,
            uploader=request.user,
            max_bytes=settings.max_upload_bytes,
            captured_at=_aware(captured_at, settings),
            lat=lat,
            lon=lon,
            size_hint=size_hint(request),
        )
        return EvidenceRead.model_validate(evidence)


STORE: dict[str, Any] = {"object_store": NamedDependency[ObjectStore]}
EVIDENCE = "/{evidence_id:uuid}"


@route_of(
    EvidenceController,
    "/multipart",
    "Start a multipart upload",
    http_method="POST",
    body=MultipartStart,
    extra=STORE,
)
async def start_multipart(call: Call) -> MultipartStarted:
    evidence, upload_id, urls = await service.start_announced_multipart(
        call.session, call.extra["object_store"], call.data, call.viewer
    )
    return MultipartStarted(
        evidence=EvidenceRead.model_validate(evidence),
        upload_id=upload_id,
        **part_plan(call.data.size, urls),
    )


@route_of(
    EvidenceController,
    f"{EVIDENCE}/complete",
    "Complete a multipart upload (verifies size, SHA-256 and type)",
    http_method="POST",
    body=MultipartComplete,
    status_code=HTTP_200_OK,
    extra=STORE,
)
async def complete_multipart(call: Call) -> EvidenceRead:
    evidence = await service.complete_multipart(
        call.session,
        call.extra["object_store"],
        call.id,
        uploaded_parts(call.data.parts),
        call.viewer,
    )
    return EvidenceRead.model_validate(evidence)


@route_of(
    EvidenceController,
    EVIDENCE,
    "Evidence metadata (logged as a view)",
    extra={"evidence": NamedDependency[Evidence]},
)
async def get_evidence(call: Call) -> EvidenceRead:
    evidence = call.extra["evidence"]
    await service.record_view(call.session, evidence, call.viewer)
    return EvidenceRead.model_validate(evidence)


@route_of(
    EvidenceController,
    f"{EVIDENCE}/download",
    "Redirect to a short-lived download URL (logged as a download)",
    status_code=HTTP_307_TEMPORARY_REDIRECT,
    extra={"evidence": NamedDependency[Evidence], **STORE},
)
async def download(call: Call) -> Redirect:
    url = await service.download_url(
        call.session,
        call.extra["object_store"],
        call.extra["evidence"],
        call.viewer,
        ttl=call.settings.download_url_ttl_seconds,
    )
    return Redirect(url, status_code=HTTP_307_TEMPORARY_REDIRECT)


@route_of(
    EvidenceController,
    f"{EVIDENCE}/custody",
    "The chain of custody: every upload, view, download and withdrawal",
    guards=[admin_only],
)
async def custody(call: Call) -> list[CustodyEntryRead]:
    entries = await service.custody_log(call.session, call.id)
    return [CustodyEntryRead.model_validate(entry) for entry in entries]


@route_of(
    EvidenceController,
    f"{EVIDENCE}/withdraw",
    "Withdraw evidence (admin; the file and its record are kept)",
    http_method="POST",
    body=WithdrawRequest,
    status_code=HTTP_200_OK,
    guards=[admin_only],
)
async def withdraw(call: Call) -> EvidenceRead:
    evidence = await service.withdraw(call.session, call.id, call.viewer, call.data.reason)
    return EvidenceRead.model_validate(evidence)


def _local(store: ObjectStore) -> LocalObjectStore:
    """The local store behind a signed URL (404 with S3, which serves its own)."""
    if not isinstance(store, LocalObjectStore):
        raise NotFound(msg("objects_in_s3"))
    return store


@contextmanager
def _signed_access(not_found: Message) -> Iterator[None]:
    """What a signed URL may meet: a bad or expired signature (403) or nothing there (404,
    with ``not_found``)."""
    try:
        yield
    except SignatureInvalid as exc:
        raise Forbidden(exc.message) from exc
    except ObjectNotFound as exc:
        raise NotFound(not_found) from exc


class ObjectController(Controller):
    """What S3 would serve, for the local backend: signed downloads and part uploads."""

    path = "/objects"
    tags = ["objects"]
    # Unsigned, expired or tampered URLs are 403; a missing object or upload is 404.
    opt = {"problems": (403, 404)}

    @get(
        "/{key:path}",
        exclude_from_auth=True,
        summary="Download an object through a signed URL (local storage backend)",
        responses={
            HTTP_200_OK: ResponseSpec(
                data_container=bytes,
                media_type="*/*",
                description="The object, with the type and file name it was signed for.",
            )
        },
    )
    async def download(
        self,
        key: FromPath[str],
        object_store: NamedDependency[ObjectStore],
        expires: FromQuery[int | None] = None,
        signature: Annotated[str | None, QueryParameter(max_length=128)] = None,
        filename: Annotated[str | None, QueryParameter(max_length=255)] = None,
        content_type: Annotated[str | None, QueryParameter(max_length=127)] = None,
    ) -> Stream:
        store = _local(object_store)
        key = key.lstrip("/")
        if expires is None or not signature or not filename or not content_type:
            raise Forbidden(msg("url_not_signed"))
        if not is_valid_key(key):
            raise NotFound(msg("object_not_found"))
        with _signed_access(msg("object_not_found")):
            store.verify_get(
                key,
                expires=expires,
                filename=filename,
                content_type=content_type,
                signature=signature,
            )
            size = (await store.stat(key)).size
            chunks = await store.open(key)
        return Stream(
            chunks,
            media_type=content_type,
            headers={
                "Content-Disposition": content_disposition(filename),
                "Content-Length": str(size),
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox",
                "Cache-Control": "private, max-age=0",
            },
        )

    @put(
        "/uploads/{upload_id:str}/{part_number:int}",
        exclude_from_auth=True,
        request_max_body_size=None,
        status_code=HTTP_200_OK,
        summary="Upload one part of a multipart upload (local storage backend)",
    )
    async def put_part(
        self,
        request: Request[Any, Any, Any],
        upload_id: FromPath[str],
        part_number: FromPath[int],
        object_store: NamedDependency[ObjectStore],
        expires: FromQuery[int | None] = None,
        signature: Annotated[str | None, QueryParameter(max_length=128)] = None,
    ) -> Response[None]:
        store = _local(object_store)
        if expires is None or not signature:
            raise Forbidden(msg("url_not_signed"))
        try:
            with _signed_access(msg("upload_not_found")):
                store.verify_part_put(upload_id, part_number, expires=expires, signature=signature)
                etag = await store.receive_part(upload_id, part_number, request_chunks(request))
        except ValueError as exc:
            raise NotFound(msg("part_number_range", max_parts=MAX_PARTS)) from exc
        return Response(None, status_code=HTTP_200_OK, headers={"ETag": f'"{etag}"'})


controllers = [EvidenceController, ObjectController]
