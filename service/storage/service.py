"""Evidence operations: upload (streamed or multipart), view, download, withdraw, custody.

These functions do not decide who may see a piece of evidence: the domain that owns the
evidence (a petition, a supervision session) authorises first, then calls them. The generic
rule used by ``/api/v1/evidence`` is ``visible_to``. Every upload, view, download and
withdrawal writes a custody entry in the caller's transaction.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.models import Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.db import utcnow
from service.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    StateConflict,
    TooLarge,
    UnsupportedMediaType,
    field_error,
    found,
)
from service.i18n import msg
from service.observability import current_request_id
from service.storage.keys import clean_filename, content_key, pending_key
from service.storage.models import CustodyAction, Evidence, EvidenceAccess, EvidenceStatus
from service.storage.schemas import MultipartStart
from service.storage.sniff import ALLOWED_TYPES, filename_for
from service.storage.store import (
    MAX_PARTS,
    ObjectNotFound,
    ObjectStore,
    ObjectStoreError,
    UploadedPart,
)
from service.storage.uploads import StoredObject, receive_upload, verify_object

logger = structlog.get_logger(__name__)

Principal = StaffPrincipal | ClientPrincipal

# Multipart: 8 MiB parts (bigger when a file would need more than 10,000), and part URLs
# that last long enough for a recording to crawl up over a poor mobile link.
DEFAULT_PART_BYTES = 8 * 1024 * 1024
PART_URL_TTL_SECONDS = 6 * 3600
# Large recordings go by multipart; this caps them (the single-request limit is
# settings.max_upload_bytes).
MAX_MULTIPART_BYTES = 20 * 1024**3
DOWNLOAD_URL_TTL_SECONDS = 300
_CLOCK_SKEW = timedelta(minutes=10)
# No photo or scan is older than this; earlier moments do not survive the trip through
# local time and back (year 1 loses its offset).
EARLIEST_CAPTURE = datetime(1900, 1, 1, tzinfo=UTC)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# Roles that see any evidence through the generic API (besides its uploader). Everyone else
# reaches evidence through the domain that holds it (a petition, a supervision plan, a
# referral), which knows the caller's ward and role; a generic rule cannot.
GENERIC_VIEWER_ROLES = frozenset({Role.admin})


@dataclass(frozen=True, slots=True)
class PartUrl:
    part_number: int
    url: str
    offset: int
    length: int


def _set_uploader(evidence: Evidence, principal: Principal) -> Evidence:
    if isinstance(principal, StaffPrincipal):
        evidence.uploaded_by_user_id = principal.user_id
    else:
        evidence.uploaded_by_client_id = principal.client_id
    return evidence


def is_uploader(evidence: Evidence, principal: Principal) -> bool:
    if isinstance(principal, StaffPrincipal):
        return evidence.uploaded_by_user_id == principal.user_id
    return evidence.uploaded_by_client_id == principal.client_id


def visible_to(evidence: Evidence, principal: Principal) -> bool:
    """The generic rule: the uploader and admins. Domains apply their own (a ward officer
    sees the evidence of that ward's petitions...)."""
    if is_uploader(evidence, principal):
        return True
    return isinstance(principal, StaffPrincipal) and principal.role in GENERIC_VIEWER_ROLES


def _check_place_and_time(
    captured_at: datetime | None, latitude: float | None, longitude: float | None
) -> None:
    if (latitude is None) != (longitude is None):
        raise Invalid(
            msg("coordinates_both"),
            field="longitude" if longitude is None else "latitude",
        )
    if latitude is not None and not -90 <= latitude <= 90:
        raise Invalid(msg("latitude_range"), field="latitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise Invalid(msg("longitude_range"), field="longitude")
    if captured_at is not None:
        if captured_at.tzinfo is None:
            raise Invalid(msg("captured_at_zone"), field="captured_at")
        if captured_at > utcnow() + _CLOCK_SKEW:
            raise Invalid(msg("captured_at_future"), field="captured_at")
        if captured_at < EARLIEST_CAPTURE:
            raise Invalid(msg("captured_at_too_early"), field="captured_at")


async def record_access(
    session: AsyncSession,
    evidence: Evidence,
    actor: Principal | None,
    action: CustodyAction,
    *,
    note: str | None = None,
) -> EvidenceAccess:
    """Append a custody entry (actor None = the system, e.g. a report job)."""
    entry = EvidenceAccess(
        evidence_id=evidence.id,
        actor_user_id=actor.user_id if isinstance(actor, StaffPrincipal) else None,
        actor_client_id=actor.client_id if isinstance(actor, ClientPrincipal) else None,
        action=action,
        request_id=current_request_id(),
        note=note,
    )
    session.add(entry)
    await session.flush()
    return entry


async def create_evidence_from_stream(
    session: AsyncSession,
    store: ObjectStore,
    chunks: AsyncIterator[bytes],
    *,
    filename: str | None,
    uploader: Principal,
    max_bytes: int,
    captured_at: datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
    size_hint: int | None = None,
    allowed: Collection[str] = ALLOWED_TYPES,
) -> Evidence:
    """Stream a file into the store and record it. 413/415/422 as ``receive_upload``."""
    _check_place_and_time(captured_at, lat, lon)
    name = clean_filename(filename)
    stored = await receive_upload(
        store,
        chunks,
        declared_filename=name,
        max_bytes=max_bytes,
        allowed=allowed,
        size_hint=size_hint,
    )
    evidence = Evidence(
        sha256=stored.sha256,
        size_bytes=stored.size,
        content_type=stored.content_type,
        original_name=name,
        object_key=stored.key,
        status=EvidenceStatus.stored,
        captured_at=captured_at,
        latitude=lat,
        longitude=lon,
    )
    _set_uploader(evidence, uploader)
    session.add(evidence)
    await session.flush()
    await record_access(session, evidence, uploader, CustodyAction.upload)
    return evidence


def plan_parts(size: int, part_size: int = DEFAULT_PART_BYTES) -> tuple[int, int]:
    """(part size, number of parts) for a file of ``size`` bytes."""
    mib = 1024 * 1024
    part_size = max(part_size, math.ceil(size / MAX_PARTS / mib) * mib)
    return part_size, max(1, math.ceil(size / part_size))


_ANNOUNCED_AS_IS = {"filename", "size", "sha256", "content_type", "captured_at"}


async def start_announced_multipart(
    session: AsyncSession, store: ObjectStore, announced: MultipartStart, uploader: Principal
) -> tuple[Evidence, str, list[PartUrl]]:
    """``start_multipart`` for the file a request announced (a domain's request schema may
    extend ``MultipartStart`` with what the file is attached to)."""
    # The fields named as start_multipart's parameters go through as they are.
    same_named = announced.model_dump(include=_ANNOUNCED_AS_IS)
    place: dict[str, Any] = {"lat": announced.latitude, "lon": announced.longitude}
    return await start_multipart(session, store, uploader=uploader, **same_named, **place)


async def start_multipart(
    session: AsyncSession,
    store: ObjectStore,
    *,
    filename: str,
    size: int,
    sha256: str,
    content_type: str,
    uploader: Principal,
    captured_at: datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
    max_bytes: int = MAX_MULTIPART_BYTES,
    allowed: Collection[str] = ALLOWED_TYPES,
    ttl: int = PART_URL_TTL_SECONDS,
) -> tuple[Evidence, str, list[PartUrl]]:
    """Open a multipart upload: a ``pending_upload`` evidence row, and one presigned URL
    per part. The client PUTs the parts, then calls ``complete_multipart``."""
    _check_place_and_time(captured_at, lat, lon)
    sha256 = sha256.lower()
    if not _HEX64.match(sha256):
        raise Invalid(msg("sha256_format"), field="sha256")
    if size <= 0:
        raise Invalid(msg("size_positive"), field="size")
    if size > max_bytes:
        raise TooLarge(msg("file_too_large", max_bytes=max_bytes))
    content_type = content_type.split(";", 1)[0].strip().lower()
    if content_type not in allowed:
        raise UnsupportedMediaType(
            msg("file_type_not_accepted", content_type=content_type), detected_type=content_type
        )
    evidence = Evidence(
        sha256=sha256,
        size_bytes=size,
        content_type=content_type,
        original_name=clean_filename(filename),
        object_key="",
        status=EvidenceStatus.pending_upload,
        captured_at=captured_at,
        latitude=lat,
        longitude=lon,
    )
    _set_uploader(evidence, uploader)
    evidence.object_key = pending_key(evidence.id)
    upload_id = await store.create_multipart(evidence.object_key, content_type)
    evidence.multipart_upload_id = upload_id
    session.add(evidence)
    await session.flush()

    part_size, count = plan_parts(size)
    urls = []
    for number in range(1, count + 1):
        offset = (number - 1) * part_size
        url = await store.presigned_part_url(evidence.object_key, upload_id, number, ttl)
        urls.append(PartUrl(number, url, offset, min(part_size, size - offset)))
    return evidence, upload_id, urls


async def _load_for_update(session: AsyncSession, evidence_id: uuid.UUID) -> Evidence:
    locked = select(Evidence).where(col(Evidence.id) == evidence_id).with_for_update()
    return found((await session.execute(locked)).scalar_one_or_none(), msg("evidence_not_found"))


async def complete_multipart(
    session: AsyncSession,
    store: ObjectStore,
    evidence_id: uuid.UUID,
    parts: Sequence[UploadedPart] | None,
    uploader: Principal,
    *,
    max_bytes: int = MAX_MULTIPART_BYTES,
    allowed: Collection[str] = ALLOWED_TYPES,
) -> Evidence:
    """Assemble the parts, re-read the result and check it against the declared SHA-256,
    size and an allowed type; then move it to its content-addressed key.

    On a mismatch (422), a refused type (415) or an oversize file (413) the assembled
    object is removed and the evidence stays ``pending_upload``: start a new upload.
    ``parts`` None = every part the store received.
    """
    evidence = await _load_for_update(session, evidence_id)
    if not is_uploader(evidence, uploader):
        raise NotFound(msg("evidence_not_found"))
    if evidence.withdrawn_at is not None:
        raise StateConflict(msg("evidence_withdrawn"), state="withdrawn", allowed_actions=[])
    if evidence.status != EvidenceStatus.pending_upload or not evidence.multipart_upload_id:
        raise StateConflict(msg("upload_complete"), state=evidence.status, allowed_actions=[])
    key, upload_id = evidence.object_key, evidence.multipart_upload_id
    try:
        if parts is None:
            parts = await store.list_parts(key, upload_id)
        await store.complete_multipart(key, upload_id, parts)
    except ObjectNotFound as exc:
        raise Conflict(msg("multipart_gone"), upload_id=upload_id) from exc
    except ObjectStoreError as exc:
        raise Invalid(msg("parts_not_assembled"), field="parts") from exc

    try:
        stored = await verify_object(
            store,
            key,
            declared_filename=evidence.original_name,
            max_bytes=max_bytes,
            allowed=allowed,
        )
        _check_declared(evidence, stored)
    except BaseException:
        await store.delete(key)
        raise

    final = content_key(stored.sha256)
    if await store.exists(final):
        await store.delete(key)
    else:
        await store.move(key, final)
    evidence.object_key = final
    evidence.content_type = stored.content_type
    evidence.status = EvidenceStatus.stored
    evidence.multipart_upload_id = None
    session.add(evidence)
    await session.flush()
    await record_access(session, evidence, uploader, CustodyAction.upload)
    return evidence


def _check_declared(evidence: Evidence, stored: StoredObject) -> None:
    problems = []
    if stored.size != evidence.size_bytes:
        problems.append(
            field_error(
                "size",
                msg("upload_size_differs", declared=evidence.size_bytes, received=stored.size),
            )
        )
    if stored.sha256 != evidence.sha256:
        problems.append(field_error("sha256", msg("upload_hash_differs")))
    if problems:
        raise Invalid(
            msg("upload_mismatch"),
            errors=problems,
            received_sha256=stored.sha256,
            received_size=stored.size,
        )


async def get_evidence(session: AsyncSession, evidence_id: uuid.UUID) -> Evidence:
    return found(await session.get(Evidence, evidence_id), msg("evidence_not_found"))


async def get_visible_evidence(
    session: AsyncSession, evidence_id: uuid.UUID, principal: Principal
) -> Evidence:
    """404 for evidence the caller may not see, as for evidence that does not exist."""
    evidence = await get_evidence(session, evidence_id)
    if not visible_to(evidence, principal):
        raise NotFound(msg("evidence_not_found"))
    return evidence


async def record_view(
    session: AsyncSession, evidence: Evidence, actor: Principal | None
) -> EvidenceAccess:
    return await record_access(session, evidence, actor, CustodyAction.view)


async def download_url(
    session: AsyncSession,
    store: ObjectStore,
    evidence: Evidence,
    actor: Principal | None,
    *,
    ttl: int = DOWNLOAD_URL_TTL_SECONDS,
) -> str:
    """A short-lived URL to the bytes (logged as a download). Withdrawn evidence can be
    downloaded by admins only; a pending upload has nothing to download yet."""
    _check_readable(evidence, actor)
    url = await store.presigned_get(
        evidence.object_key,
        filename=filename_for(evidence.original_name, evidence.content_type),
        content_type=evidence.content_type,
        ttl=ttl,
    )
    await record_access(session, evidence, actor, CustodyAction.download)
    return url


def _check_readable(evidence: Evidence, actor: Principal | None) -> None:
    if evidence.status != EvidenceStatus.stored:
        raise StateConflict(
            msg("upload_incomplete"),
            state=evidence.status,
            allowed_actions=["complete"],
        )
    is_admin = isinstance(actor, StaffPrincipal) and actor.role == Role.admin
    if evidence.withdrawn_at is not None and not is_admin:
        raise StateConflict(msg("evidence_withdrawn"), state="withdrawn", allowed_actions=["view"])


async def read_for_view(
    session: AsyncSession,
    store: ObjectStore,
    evidence: Evidence,
    actor: Principal | None,
    *,
    max_bytes: int,
) -> bytes | None:
    """The bytes of ``evidence`` to show on a page (an image preview), under the download's
    rules and logged as a view; None when the file is larger than ``max_bytes``."""
    _check_readable(evidence, actor)
    if evidence.size_bytes > max_bytes:
        return None
    chunks = [chunk async for chunk in await store.open(evidence.object_key)]
    await record_view(session, evidence, actor)
    return b"".join(chunks)


async def withdraw(
    session: AsyncSession, evidence_id: uuid.UUID, admin: StaffPrincipal, reason: str
) -> Evidence:
    """Mark evidence withdrawn. The object and the row stay; so does the custody log."""
    if admin.role != Role.admin:
        raise Forbidden(msg("withdraw_evidence_admin_only"))
    reason = reason.strip()
    if len(reason) < 3:
        raise Invalid(msg("withdraw_reason_required"), field="reason")
    evidence = await _load_for_update(session, evidence_id)
    if evidence.withdrawn_at is not None:
        raise StateConflict(
            msg("evidence_already_withdrawn"), state="withdrawn", allowed_actions=[]
        )
    evidence.withdrawn_at = utcnow()
    evidence.withdrawn_by = admin.user_id
    evidence.withdrawn_reason = reason
    session.add(evidence)
    await session.flush()
    await record_access(session, evidence, admin, CustodyAction.withdraw, note=reason)
    logger.info("evidence_withdrawn", evidence_id=str(evidence.id))
    return evidence


async def custody_log(session: AsyncSession, evidence_id: uuid.UUID) -> list[EvidenceAccess]:
    """Every access to one piece of evidence, oldest first."""
    await get_evidence(session, evidence_id)
    result = await session.execute(
        select(EvidenceAccess)
        .where(col(EvidenceAccess.evidence_id) == evidence_id)
        .order_by(col(EvidenceAccess.id))
    )
    return list(result.scalars())
