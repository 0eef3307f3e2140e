"""A referral's beginning and its withdrawal: other packages hand an item to an agency
(petitions after triage, oversight when it issues a recommendation) and take it back."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record
from service.db import utcnow
from service.deadlines.clock import start_clock, stop_clock
from service.deadlines.models import DeadlineStep, ItemKind, Urgency
from service.deadlines.policy import rule_for
from service.directory.calendar import load_calendar
from service.directory.models import AdminUnit, Agency
from service.errors import Invalid
from service.i18n import msg
from service.replies import events
from service.replies.access import Actor
from service.replies.models import ItemType, Referral, ReferralState
from service.replies.service.steps import begin, emit, history_entry, snapshot
from service.replies.workflow import Action


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
        history_entry(
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
    referral: Referral,
    *,
    actor: Actor,
    reason: str,
) -> Referral:
    """Withdraw a referral (the petition was withdrawn, merged or re-routed)."""
    referral, change = await begin(session, referral, Action.cancel, actor)
    now = utcnow()
    stop_clock(referral, now)
    referral.cancelled_at = now
    referral.close_reason = "cancelled"
    await change.finish(reason=reason)
    await emit(session, events.CANCELLED, referral, actor, {"reason": reason})
    return referral
