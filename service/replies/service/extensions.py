"""Extensions: the agency asks for more time within the policy, the Front approves (the
clock moves, the citizen sees it) or refuses."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.deadlines.clock import DeadlineRule, add_duration, extend_clock, extensions_left
from service.directory.calendar import WorkingCalendar, load_calendar
from service.errors import Conflict, Invalid, NotFound
from service.i18n import msg
from service.replies import events, repository
from service.replies.access import Actor
from service.replies.models import ExtensionStatus, Referral, ReferralExtension
from service.replies.service.steps import begin, emit, rule_of, user_id_of
from service.replies.workflow import Action


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
    referral: Referral,
    *,
    actor: Actor,
    reason: str,
    new_due_date: date,
) -> ReferralExtension:
    """Ask the Front for more time. 409 when the policy allows no (more) extension or one
    is already pending; 422 when the date is not later or beyond the policy's maximum."""
    referral, change = await begin(session, referral, Action.request_extension, actor)
    rule = rule_of(referral)
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
        requested_by=user_id_of(actor),
    )
    session.add(extension)
    referral.extension_requests += 1
    await session.flush()
    data = {"extension_id": extension.id, "requested_due_date": new_due_date}
    await change.finish(reason=reason, data=data)
    return extension


async def decide_extension(
    session: AsyncSession,
    referral: Referral,
    extension_id: uuid.UUID,
    *,
    actor: Actor,
    approve: bool,
    note: str | None = None,
) -> ReferralExtension:
    """Approve (the clock moves, the citizen sees it) or refuse a pending request."""
    action = Action.approve_extension if approve else Action.refuse_extension
    referral, change = await begin(session, referral, action, actor)
    extension = await repository.extension_for_update(session, extension_id)
    if extension is None or extension.referral_id != referral.id:
        raise NotFound(msg("extension_not_found"))
    if extension.status != ExtensionStatus.pending:
        raise Conflict(msg("extension_already_decided", status=ExtensionStatus(extension.status)))
    now = utcnow()
    extension.decided_by = user_id_of(actor)
    extension.decided_at = now
    extension.decision_note = note
    data: dict[str, Any] = {"extension_id": extension.id}
    if approve:
        rule = rule_of(referral)
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
    await change.finish(
        reason=extension.reason if approve else note,
        data=data,
    )
    if approve:
        await emit(session, events.EXTENSION_GRANTED, referral, actor, data)
    return extension
