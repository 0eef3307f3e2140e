"""What a citizen does with the tracking code and secret: follow the petition, answer a
question, add information or files, withdraw, rate the answer, change consent to publish,
stop or restart the notices.
(What they see, the tracking view, is a read model: ``views.tracking_view``.)

Finding a petition by code and secret gives nothing away: an unknown code and a wrong
secret look the same to the caller (the controller answers 404 either way and rate-limits
failures per client IP and per code).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.db import utcnow
from service.errors import Conflict, NotFound, StateConflict
from service.i18n import Message, msg
from service.notices.phones import normalise_mobile
from service.notices.sms_text import strip_diacritics
from service.petitions import clock, messages
from service.petitions.codes import normalise_code, secret_matches
from service.petitions.confidential import decrypt_identity
from service.petitions.models import (
    FINAL_STATUSES,
    ActorKind,
    ClarificationStatus,
    Petition,
    PetitionAddition,
    PetitionEvidence,
    PetitionStatus,
)
from service.petitions.repository import petitions as repository
from service.petitions.repository import phone_optout
from service.petitions.service import (
    EntryFields,
    add_event,
    apply_transition,
    audit,
    citizen_principal,
    touch,
)
from service.petitions.workflow import Action, Performer, citizen_actions, transition_for
from service.replies import service as replies
from service.settings import Settings
from service.storage.models import Evidence
from service.storage.service import create_evidence_from_stream
from service.storage.store import ObjectStore

__all__ = ["citizen_principal"]  # the actor of the citizen's own actions (controllers)

MAX_EVIDENCE_FILES = 20
CITIZEN = Performer.citizen


async def _citizen_transition(
    session: AsyncSession, petition: Petition, action: Action, **fields: Unpack[EntryFields]
) -> None:
    """``apply_transition`` as the citizen; they are not notified of what they just did."""
    entry: EntryFields = {**fields, "actor_kind": ActorKind.citizen}
    actor = citizen_principal(petition)
    await apply_transition(
        session, petition, action, performer=CITIZEN, actor=actor, notify=False, **entry
    )


async def find_for_citizen(session: AsyncSession, code: str, secret: str | None) -> Petition:
    """The petition with this code if ``secret`` is its secret; NotFound otherwise."""
    petition = await repository.by_tracking_code(session, normalise_code(code))
    stored = petition.secret_hash if petition is not None else None
    if not secret_matches(stored, secret) or petition is None:
        raise NotFound(msg("tracking_not_found"))
    return petition


def _require_open(petition: Petition, what: Message) -> None:
    if petition.status in FINAL_STATUSES:
        raise StateConflict(
            msg("petition_closed_for", what=what),
            state=str(petition.status),
            allowed_actions=citizen_actions(petition),
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
    petition = await repository.lock(session, petition)
    clarification = await repository.lock_clarification(session, clarification_id)
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
    await _citizen_transition(
        session,
        petition,
        Action.provide_info,
        citizen_message=messages.PROVIDE_INFO,
        data={"clarification_id": str(clarification.id)},
        at=now,
    )


async def add_information(session: AsyncSession, petition: Petition, text: str) -> None:
    petition = await repository.lock(session, petition)
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
    petition = await repository.lock(session, petition)
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
    petition = await repository.lock(session, petition)
    transition_for(PetitionStatus(petition.status), Action.withdraw, CITIZEN)
    now = utcnow()
    clock.stop(petition, now)
    referral_id = petition.referral_id
    await repository.cancel_open_clarifications(session, petition.id)
    await _citizen_transition(
        session, petition, Action.withdraw, reason=reason, citizen_message=messages.WITHDRAW, at=now
    )
    if referral_id is not None:
        # After the transition: the "cancelled" event then finds the petition withdrawn.
        await replies.cancel_referral(
            session,
            await replies.lock_referral(session, referral_id),
            actor=None,
            reason="Người gửi đơn đã rút đơn.",
        )


async def rate(
    session: AsyncSession, petition: Petition, satisfied: bool, comment: str | None
) -> None:
    """Rate the published answer (replies keeps the rating and closes or disputes)."""
    petition = await repository.lock(session, petition)
    if petition.status != PetitionStatus.answered or petition.referral_id is None:
        raise StateConflict(
            msg("rating_only_answered"),
            state=str(petition.status),
            allowed_actions=citizen_actions(petition),
        )
    await replies.rate_answer(
        session,
        await replies.lock_referral(session, petition.referral_id),
        satisfied=satisfied,
        comment=comment,
        actor=None,
    )


async def set_publish_consent(session: AsyncSession, petition: Petition, consent: bool) -> None:
    """Consent to publish can be given or withdrawn at any time (PDPL 91/2025); withdrawing
    removes the petition's answers from the public feed."""
    petition = await repository.lock(session, petition)
    if petition.consent_publish == consent:
        return
    now = utcnow()
    petition.consent_publish = consent
    petition.consent_recorded_at = now
    removed = 0
    if not consent:
        removed = await replies.withdraw_from_public_feed(session, "petition", petition.id)
    await _citizen_choice(
        session,
        petition,
        now,
        action="set_publish_consent",
        data={"consent_to_publish": consent, "public_answers_removed": removed},
        audited="publish_consent_changed",
        extra={"consent": consent},
    )


async def _citizen_choice(
    session: AsyncSession,
    petition: Petition,
    at: datetime,
    *,
    action: str,
    data: dict[str, Any],
    audited: str,
    extra: dict[str, Any],
) -> None:
    """The citizen changed one of their own choices on ``petition`` (consent to publish,
    notices): version + 1, their history entry ``action`` with ``data``, the audit event
    ``audited`` with ``extra``."""
    touch(petition, at)
    session.add(petition)
    actor = citizen_principal(petition)
    await add_event(
        session,
        petition,
        action=action,
        actor=actor,
        actor_kind=ActorKind.citizen,
        data=data,
        at=at,
    )
    await audit(session, actor, audited, petition, extra=extra)


async def set_notifications(session: AsyncSession, petition: Petition, enabled: bool) -> None:
    """The citizen stops (or restarts) the notices to them: email, SMS, Zalo. Consent to be
    contacted can be withdrawn at any time (PDPL 91/2025); notices queued before are
    recorded as skipped when their job runs (``notifications.deliver``)."""
    petition = await repository.lock(session, petition)
    if (petition.notify_opted_out_at is None) == enabled:
        return
    now = utcnow()
    petition.notify_opted_out_at = None if enabled else now
    await _citizen_choice(
        session,
        petition,
        now,
        action="set_notifications",
        data={"notifications": enabled},
        audited="notifications_changed",
        extra={"enabled": enabled},
    )


# An inbound SMS that asks to stop: its first word, without diacritics, upper case
# ("STOP", "HUY" for hủy, "TC" / "TU CHOI" for từ chối, as Vietnamese SMS services use).
STOP_WORDS = frozenset({"STOP", "HUY", "TC", "TUCHOI", "DUNG"})


def asks_to_stop(text: str) -> bool:
    words = strip_diacritics(text).upper().replace("Đ", "D").split()
    if not words:
        return False
    return words[0] in STOP_WORDS or words[:2] == ["TU", "CHOI"]


async def opt_out_by_phone(session: AsyncSession, settings: Settings, phone: str) -> int:
    """Stop the SMS notices of every petition of this mobile number (84...): the reply
    "STOP" an SMS gateway forwards. Each petition records it as the tracking action does
    (history, audit). Returns how many petitions it stopped."""
    found = await phone_optout.plain_matches(session, phone)
    async for batch in phone_optout.encrypted_candidates(session):
        for petition_id, ciphertext in batch:
            if normalise_mobile(decrypt_identity(settings, ciphertext).phone) == phone:
                found.append(petition_id)
    for petition_id in sorted(found):  # one lock order: no deadlock between two replies
        petition = await repository.get(session, petition_id)
        if petition is not None:
            await set_notifications(session, petition, False)
    return len(found)
