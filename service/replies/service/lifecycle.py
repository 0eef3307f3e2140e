"""A referral's beginning and its withdrawal: other packages hand an item to an agency
(petitions after triage, oversight when it issues a recommendation) and take it back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record
from service.db import utcnow
from service.deadlines.clock import stop_clock
from service.deadlines.models import DeadlineStep, ItemKind, Urgency
from service.directory.models import AdminUnit, Agency
from service.errors import Invalid
from service.i18n import msg
from service.replies import events
from service.replies.access import Actor
from service.replies.models import ItemType, Referral, ReferralState
from service.replies.service.steps import (
    begin,
    emit,
    history_entry,
    snapshot,
    start_step_clock,
)
from service.replies.workflow import Action


@dataclass(frozen=True, slots=True)
class ReferredItem:
    """What is handed to an agency, as its own package names it: the item's type and id, its
    kind and urgency (which deadline rules apply), the unit it belongs to and its title."""

    item_type: str
    item_id: uuid.UUID
    item_kind: ItemKind
    unit_code: str
    title: str
    urgency: Urgency = Urgency.normal

    @classmethod
    def of(cls, referral: Referral) -> ReferredItem:
        """The item an existing referral carries (an escalation hands it on unchanged)."""
        return cls(
            referral.item_type,
            referral.item_id,
            referral.item_kind,
            referral.unit_code,
            referral.title,
            referral.urgency,
        )


async def create_referral(
    session: AsyncSession,
    *,
    item: ReferredItem,
    agency_id: uuid.UUID,
    actor: Actor,
    note: str | None = None,
    escalated_from_id: uuid.UUID | None = None,
) -> Referral:
    """Hand an item to an agency; the acceptance clock starts now from ``deadline_policy``."""
    try:
        item_type = ItemType(item.item_type).value
    except ValueError as exc:
        raise Invalid(
            msg("item_type_unknown", item_type=item.item_type), field="item_type"
        ) from exc
    agency = await session.get(Agency, agency_id)
    if agency is None or not agency.active:
        raise Invalid(msg("agency_not_active"), field="agency_id")
    if await session.get(AdminUnit, item.unit_code) is None:
        raise Invalid(msg("unit_not_found"), field="unit_code")
    title = item.title.strip()
    if not title:
        raise Invalid(msg("title_empty"), field="title")
    now = utcnow()
    referral = Referral(
        item_type=item_type,
        item_id=item.item_id,
        item_kind=ItemKind(item.item_kind),
        urgency=Urgency(item.urgency),
        agency_id=agency.id,
        unit_code=item.unit_code,
        title=title[:500],
        note=note,
        state=ReferralState.sent,
        escalated_from_id=escalated_from_id,
        created_at=now,
        updated_at=now,
    )
    await start_step_clock(session, referral, DeadlineStep.acceptance, now)
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
        after={**snapshot(referral), "item_type": item_type, "item_id": item.item_id},
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
