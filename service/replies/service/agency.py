"""The agency's side: acknowledge (thụ lý) or decline, draft and submit the answer, attach
files, and the audited reveal of who filed the item."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.deadlines.clock import stop_clock
from service.deadlines.models import DeadlineStep
from service.directory.models import Agency
from service.errors import Invalid, NotFound, StateConflict, field_error
from service.i18n import msg
from service.replies import events, repository
from service.replies.access import Actor, actions_for, get_visible_referral
from service.replies.models import (
    ANSWER_CONTENT,
    FINAL_STATES,
    AnswerOutcome,
    AnswerStatus,
    Referral,
    ReferralAnswer,
    ReferralState,
)
from service.replies.providers import item_provider
from service.replies.schemas import AnswerDraftWrite
from service.replies.service.steps import begin, start_step_clock, user_id_of
from service.replies.workflow import Action, transition
from service.storage.models import Evidence
from service.storage.service import create_evidence_from_stream
from service.storage.store import ObjectStore


async def acknowledge(
    session: AsyncSession,
    referral: Referral,
    *,
    actor: Actor,
    agency_reference: str,
    note: str | None = None,
) -> Referral:
    """Thụ lý: the answer clock starts now, from the policy for the item's kind."""
    referral, change = await begin(session, referral, Action.acknowledge, actor)
    now = utcnow()
    referral.agency_reference = agency_reference.strip()
    referral.acknowledged_at = now
    referral.acceptance_due_at = referral.due_at
    await start_step_clock(session, referral, DeadlineStep.answer, now)
    data = {"agency_reference": referral.agency_reference, "due_at": referral.due_at}
    await change.finish(reason=note, data=data, event=events.ACKNOWLEDGED)
    return referral


async def decline(
    session: AsyncSession,
    referral: Referral,
    *,
    actor: Actor,
    reason: str,
    suggested_agency_id: uuid.UUID | None = None,
) -> Referral:
    """Not competent: the item goes back to the Front for re-routing."""
    referral, change = await begin(session, referral, Action.decline, actor)
    if suggested_agency_id is not None:
        if suggested_agency_id == referral.agency_id:
            raise Invalid(msg("suggest_other_agency"), field="suggested_agency_id")
        if await session.get(Agency, suggested_agency_id) is None:
            raise Invalid(msg("agency_not_found"), field="suggested_agency_id")
    now = utcnow()
    stop_clock(referral, now)
    referral.declined_at = now
    referral.decline_reason = reason
    referral.suggested_agency_id = suggested_agency_id
    data = {"reason": reason, "suggested_agency_id": suggested_agency_id}
    await change.finish(reason=reason, data=data, event=events.DECLINED)
    return referral


async def save_draft(
    session: AsyncSession,
    referral: Referral,
    *,
    actor: Actor,
    draft: AnswerDraftWrite,
) -> ReferralAnswer:
    """Create or replace the agency's private draft answer."""
    referral, change = await begin(session, referral, Action.save_draft, actor)
    allowed = await repository.attachment_ids_of(session, referral.id)
    unknown = [str(i) for i in draft.attachment_ids if i not in allowed]
    if unknown:
        raise Invalid(
            msg("attachment_not_of_referral"),
            field="attachment_ids",
            unknown_attachment_ids=unknown,
        )
    answer = await repository.open_answer(session, referral.id, AnswerStatus.draft, for_update=True)
    if answer is None:
        answer = ReferralAnswer(
            referral_id=referral.id, round=referral.reopen_count, created_by=user_id_of(actor)
        )
    for name in ANSWER_CONTENT:
        setattr(answer, name, getattr(draft, name))
    answer.attachment_ids = list(dict.fromkeys(draft.attachment_ids))
    answer.updated_at = utcnow()
    session.add(answer)
    await session.flush()
    await change.finish(data={"answer_id": answer.id})
    return answer


# An answer is submitted with all of its content but the legal basis, which may stay empty.
REQUIRED_TO_SUBMIT = tuple(name for name in ANSWER_CONTENT if name != "legal_basis")


def _missing_fields(answer: ReferralAnswer) -> list[str]:
    missing = [
        name
        for name in REQUIRED_TO_SUBMIT
        if getattr(answer, name) in (None, "") or str(getattr(answer, name)).strip() == ""
    ]
    if (
        answer.outcome == AnswerOutcome.rejected_with_legal_basis
        and not (answer.legal_basis or "").strip()
    ):
        missing.append("legal_basis")
    return missing


async def submit_answer(
    session: AsyncSession,
    referral: Referral,
    *,
    actor: Actor,
) -> ReferralAnswer:
    """Send the draft to the Front for review (the clock keeps running until accepted)."""
    referral, change = await begin(session, referral, Action.submit_answer, actor)
    answer = await repository.open_answer(session, referral.id, AnswerStatus.draft, for_update=True)
    if answer is None:
        raise Invalid(msg("answer_draft_missing"), field="answer")
    missing = _missing_fields(answer)
    if missing:
        raise Invalid(
            msg("answer_incomplete"),
            errors=[field_error(f"answer.{name}", msg("missing")) for name in missing],
        )
    answer.status = AnswerStatus.submitted
    answer.submitted_at = utcnow()
    answer.submitted_by = user_id_of(actor)
    session.add(answer)
    await change.finish(
        data={"answer_id": answer.id, "outcome": answer.outcome},
    )
    return answer


async def add_attachment(
    session: AsyncSession,
    store: ObjectStore,
    referral_id: uuid.UUID,
    chunks: AsyncIterator[bytes],
    *,
    actor: StaffPrincipal,
    filename: str | None,
    max_bytes: int,
    size_hint: int | None = None,
) -> Evidence:
    """Stream a file (e.g. the signed answer as PDF) to the evidence store for this
    referral; answers can then attach it. Only while the agency drafts its answer. The
    referral is not locked: a long upload must not hold up the Front's work on it."""
    referral = await get_visible_referral(session, referral_id, actor)
    transition(ReferralState(referral.state), Action.save_draft, actor)
    evidence = await create_evidence_from_stream(
        session,
        store,
        chunks,
        filename=filename,
        uploader=actor,
        max_bytes=max_bytes,
        size_hint=size_hint,
    )
    await repository.link_attachment(session, referral.id, evidence.id, actor.user_id)
    await record(
        session,
        actor=actor,
        action="referral.attachment_added",
        entity_type="referral",
        entity_id=referral.id,
        after={"evidence_id": evidence.id, "sha256": evidence.sha256},
    )
    await session.flush()
    return evidence


async def reveal_item_identity(
    session: AsyncSession, referral: Referral, viewer: StaffPrincipal, reason: str
) -> dict[str, Any]:
    """The agency's audited reveal of who filed the item (its provider decides who may);
    only while the referral is with the agency."""
    if ReferralState(referral.state) in FINAL_STATES:
        raise StateConflict(
            msg("referral_not_with_agency"),
            state=referral.state,
            allowed_actions=actions_for(referral, viewer),
        )
    provider = item_provider(session, referral.item_type)
    if provider is None:
        raise NotFound(msg("item_not_found"))
    return await provider.reveal_identity(session, referral.item_id, viewer, reason)
