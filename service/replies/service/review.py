"""The Front's review of a submitted answer (return it or accept it), its publication to
the citizen, and the public feed's redacted copy."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.deadlines.clock import stop_clock
from service.directory.calendar import load_calendar
from service.directory.models import Agency
from service.errors import Conflict
from service.i18n import Message, msg
from service.replies import events, repository
from service.replies.access import Actor
from service.replies.models import AnswerStatus, PublicAnswer, Referral, ReferralAnswer
from service.replies.providers import item_provider
from service.replies.redaction import NOTHING, PersonalData, redact, redact_optional
from service.replies.service.steps import begin, emit, rule_of, user_id_of
from service.replies.workflow import Action

SUMMARY_CHARS = 500


async def _answer_in(
    session: AsyncSession, referral: Referral, status: AnswerStatus, missing: Message
) -> ReferralAnswer:
    """The referral's open answer in ``status``, locked; 409 with ``missing`` when there is
    none (the workflow state says there is one)."""
    answer = await repository.open_answer(session, referral.id, status, for_update=True)
    if answer is None:
        raise Conflict(missing)
    return answer


async def _review(
    session: AsyncSession,
    referral: Referral,
    actor: Actor,
    status: AnswerStatus,
    note: str | None,
    at: datetime,
) -> ReferralAnswer:
    """The submitted answer, reviewed by ``actor``: ``status`` with ``note``."""
    answer = await _answer_in(
        session, referral, AnswerStatus.submitted, msg("answer_not_submitted")
    )
    answer.status = status
    answer.reviewed_at = at
    answer.reviewed_by = user_id_of(actor)
    answer.review_note = note
    session.add(answer)
    return answer


async def return_answer(
    session: AsyncSession,
    referral: Referral,
    *,
    actor: Actor,
    reason: str,
) -> ReferralAnswer:
    """Ask the agency for more; the answer clock keeps running."""
    referral, change = await begin(session, referral, Action.return_answer, actor)
    answer = await _review(session, referral, actor, AnswerStatus.returned, reason, utcnow())
    await change.finish(reason=reason, data={"answer_id": answer.id})
    return answer


async def accept_answer(
    session: AsyncSession,
    referral: Referral,
    *,
    actor: Actor,
    note: str | None = None,
) -> ReferralAnswer:
    """The answer is good: the agency's clock stops (on time if submitted by the deadline)."""
    referral, change = await begin(session, referral, Action.accept_answer, actor)
    now = utcnow()
    answer = await _review(session, referral, actor, AnswerStatus.accepted, note, now)
    referral.answered_at = answer.submitted_at
    referral.answer_due_at = referral.due_at
    stop_clock(referral, now)
    await change.finish(
        reason=note,
        data={"answer_id": answer.id, "answered_at": referral.answered_at},
    )
    return answer


async def publish_answer(
    session: AsyncSession,
    referral: Referral,
    *,
    actor: Actor,
    note: str | None = None,
) -> ReferralAnswer:
    """The citizen sees the answer; the feedback window opens; the public feed gets it when
    the item's provider allows publication."""
    referral, change = await begin(session, referral, Action.publish, actor)
    answer = await _answer_in(session, referral, AnswerStatus.accepted, msg("answer_not_accepted"))
    now = utcnow()
    answer.status = AnswerStatus.published
    answer.published_at = now
    session.add(answer)
    rule = rule_of(referral)
    calendar = await load_calendar(session)
    referral.published_at = now
    referral.feedback_due_at = calendar.add_calendar_days(now, rule.feedback_window_days)
    await session.flush()
    personal = await item_personal_data(session, referral)
    await _publish_publicly(session, referral, answer, personal)
    assert answer.outcome is not None
    summary = answer.text[:SUMMARY_CHARS]
    data = {
        "answer_id": answer.id,
        "outcome": answer.outcome,
        "summary": summary,
        "feedback_due_at": referral.feedback_due_at,
    }
    await change.finish(
        reason=note,
        data={**data, "summary": redact(summary, personal)},
    )
    await emit(session, events.ANSWER_PUBLISHED, referral, actor, data)
    return answer


async def item_personal_data(session: AsyncSession, referral: Referral) -> PersonalData:
    """The personal data of whoever filed the referral's item (from its provider)."""
    provider = item_provider(session, referral.item_type)
    return await provider.personal_data(session, referral.item_id) if provider else NOTHING


@dataclass(frozen=True)
class PublicText:
    """What the public feed shows of an answer: every text without the petitioner's own
    name, address, phone, email and ID number (wherever the agency or the citizen typed them),
    and without anything that looks like a phone number, email, ID, bank account or licence
    plate."""

    unit_code: str
    category_code: str | None
    title: str
    description: str | None
    answer_text: str
    legal_basis: str | None


async def public_text(
    session: AsyncSession,
    referral: Referral,
    answer: ReferralAnswer,
    personal: PersonalData | None = None,
) -> PublicText | None:
    """The feed's copy of ``answer`` as publishing would write it (also the Front's preview
    before it publishes); None when the item's provider allows no publication (no consent,
    a denunciation)."""
    provider = item_provider(session, referral.item_type)
    view = await provider.public_view(session, referral.item_id) if provider else None
    if view is None:
        return None
    if personal is None:
        personal = await item_personal_data(session, referral)
    category = view.get("category_code")
    return PublicText(
        unit_code=str(view.get("unit_code") or referral.unit_code),
        category_code=str(category) if category else None,
        # The provider redacts already; redacting again costs little and protects the feed.
        title=redact(str(view.get("title") or referral.title), personal)[:500],
        description=redact_optional(
            str(view["description"]) if view.get("description") is not None else None, personal
        ),
        answer_text=redact(answer.text, personal),
        legal_basis=redact_optional(answer.legal_basis, personal),
    )


async def _publish_publicly(
    session: AsyncSession, referral: Referral, answer: ReferralAnswer, personal: PersonalData
) -> None:
    """The public feed's copy (:func:`public_text`), or none when the item may not be on it."""
    shown = await public_text(session, referral, answer, personal)
    existing = await repository.public_answer_for_referral(session, referral.id)
    if shown is None:
        if existing is not None:
            await session.delete(existing)
        return
    agency = await session.get(Agency, referral.agency_id)
    assert agency is not None
    assert answer.outcome is not None
    assert answer.published_at is not None
    row = existing or PublicAnswer(
        referral_id=referral.id,
        answer_id=answer.id,
        item_type=referral.item_type,
        item_kind=referral.item_kind,
        agency_id=agency.id,
        agency_name=agency.name,
        title="",
        outcome=answer.outcome,
        answer_text="",
    )
    row.answer_id = answer.id
    row.agency_name = agency.name
    row.unit_code = shown.unit_code
    row.category_code = shown.category_code
    row.title = shown.title
    row.description = shown.description
    row.outcome = answer.outcome
    row.answer_text = shown.answer_text
    row.legal_basis = shown.legal_basis
    row.document_number = answer.document_number
    row.document_date = answer.document_date
    row.signer_title = answer.signer_title
    row.published_at = answer.published_at
    session.add(row)
    await session.flush()


async def withdraw_from_public_feed(
    session: AsyncSession, item_type: str, item_id: uuid.UUID
) -> int:
    """Remove an item's answers from the public feed (consent to publish withdrawn)."""
    return await repository.delete_public_answers_of_item(session, item_type, item_id)
