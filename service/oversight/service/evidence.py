"""Evidence of a supervision, attached to a plan, a session or a log entry.

The bytes, hashing, type checks and the chain of custody are storage's
(``service.storage.service``); this module decides who may attach and see what, and links
the evidence row to its place in the supervision. Attaching to a sealed session (or one of
its entries) is refused: the seal covers the session's evidence.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record
from service.auth.principals import StaffPrincipal
from service.errors import NotFound, StateConflict
from service.i18n import msg
from service.oversight import repository
from service.oversight.access import PlanAccess
from service.oversight.models import (
    PlanState,
    SessionState,
    SupervisionEvidence,
    SupervisionPlan,
)
from service.oversight.schemas import EvidenceMultipartStart
from service.oversight.service.plans import in_plan, load_plan
from service.oversight.service.sessions import load_session
from service.oversight.views import EvidenceView
from service.storage import service as storage
from service.storage.models import Evidence, EvidenceAccess
from service.storage.service import PartUrl
from service.storage.store import ObjectStore, UploadedPart

EVIDENCE = "supervision_evidence"
# Evidence is attached while the plan is being prepared or carried out.
ATTACH_STATES = frozenset({PlanState.draft, PlanState.approved, PlanState.in_progress})


async def _target(
    session: AsyncSession,
    viewer: StaffPrincipal,
    *,
    plan_id: uuid.UUID | None,
    session_id: uuid.UUID | None,
    log_entry_id: uuid.UUID | None,
) -> tuple[SupervisionPlan, PlanAccess, uuid.UUID | None, uuid.UUID | None]:
    """Resolve and authorise where evidence goes: (plan, access, session id, entry id)."""
    if log_entry_id is not None:
        entry = await repository.get_entry(session, log_entry_id)
        if entry is None or (session_id is not None and entry.session_id != session_id):
            raise NotFound(msg("entry_not_found"))
        session_id = entry.session_id
    if session_id is not None:
        supervision_session, plan, access = await load_session(session, session_id, viewer)
        if plan_id is not None and plan.id != plan_id:
            raise NotFound(msg("supervision_session_not_found"))
        if SessionState(supervision_session.state) in (SessionState.sealed, SessionState.cancelled):
            raise StateConflict(
                msg("session_sealed_evidence"),
                state=supervision_session.state,
                allowed_actions=[],
            )
    else:
        assert plan_id is not None
        plan, access = await load_plan(session, plan_id, viewer)
    access.require_member(msg("what_attach_evidence"))
    state = PlanState(plan.state)
    if state not in ATTACH_STATES:
        raise StateConflict(msg("evidence_until_concluded"), state=state, allowed_actions=[])
    return plan, access, session_id, log_entry_id


async def _link(
    session: AsyncSession,
    evidence: Evidence,
    plan: SupervisionPlan,
    session_id: uuid.UUID | None,
    log_entry_id: uuid.UUID | None,
    description: str | None,
    actor: StaffPrincipal,
) -> SupervisionEvidence:
    link = SupervisionEvidence(
        evidence_id=evidence.id,
        plan_id=plan.id,
        session_id=session_id,
        log_entry_id=log_entry_id,
        description=description,
        attached_by=actor.user_id,
    )
    session.add(link)
    await session.flush()
    return link


async def _audit_attached(
    session: AsyncSession, evidence: Evidence, link: SupervisionEvidence, actor: StaffPrincipal
) -> None:
    await record(
        session,
        actor=actor,
        action="oversight.evidence.attached",
        entity_type=EVIDENCE,
        entity_id=evidence.id,
        after={
            "plan_id": link.plan_id,
            "session_id": link.session_id,
            "log_entry_id": link.log_entry_id,
            "sha256": evidence.sha256,
            "size_bytes": evidence.size_bytes,
            "content_type": evidence.content_type,
            "status": evidence.status,
        },
    )


async def upload_evidence(
    session: AsyncSession,
    store: ObjectStore,
    chunks: AsyncIterator[bytes],
    actor: StaffPrincipal,
    *,
    plan_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
    log_entry_id: uuid.UUID | None = None,
    filename: str | None,
    max_bytes: int,
    captured_at: datetime | None = None,
    lat: float | None = None,
    lon: float | None = None,
    size_hint: int | None = None,
    description: str | None = None,
) -> EvidenceView:
    """Stream a file into storage and attach it. Authorisation comes before a byte is read."""
    plan, _, session_id, log_entry_id = await _target(
        session, actor, plan_id=plan_id, session_id=session_id, log_entry_id=log_entry_id
    )
    evidence = await storage.create_evidence_from_stream(
        session,
        store,
        chunks,
        filename=filename,
        uploader=actor,
        max_bytes=max_bytes,
        captured_at=captured_at,
        lat=lat,
        lon=lon,
        size_hint=size_hint,
    )
    link = await _link(session, evidence, plan, session_id, log_entry_id, description, actor)
    await _audit_attached(session, evidence, link, actor)
    return repository.evidence_view(evidence, link)


async def start_evidence_upload(
    session: AsyncSession,
    store: ObjectStore,
    actor: StaffPrincipal,
    plan_id: uuid.UUID,
    data: EvidenceMultipartStart,
) -> tuple[EvidenceView, str, list[PartUrl]]:
    """Open a presigned multipart upload for a large recording (``data`` announces the file
    and what it is attached to); the evidence is linked at once (pending) and becomes
    visible when ``complete_evidence_upload`` verified it."""
    plan, _, session_id, log_entry_id = await _target(
        session, actor, plan_id=plan_id, session_id=data.session_id, log_entry_id=data.log_entry_id
    )
    evidence, upload_id, urls = await storage.start_announced_multipart(session, store, data, actor)
    link = await _link(session, evidence, plan, session_id, log_entry_id, data.description, actor)
    return repository.evidence_view(evidence, link), upload_id, urls


async def complete_evidence_upload(
    session: AsyncSession,
    store: ObjectStore,
    evidence_id: uuid.UUID,
    parts: Sequence[UploadedPart] | None,
    actor: StaffPrincipal,
) -> EvidenceView:
    """Assemble and verify (size, SHA-256, type) a multipart upload of supervision evidence."""
    link = await repository.evidence_link(session, evidence_id)
    if link is None:
        raise NotFound(msg("evidence_not_found"))
    await _target(
        session,
        actor,
        plan_id=link.plan_id,
        session_id=link.session_id,
        log_entry_id=link.log_entry_id,
    )
    evidence = await storage.complete_multipart(session, store, evidence_id, parts, actor)
    await _audit_attached(session, evidence, link, actor)
    return repository.evidence_view(evidence, link)


async def _visible(
    session: AsyncSession, evidence_id: uuid.UUID, viewer: StaffPrincipal
) -> tuple[Evidence, SupervisionEvidence]:
    link, _, _ = await in_plan(
        session,
        await repository.evidence_link(session, evidence_id),
        viewer,
        msg("evidence_not_found"),
    )
    evidence = await storage.get_evidence(session, evidence_id)
    return evidence, link


async def list_evidence(
    session: AsyncSession,
    viewer: StaffPrincipal,
    *,
    plan_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
) -> list[EvidenceView]:
    """Evidence of a plan, or of one session (``session_id``; its plan is the session's).
    Metadata only (no custody entry: the list shows no content)."""
    if session_id is not None:
        _, plan, _ = await load_session(session, session_id, viewer)
        plan_id = plan.id
    else:
        assert plan_id is not None
        await load_plan(session, plan_id, viewer)
    return await repository.evidence_list(session, plan_id, session_id=session_id)


async def view_evidence(
    session: AsyncSession, evidence_id: uuid.UUID, viewer: StaffPrincipal
) -> EvidenceView:
    """One item's record; logged in the chain of custody as a view."""
    evidence, link = await _visible(session, evidence_id, viewer)
    await storage.record_view(session, evidence, viewer)
    return repository.evidence_view(evidence, link)


async def evidence_download_url(
    session: AsyncSession,
    store: ObjectStore,
    evidence_id: uuid.UUID,
    viewer: StaffPrincipal,
    *,
    ttl: int,
) -> str:
    """A short-lived URL to the bytes; logged in the chain of custody as a download."""
    evidence, _ = await _visible(session, evidence_id, viewer)
    return await storage.download_url(session, store, evidence, viewer, ttl=ttl)


async def evidence_custody(
    session: AsyncSession, evidence_id: uuid.UUID, viewer: StaffPrincipal
) -> list[EvidenceAccess]:
    await _visible(session, evidence_id, viewer)
    return await storage.custody_log(session, evidence_id)
