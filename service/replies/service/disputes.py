"""What the Front does with a published or disputed answer: close the referral, reopen it
for a new answer (within the policy's limit), or escalate it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.deadlines.clock import stop_clock
from service.deadlines.models import DeadlineStep
from service.deadlines.policy import rule_for
from service.directory.models import Agency
from service.errors import Invalid, StateConflict
from service.i18n import msg
from service.replies import events
from service.replies.access import Actor, actions_for
from service.replies.models import EscalationTarget, Referral
from service.replies.service.lifecycle import ReferredItem, create_referral
from service.replies.service.steps import begin, emit, start_step_clock
from service.replies.workflow import Action


async def close_referral(
    session: AsyncSession,
    referral: Referral,
    *,
    actor: Actor,
    reason: str,
) -> Referral:
    """The Front closes a published or disputed referral."""
    referral, change = await begin(session, referral, Action.close, actor)
    referral.closed_at = utcnow()
    referral.close_reason = "closed_by_front"
    await change.finish(reason=reason)
    await emit(session, events.CLOSED, referral, actor, {"reason": "closed_by_front"})
    return referral


async def reopen(
    session: AsyncSession,
    referral: Referral,
    *,
    actor: Actor,
    reason: str,
) -> Referral:
    """Back to the agency for a new answer (a fresh answer clock); at most ``reopen_limit``
    times per referral (policy), beyond that 409: escalate or close instead."""
    referral, change = await begin(session, referral, Action.reopen, actor)
    rule = await rule_for(session, referral.item_kind, referral.urgency, DeadlineStep.answer)
    if referral.reopen_count >= rule.reopen_limit:
        raise StateConflict.refusing(
            msg("reopen_limit_reached", count=referral.reopen_count),
            action=Action.reopen.value,
            state=referral.state,
            allowed_actions=actions_for(referral, actor),
        )
    now = utcnow()
    referral.reopen_count += 1
    referral.feedback_due_at = None
    await start_step_clock(session, referral, DeadlineStep.answer, now, rule=rule)
    data = {"reason": reason, "reopen_count": referral.reopen_count, "due_at": referral.due_at}
    await change.finish(reason=reason, data=data, event=events.REOPENED)
    return referral


async def escalate(
    session: AsyncSession,
    referral: Referral,
    *,
    actor: Actor,
    to: EscalationTarget,
    reason: str,
) -> tuple[Referral, Referral | None]:
    """To the superior agency (``agency.parent_id``: a new referral for it) or to the list
    that goes to the People's Council. Returns (this referral, the new one or None)."""
    referral, change = await begin(session, referral, Action.escalate, actor)
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
            item=ReferredItem.of(referral),
            agency_id=agency.parent_id,
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
    await change.finish(reason=reason, data=data, event=events.ESCALATED)
    return referral, new_referral
