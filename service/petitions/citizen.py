"""What a citizen does with the tracking code and secret: follow the petition, answer a
question, add information or files, withdraw, rate the answer, change consent to publish.

Finding a petition by code and secret gives nothing away: an unknown code and a wrong
secret look the same to the caller (the controller answers 404 either way and rate-limits
failures per client IP and per code).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.db import utcnow
from service.directory.models import Agency
from service.errors import Conflict, NotFound, StateConflict
from service.i18n import Message, msg
from service.petitions import clock, messages
from service.petitions.codes import normalise_code, secret_matches
from service.petitions.models import (
    FINAL_STATUSES,
    ActorKind,
    Clarification,
    ClarificationStatus,
    Petition,
    PetitionAddition,
    PetitionEvidence,
    PetitionStatus,
)
from service.petitions.schemas import (
    CitizenEvidence,
    MergedInto,
    OpenQuestion,
    TrackingEvent,
    TrackingView,
)
from service.petitions.service import (
    add_event,
    apply_transition,
    audit,
    citizen_history,
    citizen_principal,
    get_petition,
    touch,
)
from service.petitions.workflow import Action, Performer, allowed_actions, transition_for
from service.replies import service as replies
from service.storage.models import Evidence
from service.storage.service import create_evidence_from_stream
from service.storage.store import ObjectStore

MAX_EVIDENCE_FILES = 20
CITIZEN = Performer.citizen
# What the citizen can do besides the workflow's actions.
_EXTRA_ACTIONS_OPEN = ("add_evidence", "add_information", "set_publish_consent")


async def find_for_citizen(session: AsyncSession, code: str, secret: str | None) -> Petition:
    """The petition with this code if ``secret`` is its secret; NotFound otherwise."""
    petition = (
        await session.execute(
            select(Petition).where(col(Petition.tracking_code) == normalise_code(code))
        )
    ).scalar_one_or_none()
    stored = petition.secret_hash if petition is not None else None
    if not secret_matches(stored, secret) or petition is None:
        raise NotFound(msg("tracking_not_found"))
    return petition


def _citizen_actions(petition: Petition) -> list[str]:
    actions = set(allowed_actions(PetitionStatus(petition.status), CITIZEN))
    if petition.status not in FINAL_STATUSES:
        actions.update(_EXTRA_ACTIONS_OPEN)
    if petition.status == PetitionStatus.answered and petition.referral_id is not None:
        actions.add("rate")
    return sorted(actions)


async def tracking_view(session: AsyncSession, petition: Petition) -> TrackingView:
    lead: Petition | None = None
    if petition.merged_into_id is not None:
        lead = await get_petition(session, petition.merged_into_id)
    handled = lead or petition
    answer = await replies.published_answer_for_item(session, "petition", handled.id)
    agency_name = None
    if handled.agency_id is not None:
        agency = await session.get(Agency, handled.agency_id)
        agency_name = agency.name if agency else None
    questions = (
        await session.execute(
            select(Clarification)
            .where(
                col(Clarification.petition_id) == petition.id,
                col(Clarification.status) == ClarificationStatus.open.value,
            )
            .order_by(col(Clarification.asked_at))
        )
    ).scalars()
    return TrackingView(
        tracking_code=petition.tracking_code,
        kind=petition.kind,
        category=petition.category_code,
        title=petition.title,
        status=PetitionStatus(petition.status),
        received_at=petition.created_at,
        agency_name=agency_name,
        raised_by_count=handled.raised_by_count,
        merged_into=(
            MergedInto(tracking_code=lead.tracking_code, status=PetitionStatus(lead.status))
            if lead is not None
            else None
        ),
        history=[
            TrackingEvent(at=e.at, action=e.action, status=e.to_status, message=e.citizen_message)
            for e in await citizen_history(session, petition.id)
        ],
        open_questions=[
            OpenQuestion(id=q.id, question=q.question, asked_at=q.asked_at) for q in questions
        ],
        evidence=await _evidence(session, petition.id),
        answer=answer.model_dump(mode="json") if answer is not None else None,
        consent_to_publish=petition.consent_publish,
        allowed_actions=_citizen_actions(petition),
    )


async def _evidence(session: AsyncSession, petition_id: uuid.UUID) -> list[CitizenEvidence]:
    rows = await session.execute(
        select(Evidence)
        .join(PetitionEvidence, col(PetitionEvidence.evidence_id) == col(Evidence.id))
        .where(col(PetitionEvidence.petition_id) == petition_id)
        .order_by(col(PetitionEvidence.added_at))
    )
    return [
        CitizenEvidence(
            id=e.id,
            name=e.original_name,
            content_type=e.content_type,
            size_bytes=e.size_bytes,
            sha256=e.sha256,
            uploaded_at=e.uploaded_at,
        )
        for e in rows.scalars()
    ]


async def _lock(session: AsyncSession, petition: Petition) -> Petition:
    await session.refresh(petition, with_for_update=True)
    return petition


def _require_open(petition: Petition, what: Message) -> None:
    if petition.status in FINAL_STATUSES:
        raise StateConflict(
            msg("petition_closed_for", what=what),
            state=str(petition.status),
            allowed_actions=_citizen_actions(petition),
        )


async def answer_clarification(
    session: AsyncSession,
    petition: Petition,
    clarification_id: uuid.UUID,
    answer: str,
    *,
    now: datetime | None = None,
) -> None:
    """The citizen answers the Front's question: back to triage, the clock resumes."""
    petition = await _lock(session, petition)
    clarification = await session.get(Clarification, clarification_id, with_for_update=True)
    if clarification is None or clarification.petition_id != petition.id:
        raise NotFound(msg("question_not_found"))
    if clarification.status != ClarificationStatus.open:
        raise Conflict(msg("question_closed"))
    transition_for(PetitionStatus(petition.status), Action.provide_info, CITIZEN)
    now = now or utcnow()
    clarification.status = ClarificationStatus.answered
    clarification.answer = answer
    clarification.answered_at = now
    session.add(clarification)
    await clock.resume(session, petition, now)
    await apply_transition(
        session,
        petition,
        Action.provide_info,
        performer=CITIZEN,
        actor=citizen_principal(petition),
        actor_kind=ActorKind.citizen,
        citizen_message=messages.PROVIDE_INFO,
        data={"clarification_id": str(clarification.id)},
        notify=False,
        at=now,
    )


async def add_information(session: AsyncSession, petition: Petition, text: str) -> None:
    petition = await _lock(session, petition)
    _require_open(petition, msg("what_add_information"))
    now = utcnow()
    addition = PetitionAddition(petition_id=petition.id, text=text, created_at=now)
    session.add(addition)
    touch(petition, now)
    session.add(petition)
    await session.flush()
    actor = citizen_principal(petition)
    await add_event(
        session,
        petition,
        action="add_information",
        actor=actor,
        actor_kind=ActorKind.citizen,
        citizen_message=messages.INFORMATION_ADDED,
        data={"addition_id": str(addition.id)},
        at=now,
    )
    await audit(session, actor, "information_added", petition)


async def attach_evidence(
    session: AsyncSession,
    store: ObjectStore,
    petition: Petition,
    chunks: AsyncIterator[bytes],
    *,
    filename: str | None,
    max_bytes: int,
    size_hint: int | None,
    uploader: StaffPrincipal | ClientPrincipal,
    added_by: ActorKind,
) -> Evidence:
    """Stream a file into storage and attach it (at most ``MAX_EVIDENCE_FILES``, only while
    the petition is open). Checked before the upload, and again under the row lock after it
    (the lock is not held while the bytes arrive)."""
    _require_open(petition, msg("what_add_files"))
    _check_room(petition)
    evidence = await create_evidence_from_stream(
        session,
        store,
        chunks,
        filename=filename,
        uploader=uploader,
        max_bytes=max_bytes,
        size_hint=size_hint,
    )
    petition = await _lock(session, petition)
    _require_open(petition, msg("what_add_files"))
    _check_room(petition)
    now = utcnow()
    session.add(
        PetitionEvidence(
            petition_id=petition.id, evidence_id=evidence.id, added_by=added_by, added_at=now
        )
    )
    petition.evidence_count += 1
    touch(petition, now)
    session.add(petition)
    await session.flush()
    await add_event(
        session,
        petition,
        action="add_evidence",
        actor=uploader,
        actor_kind=added_by,
        citizen_message=(
            messages.EVIDENCE_ADDED.format(name=evidence.original_name)
            if added_by == ActorKind.citizen
            else None
        ),
        data={"evidence_id": str(evidence.id), "sha256": evidence.sha256},
        at=now,
    )
    await audit(session, uploader, "evidence_added", petition, extra={"evidence_id": evidence.id})
    return evidence


def _check_room(petition: Petition) -> None:
    if petition.evidence_count >= MAX_EVIDENCE_FILES:
        raise Conflict(
            msg("petition_files_limit", max_files=MAX_EVIDENCE_FILES),
            max_files=MAX_EVIDENCE_FILES,
        )


async def withdraw(session: AsyncSession, petition: Petition, reason: str | None) -> None:
    """The citizen withdraws: the routing clock stops, an open referral is cancelled."""
    petition = await _lock(session, petition)
    transition_for(PetitionStatus(petition.status), Action.withdraw, CITIZEN)
    now = utcnow()
    clock.stop(petition, now)
    referral_id = petition.referral_id
    await session.execute(
        sa.update(Clarification)
        .where(
            col(Clarification.petition_id) == petition.id,
            col(Clarification.status) == ClarificationStatus.open.value,
        )
        .values(status=ClarificationStatus.cancelled.value)
    )
    await apply_transition(
        session,
        petition,
        Action.withdraw,
        performer=CITIZEN,
        actor=citizen_principal(petition),
        actor_kind=ActorKind.citizen,
        reason=reason,
        citizen_message=messages.WITHDRAW,
        notify=False,
        at=now,
    )
    if referral_id is not None:
        # After the transition: the "cancelled" event then finds the petition withdrawn.
        await replies.cancel_referral(
            session, referral_id, actor=None, reason="Người gửi đơn đã rút đơn."
        )


async def rate(
    session: AsyncSession, petition: Petition, satisfied: bool, comment: str | None
) -> None:
    """Rate the published answer (replies keeps the rating and closes or disputes)."""
    petition = await _lock(session, petition)
    if petition.status != PetitionStatus.answered or petition.referral_id is None:
        raise StateConflict(
            msg("rating_only_answered"),
            state=str(petition.status),
            allowed_actions=_citizen_actions(petition),
        )
    await replies.rate_answer(
        session, petition.referral_id, satisfied=satisfied, comment=comment, actor=None
    )


async def set_publish_consent(session: AsyncSession, petition: Petition, consent: bool) -> None:
    """Consent to publish can be given or withdrawn at any time (PDPL 91/2025); withdrawing
    removes the petition's answers from the public feed."""
    petition = await _lock(session, petition)
    if petition.consent_publish == consent:
        return
    now = utcnow()
    petition.consent_publish = consent
    petition.consent_recorded_at = now
    touch(petition, now)
    session.add(petition)
    removed = 0
    if not consent:
        removed = await replies.withdraw_from_public_feed(session, "petition", petition.id)
    actor = citizen_principal(petition)
    await add_event(
        session,
        petition,
        action="set_publish_consent",
        actor=actor,
        actor_kind=ActorKind.citizen,
        data={"consent_to_publish": consent, "public_answers_removed": removed},
        at=now,
    )
    await audit(session, actor, "publish_consent_changed", petition, extra={"consent": consent})
