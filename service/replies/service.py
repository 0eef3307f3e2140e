"""Referral operations: the rules of the agency -> Front -> citizen loop.

Every change goes through ``_begin`` (load the row FOR UPDATE, check the caller may see it,
check the ``If-Match`` version, look the action up in ``workflow.TRANSITIONS``) and
``_finish`` (new state, version + 1, a ``referral_history`` row, an audit event, flush),
then dispatches the referral event in the same transaction. Nothing here commits.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.audit.service import actor_fields, record
from service.auth.models import Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.db import utcnow
from service.deadlines.clock import (
    DeadlineRule,
    add_duration,
    extend_clock,
    extensions_left,
    start_clock,
    stop_clock,
)
from service.deadlines.models import DeadlineStep, ItemKind, Urgency
from service.deadlines.policy import rule_for
from service.directory.calendar import WorkingCalendar, load_calendar
from service.directory.models import AdminUnit, Agency
from service.errors import (
    Conflict,
    Invalid,
    NotFound,
    PreconditionFailed,
    StateConflict,
    field_error,
)
from service.i18n import msg
from service.replies import events, repository
from service.replies.models import (
    FINAL_STATES,
    AnswerOutcome,
    AnswerStatus,
    EscalationTarget,
    ExtensionStatus,
    ItemType,
    PublicAnswer,
    Referral,
    ReferralAnswer,
    ReferralAttachment,
    ReferralExtension,
    ReferralHistory,
    ReferralState,
)
from service.replies.providers import item_provider
from service.replies.redaction import (
    NOTHING,
    PersonalData,
    redact,
    redact_optional,
    remove_personal,
)
from service.replies.schemas import AnswerDraftWrite, CitizenHistoryEntry, PublishedAnswer
from service.replies.workflow import Action, Transition, allowed_actions, parties_of, transition
from service.storage.models import Evidence
from service.storage.service import create_evidence_from_stream
from service.storage.store import ObjectStore

Actor = StaffPrincipal | ClientPrincipal | None

NOTIFY_JOB = "replies.notify_agency"
SUMMARY_CHARS = 500


# -- visibility and concurrency -----------------------------------------------------------


def can_see(referral: Referral, viewer: Actor) -> bool:
    """Agency officers see their agency's referrals; Front officers, supervisors and
    council readers those of their unit (all of them at city level); admins everything.
    ``None`` (the system, or a citizen already authorised by the petitions package) and API
    clients are trusted by the caller."""
    if not isinstance(viewer, StaffPrincipal):
        return True
    if viewer.role == Role.admin:
        return True
    if viewer.role == Role.agency_officer:
        return viewer.agency_id is not None and referral.agency_id == viewer.agency_id
    return viewer.sees_unit(referral.unit_code)


def may_read_answer_text(referral: Referral, viewer: Actor) -> bool:
    """Who reads what an agency answers to a denunciation (before and after publication; it
    is never on the public feed): the agency's officers who write it and the Front officers
    who review it (``can_see`` has checked their agency and unit). Not administrators or
    anyone else: the answer may name the denouncer."""
    if referral.item_kind != ItemKind.denunciation or not isinstance(viewer, StaffPrincipal):
        return True
    return viewer.role in (Role.agency_officer, Role.front_officer)


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


def check_version(referral: Referral, expected_version: int | None) -> None:
    """``If-Match``: None skips the check (service-to-service calls)."""
    if expected_version is not None and expected_version != referral.version:
        raise PreconditionFailed(
            msg("referral_changed"),
            current_version=referral.version,
        )


async def get_visible_referral(
    session: AsyncSession, referral_id: uuid.UUID, viewer: Actor, *, for_update: bool = False
) -> Referral:
    """404 for a referral the viewer may not see, as for one that does not exist."""
    referral = await repository.get_referral(session, referral_id, for_update=for_update)
    if referral is None or not can_see(referral, viewer):
        raise NotFound(msg("referral_not_found"))
    return referral


def actions_for(referral: Referral, viewer: Actor) -> list[str]:
    return allowed_actions(referral.state, parties_of(viewer))


def snapshot(referral: Referral) -> dict[str, Any]:
    return {
        "state": referral.state,
        "version": referral.version,
        "agency_id": referral.agency_id,
        "deadline_step": referral.deadline_step,
        "due_at": referral.due_at,
        "deadline_status": referral.deadline_status,
        "agency_reference": referral.agency_reference,
        "reopen_count": referral.reopen_count,
        "extensions": len(referral.extensions),
    }


async def _begin(
    session: AsyncSession,
    referral_id: uuid.UUID,
    action: Action,
    actor: Actor,
    expected_version: int | None,
) -> tuple[Referral, Transition, dict[str, Any]]:
    referral = await get_visible_referral(session, referral_id, actor, for_update=True)
    check_version(referral, expected_version)
    found = transition(ReferralState(referral.state), action, actor)
    return referral, found, snapshot(referral)


def _history(
    referral: Referral,
    actor: Actor,
    *,
    action: str,
    from_state: str | None,
    to_state: str,
    reason: str | None,
    visible: bool,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ReferralHistory:
    actor_type, actor_id = actor_fields(actor)
    role = actor.role.value if isinstance(actor, StaffPrincipal) else None
    return ReferralHistory(
        referral_id=referral.id,
        at=at or utcnow(),
        actor_type=actor_type.value,
        actor_id=actor_id,
        actor_role=role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        visible_to_citizen=visible,
        data=_jsonable(data or {}),
    )


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = to_jsonable_python(data)
    return converted


async def _finish(
    session: AsyncSession,
    referral: Referral,
    step: Transition,
    actor: Actor,
    before: dict[str, Any],
    *,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    audit_data: dict[str, Any] | None = None,
) -> None:
    now = utcnow()
    from_state = ReferralState(referral.state)
    referral.state = step.next_state
    referral.version += 1
    referral.updated_at = now
    session.add(referral)
    session.add(
        _history(
            referral,
            actor,
            action=step.action.value,
            from_state=from_state.value,
            to_state=step.next_state.value,
            reason=reason,
            visible=step.visible_to_citizen,
            data=data,
            at=now,
        )
    )
    await record(
        session,
        actor=actor,
        action=f"referral.{step.action.value}",
        entity_type="referral",
        entity_id=referral.id,
        before=before,
        after={**snapshot(referral), **(audit_data if audit_data is not None else data or {})},
    )
    await session.flush()


async def emit(
    session: AsyncSession,
    name: str,
    referral: Referral,
    actor: Actor,
    data: dict[str, Any] | None = None,
) -> None:
    await events.dispatch(
        session,
        events.ReferralEvent(
            name=name,
            referral_id=referral.id,
            item_type=referral.item_type,
            item_id=referral.item_id,
            agency_id=referral.agency_id,
            actor=actor,
            data=data or {},
        ),
    )


def _rule(referral: Referral) -> DeadlineRule:
    if referral.deadline_rule is None:
        raise Conflict(msg("referral_no_deadline_rule"))
    return DeadlineRule.from_json(referral.deadline_rule)


# -- creating and cancelling (called by petitions and oversight) -----------------------------


async def create_referral(
    session: AsyncSession,
    *,
    item_type: str,
    item_id: uuid.UUID,
    item_kind: ItemKind,
    urgency: Urgency,
    agency_id: uuid.UUID,
    unit_code: str,
    title: str,
    actor: Actor,
    note: str | None = None,
    escalated_from_id: uuid.UUID | None = None,
) -> Referral:
    """Hand an item to an agency; the acceptance clock starts now from ``deadline_policy``."""
    try:
        item_type = ItemType(item_type).value
    except ValueError as exc:
        raise Invalid(msg("item_type_unknown", item_type=item_type), field="item_type") from exc
    agency = await session.get(Agency, agency_id)
    if agency is None or not agency.active:
        raise Invalid(msg("agency_not_active"), field="agency_id")
    if await session.get(AdminUnit, unit_code) is None:
        raise Invalid(msg("unit_not_found"), field="unit_code")
    title = title.strip()
    if not title:
        raise Invalid(msg("title_empty"), field="title")
    now = utcnow()
    referral = Referral(
        item_type=item_type,
        item_id=item_id,
        item_kind=ItemKind(item_kind),
        urgency=Urgency(urgency),
        agency_id=agency.id,
        unit_code=unit_code,
        title=title[:500],
        note=note,
        state=ReferralState.sent,
        escalated_from_id=escalated_from_id,
        created_at=now,
        updated_at=now,
    )
    calendar = await load_calendar(session)
    rule = await rule_for(session, referral.item_kind, referral.urgency, DeadlineStep.acceptance)
    start_clock(referral, calendar, rule, now)
    referral.acceptance_due_at = referral.due_at
    session.add(referral)
    await session.flush()
    data = {"agency_id": agency.id, "agency_name": agency.name, "due_at": referral.due_at}
    if escalated_from_id is not None:
        data["escalated_from_id"] = escalated_from_id
    session.add(
        _history(
            referral,
            actor,
            action="create",
            from_state=None,
            to_state=ReferralState.sent.value,
            reason=note,
            visible=True,
            data=data,
            at=now,
        )
    )
    await record(
        session,
        actor=actor,
        action="referral.created",
        entity_type="referral",
        entity_id=referral.id,
        after={**snapshot(referral), "item_type": item_type, "item_id": item_id},
    )
    await session.flush()
    return referral


async def cancel_referral(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    reason: str,
    expected_version: int | None = None,
) -> None:
    """Withdraw a referral (the petition was withdrawn, merged or re-routed)."""
    referral, step, before = await _begin(
        session, referral_id, Action.cancel, actor, expected_version
    )
    now = utcnow()
    stop_clock(referral, now)
    referral.cancelled_at = now
    referral.close_reason = "cancelled"
    await _finish(session, referral, step, actor, before, reason=reason)
    await emit(session, events.CANCELLED, referral, actor, {"reason": reason})


# -- agency side ----------------------------------------------------------------------------


async def acknowledge(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    agency_reference: str,
    note: str | None = None,
    expected_version: int | None = None,
) -> Referral:
    """Thụ lý: the answer clock starts now, from the policy for the item's kind."""
    referral, step, before = await _begin(
        session, referral_id, Action.acknowledge, actor, expected_version
    )
    now = utcnow()
    referral.agency_reference = agency_reference.strip()
    referral.acknowledged_at = now
    referral.acceptance_due_at = referral.due_at
    calendar = await load_calendar(session)
    rule = await rule_for(session, referral.item_kind, referral.urgency, DeadlineStep.answer)
    start_clock(referral, calendar, rule, now)
    data = {"agency_reference": referral.agency_reference, "due_at": referral.due_at}
    await _finish(session, referral, step, actor, before, reason=note, data=data)
    await emit(session, events.ACKNOWLEDGED, referral, actor, data)
    return referral


async def decline(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    reason: str,
    suggested_agency_id: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> Referral:
    """Not competent: the item goes back to the Front for re-routing."""
    referral, step, before = await _begin(
        session, referral_id, Action.decline, actor, expected_version
    )
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
    await _finish(session, referral, step, actor, before, reason=reason, data=data)
    await emit(session, events.DECLINED, referral, actor, data)
    return referral


def _extension_amount(
    calendar: WorkingCalendar, referral: Referral, rule: DeadlineRule, requested: date
) -> int | None:
    """The smallest extension (in the policy's unit, within its maximum) reaching the
    requested date; None if the policy's maximum does not reach it."""
    assert referral.due_at is not None
    for amount in range(1, rule.extension_amount + 1):
        moved = add_duration(calendar, referral.due_at, amount, rule.extension_unit)
        if calendar.local_date(moved) >= requested:
            return amount
    return None


def _check_extension_allowed(referral: Referral, rule: DeadlineRule) -> None:
    if rule.max_extensions <= 0 or rule.extension_amount <= 0:
        raise Conflict(
            msg("extension_not_allowed"),
            max_extensions=0,
        )
    if extensions_left(referral) <= 0:
        raise Conflict(
            msg("extensions_used_up", max_extensions=rule.max_extensions),
            max_extensions=rule.max_extensions,
            extensions_granted=len(referral.extensions),
        )


async def request_extension(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    reason: str,
    new_due_date: date,
    expected_version: int | None = None,
) -> ReferralExtension:
    """Ask the Front for more time. 409 when the policy allows no (more) extension or one
    is already pending; 422 when the date is not later or beyond the policy's maximum."""
    referral, step, before = await _begin(
        session, referral_id, Action.request_extension, actor, expected_version
    )
    rule = _rule(referral)
    _check_extension_allowed(referral, rule)
    if await repository.pending_extension(session, referral.id) is not None:
        raise Conflict(msg("extension_pending"))
    calendar = await load_calendar(session)
    assert referral.due_at is not None
    current = calendar.local_date(referral.due_at)
    if new_due_date <= current:
        raise Invalid(
            msg("extension_not_later", current=current),
            field="new_due_date",
        )
    if _extension_amount(calendar, referral, rule, new_due_date) is None:
        latest = calendar.local_date(
            add_duration(calendar, referral.due_at, rule.extension_amount, rule.extension_unit)
        )
        raise Invalid(
            msg(
                "extension_too_long",
                amount=rule.extension_amount,
                unit=rule.extension_unit,
                latest=latest,
            ),
            field="new_due_date",
            latest_due_date=latest.isoformat(),
        )
    extension = ReferralExtension(
        referral_id=referral.id,
        reason=reason,
        requested_due_date=new_due_date,
        previous_due_at=referral.due_at,
        requested_by=actor.user_id if isinstance(actor, StaffPrincipal) else None,
    )
    session.add(extension)
    referral.extension_requests += 1
    await session.flush()
    data = {"extension_id": extension.id, "requested_due_date": new_due_date}
    await _finish(session, referral, step, actor, before, reason=reason, data=data)
    return extension


async def save_draft(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    draft: AnswerDraftWrite,
    expected_version: int | None = None,
) -> ReferralAnswer:
    """Create or replace the agency's private draft answer."""
    referral, step, before = await _begin(
        session, referral_id, Action.save_draft, actor, expected_version
    )
    allowed = await repository.attachment_ids_of(session, referral.id)
    unknown = [str(i) for i in draft.attachment_ids if i not in allowed]
    if unknown:
        raise Invalid(
            msg("attachment_not_of_referral"),
            field="attachment_ids",
            unknown_attachment_ids=unknown,
        )
    answer = await repository.open_answer(session, referral.id, AnswerStatus.draft, for_update=True)
    user_id = actor.user_id if isinstance(actor, StaffPrincipal) else None
    if answer is None:
        answer = ReferralAnswer(
            referral_id=referral.id, round=referral.reopen_count, created_by=user_id
        )
    answer.outcome = draft.outcome
    answer.text = draft.text
    answer.legal_basis = draft.legal_basis
    answer.document_number = draft.document_number
    answer.document_date = draft.document_date
    answer.signer_name = draft.signer_name
    answer.signer_title = draft.signer_title
    answer.attachment_ids = list(dict.fromkeys(draft.attachment_ids))
    answer.updated_at = utcnow()
    session.add(answer)
    await session.flush()
    await _finish(session, referral, step, actor, before, data={"answer_id": answer.id})
    return answer


REQUIRED_TO_SUBMIT = (
    "outcome",
    "text",
    "document_number",
    "document_date",
    "signer_name",
    "signer_title",
)


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
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    expected_version: int | None = None,
) -> ReferralAnswer:
    """Send the draft to the Front for review (the clock keeps running until accepted)."""
    referral, step, before = await _begin(
        session, referral_id, Action.submit_answer, actor, expected_version
    )
    answer = await repository.open_answer(session, referral.id, AnswerStatus.draft, for_update=True)
    if answer is None:
        raise Invalid(msg("answer_draft_missing"), field="answer")
    missing = _missing_fields(answer)
    if missing:
        raise Invalid(
            msg("answer_incomplete"),
            errors=[field_error(f"answer.{name}", msg("missing")) for name in missing],
        )
    now = utcnow()
    answer.status = AnswerStatus.submitted
    answer.submitted_at = now
    answer.submitted_by = actor.user_id if isinstance(actor, StaffPrincipal) else None
    session.add(answer)
    await _finish(
        session,
        referral,
        step,
        actor,
        before,
        data={"answer_id": answer.id, "outcome": answer.outcome},
    )
    return answer


# -- Front side -----------------------------------------------------------------------------


async def decide_extension(
    session: AsyncSession,
    referral_id: uuid.UUID,
    extension_id: uuid.UUID,
    *,
    actor: Actor,
    approve: bool,
    note: str | None = None,
    expected_version: int | None = None,
) -> ReferralExtension:
    """Approve (the clock moves, the citizen sees it) or refuse a pending request."""
    action = Action.approve_extension if approve else Action.refuse_extension
    referral, step, before = await _begin(session, referral_id, action, actor, expected_version)
    extension = await session.get(ReferralExtension, extension_id, with_for_update=True)
    if extension is None or extension.referral_id != referral.id:
        raise NotFound(msg("extension_not_found"))
    if extension.status != ExtensionStatus.pending:
        raise Conflict(msg("extension_already_decided", status=ExtensionStatus(extension.status)))
    now = utcnow()
    extension.decided_by = actor.user_id if isinstance(actor, StaffPrincipal) else None
    extension.decided_at = now
    extension.decision_note = note
    data: dict[str, Any] = {"extension_id": extension.id}
    if approve:
        rule = _rule(referral)
        _check_extension_allowed(referral, rule)
        calendar = await load_calendar(session)
        amount = _extension_amount(calendar, referral, rule, extension.requested_due_date)
        if amount is None:
            raise Invalid(
                msg("extension_beyond_policy"),
                field="requested_due_date",
            )
        extend_clock(referral, calendar, amount, rule.extension_unit, now)
        extension.status = ExtensionStatus.approved
        extension.granted_amount = amount
        extension.granted_unit = rule.extension_unit.value
        extension.granted_due_at = referral.due_at
        data.update(
            new_due_at=referral.due_at,
            previous_due_at=extension.previous_due_at,
            reason=extension.reason,
        )
    else:
        extension.status = ExtensionStatus.refused
    session.add(extension)
    await _finish(
        session,
        referral,
        step,
        actor,
        before,
        reason=extension.reason if approve else note,
        data=data,
    )
    if approve:
        await emit(session, events.EXTENSION_GRANTED, referral, actor, data)
    return extension


async def return_answer(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    reason: str,
    expected_version: int | None = None,
) -> ReferralAnswer:
    """Ask the agency for more; the answer clock keeps running."""
    referral, step, before = await _begin(
        session, referral_id, Action.return_answer, actor, expected_version
    )
    answer = await _submitted_answer(session, referral)
    answer.status = AnswerStatus.returned
    answer.reviewed_at = utcnow()
    answer.reviewed_by = actor.user_id if isinstance(actor, StaffPrincipal) else None
    answer.review_note = reason
    session.add(answer)
    await _finish(
        session, referral, step, actor, before, reason=reason, data={"answer_id": answer.id}
    )
    return answer


async def _submitted_answer(session: AsyncSession, referral: Referral) -> ReferralAnswer:
    answer = await repository.open_answer(
        session, referral.id, AnswerStatus.submitted, for_update=True
    )
    if answer is None:  # the workflow state says there is one
        raise Conflict(msg("answer_not_submitted"))
    return answer


async def accept_answer(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    note: str | None = None,
    expected_version: int | None = None,
) -> ReferralAnswer:
    """The answer is good: the agency's clock stops (on time if submitted by the deadline)."""
    referral, step, before = await _begin(
        session, referral_id, Action.accept_answer, actor, expected_version
    )
    answer = await _submitted_answer(session, referral)
    now = utcnow()
    answer.status = AnswerStatus.accepted
    answer.reviewed_at = now
    answer.reviewed_by = actor.user_id if isinstance(actor, StaffPrincipal) else None
    answer.review_note = note
    session.add(answer)
    referral.answered_at = answer.submitted_at
    referral.answer_due_at = referral.due_at
    stop_clock(referral, now)
    await _finish(
        session,
        referral,
        step,
        actor,
        before,
        reason=note,
        data={"answer_id": answer.id, "answered_at": referral.answered_at},
    )
    return answer


async def publish_answer(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    note: str | None = None,
    expected_version: int | None = None,
) -> ReferralAnswer:
    """The citizen sees the answer; the feedback window opens; the public feed gets it when
    the item's provider allows publication."""
    referral, step, before = await _begin(
        session, referral_id, Action.publish, actor, expected_version
    )
    answer = await repository.open_answer(
        session, referral.id, AnswerStatus.accepted, for_update=True
    )
    if answer is None:
        raise Conflict(msg("answer_not_accepted"))
    now = utcnow()
    answer.status = AnswerStatus.published
    answer.published_at = now
    session.add(answer)
    rule = _rule(referral)
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
    await _finish(
        session,
        referral,
        step,
        actor,
        before,
        reason=note,
        data={**data, "summary": redact(summary, personal)},
    )
    await emit(session, events.ANSWER_PUBLISHED, referral, actor, data)
    return answer


async def item_personal_data(session: AsyncSession, referral: Referral) -> PersonalData:
    """The personal data of whoever filed the referral's item (from its provider)."""
    provider = item_provider(session, referral.item_type)
    return await provider.personal_data(session, referral.item_id) if provider else NOTHING


async def _publish_publicly(
    session: AsyncSession, referral: Referral, answer: ReferralAnswer, personal: PersonalData
) -> None:
    """The public feed's copy: every text without the petitioner's own name, address, phone,
    email and ID number (wherever the agency or the citizen typed them), and without anything
    that looks like a phone number, email, ID, bank account or licence plate."""
    provider = item_provider(session, referral.item_type)
    view = await provider.public_view(session, referral.item_id) if provider else None
    existing = await repository.public_answer_for_referral(session, referral.id)
    if view is None:
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
    row.unit_code = str(view.get("unit_code") or referral.unit_code)
    category = view.get("category_code")
    row.category_code = str(category) if category else None
    # The provider redacts already; redacting again costs little and protects the feed.
    row.title = redact(str(view.get("title") or referral.title), personal)[:500]
    row.description = redact_optional(
        str(view["description"]) if view.get("description") is not None else None, personal
    )
    row.outcome = answer.outcome
    row.answer_text = redact(answer.text, personal)
    row.legal_basis = redact_optional(answer.legal_basis, personal)
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
    referral_ids = sa.select(col(Referral.id)).where(
        col(Referral.item_type) == item_type, col(Referral.item_id) == item_id
    )
    result = await session.execute(
        sa.delete(PublicAnswer).where(col(PublicAnswer.referral_id).in_(referral_ids))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def close_referral(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    reason: str,
    expected_version: int | None = None,
) -> Referral:
    """The Front closes a published or disputed referral."""
    referral, step, before = await _begin(
        session, referral_id, Action.close, actor, expected_version
    )
    referral.closed_at = utcnow()
    referral.close_reason = "closed_by_front"
    await _finish(session, referral, step, actor, before, reason=reason)
    await emit(session, events.CLOSED, referral, actor, {"reason": "closed_by_front"})
    return referral


async def reopen(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    reason: str,
    expected_version: int | None = None,
) -> Referral:
    """Back to the agency for a new answer (a fresh answer clock); at most ``reopen_limit``
    times per referral (policy), beyond that 409: escalate or close instead."""
    referral, step, before = await _begin(
        session, referral_id, Action.reopen, actor, expected_version
    )
    rule = await rule_for(session, referral.item_kind, referral.urgency, DeadlineStep.answer)
    if referral.reopen_count >= rule.reopen_limit:
        raise StateConflict(
            msg("reopen_limit_reached", count=referral.reopen_count),
            state=referral.state,
            allowed_actions=[a for a in actions_for(referral, actor) if a != Action.reopen.value],
        )
    now = utcnow()
    referral.reopen_count += 1
    referral.feedback_due_at = None
    calendar = await load_calendar(session)
    start_clock(referral, calendar, rule, now)
    data = {"reason": reason, "reopen_count": referral.reopen_count, "due_at": referral.due_at}
    await _finish(session, referral, step, actor, before, reason=reason, data=data)
    await emit(session, events.REOPENED, referral, actor, data)
    return referral


async def escalate(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    actor: Actor,
    to: EscalationTarget,
    reason: str,
    expected_version: int | None = None,
) -> tuple[Referral, Referral | None]:
    """To the superior agency (``agency.parent_id``: a new referral for it) or to the list
    that goes to the People's Council. Returns (this referral, the new one or None)."""
    referral, step, before = await _begin(
        session, referral_id, Action.escalate, actor, expected_version
    )
    to = EscalationTarget(to)
    new_referral: Referral | None = None
    data: dict[str, Any] = {"to": to.value, "reason": reason}
    if to is EscalationTarget.superior_agency:
        agency = await session.get(Agency, referral.agency_id)
        if agency is None or agency.parent_id is None:
            raise Invalid(
                msg("no_superior_agency"),
                field="to",
            )
        new_referral = await create_referral(
            session,
            item_type=referral.item_type,
            item_id=referral.item_id,
            item_kind=referral.item_kind,
            urgency=referral.urgency,
            agency_id=agency.parent_id,
            unit_code=referral.unit_code,
            title=referral.title,
            actor=actor,
            note=reason,
            escalated_from_id=referral.id,
        )
        data.update(new_referral_id=new_referral.id, new_agency_id=new_referral.agency_id)
    now = utcnow()
    referral.escalated_to = to
    referral.escalated_at = now
    if referral.clock_stopped_at is None:
        stop_clock(referral, now)
    await _finish(session, referral, step, actor, before, reason=reason, data=data)
    await emit(session, events.ESCALATED, referral, actor, data)
    return referral, new_referral


# -- citizen side ---------------------------------------------------------------------------


async def rate_answer(
    session: AsyncSession,
    referral_id: uuid.UUID,
    *,
    satisfied: bool,
    comment: str | None,
    actor: Actor = None,
) -> Referral:
    """The citizen's rating within the feedback window (409 after it, or before the answer
    is published). Satisfied closes the referral; not satisfied leaves the Front to reopen
    or escalate. ``actor`` None = the citizen through the petitions tracking route."""
    action = Action.rate_satisfied if satisfied else Action.rate_not_satisfied
    referral, step, before = await _begin(session, referral_id, action, actor, None)
    now = utcnow()
    if referral.feedback_due_at is not None and now > referral.feedback_due_at:
        raise Conflict(
            msg("rating_window_closed"),
            feedback_due_at=referral.feedback_due_at.isoformat(),
        )
    comment = comment.strip() if comment else None
    if comment:
        # The comment is shown to the agency and kept in the history: never with the
        # petitioner's own identity in it (a denouncer may sign it).
        comment = remove_personal(comment, await item_personal_data(session, referral))
    referral.satisfied = satisfied
    referral.rating_comment = comment or None
    referral.rated_at = now
    if satisfied:
        referral.closed_at = now
        referral.close_reason = "satisfied"
    await _finish(
        session,
        referral,
        step,
        actor,
        before,
        reason=comment,
        data={"satisfied": satisfied},
        audit_data={"satisfied": satisfied, "comment": redact_optional(comment)},
    )
    await emit(session, events.RATED, referral, actor, {"satisfied": satisfied, "comment": comment})
    if satisfied:
        await emit(session, events.CLOSED, referral, actor, {"reason": "satisfied"})
    return referral


# -- reading ----------------------------------------------------------------------------------


async def get_referrals_for_item(
    session: AsyncSession, item_type: str, item_id: uuid.UUID
) -> list[Referral]:
    return await repository.referrals_for_item(session, item_type, item_id)


async def published_answer_for_item(
    session: AsyncSession, item_type: str, item_id: uuid.UUID
) -> PublishedAnswer | None:
    """The latest published answer to the item (for the citizen's tracking view)."""
    found = await repository.latest_published_answer(session, item_type, item_id)
    if found is None:
        return None
    answer, referral, agency_name = found
    assert answer.outcome is not None
    assert answer.published_at is not None
    return PublishedAnswer(
        referral_id=referral.id,
        answer_id=answer.id,
        agency_id=referral.agency_id,
        agency_name=agency_name,
        outcome=answer.outcome,
        text=answer.text,
        legal_basis=answer.legal_basis,
        document_number=answer.document_number,
        document_date=answer.document_date,
        signer_name=answer.signer_name,
        signer_title=answer.signer_title,
        attachment_ids=list(answer.attachment_ids),
        published_at=answer.published_at,
        feedback_due_at=referral.feedback_due_at,
        referral_state=ReferralState(referral.state),
        satisfied=referral.satisfied,
    )


async def citizen_history(
    session: AsyncSession, item_type: str, item_id: uuid.UUID
) -> list[CitizenHistoryEntry]:
    """The entries of the item's referrals that the citizen may see (acknowledged,
    extensions granted, answer published, rating, closed, reopened, escalated)."""
    rows = await repository.citizen_history(session, item_type, item_id)
    return [
        CitizenHistoryEntry(
            referral_id=referral.id,
            agency_id=referral.agency_id,
            at=entry.at,
            action=entry.action,
            to_state=entry.to_state,
            reason=entry.reason if entry.action in _CITIZEN_REASONS else None,
            data={k: v for k, v in entry.data.items() if k in _CITIZEN_DATA},
        )
        for entry, referral in rows
    ]


# Staff notes stay internal; the citizen sees why an extension was granted and their rating.
_CITIZEN_REASONS = frozenset({"approve_extension", "rate_satisfied", "rate_not_satisfied"})
_CITIZEN_DATA = frozenset(
    {
        "agency_name",
        "agency_reference",
        "due_at",
        "new_due_at",
        "outcome",
        "feedback_due_at",
        "satisfied",
        "to",
        "reopen_count",
    }
)


# -- attachments ------------------------------------------------------------------------------


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
    referral; answers can then attach it. Only while the agency drafts its answer."""
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
    # The same file uploaded twice is the same evidence: attach it once.
    await session.execute(
        pg_insert(ReferralAttachment)
        .values(referral_id=referral.id, evidence_id=evidence.id, added_by=actor.user_id)
        .on_conflict_do_nothing()
    )
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
