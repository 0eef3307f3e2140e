"""Mirroring what happens to a petition's referral (events from ``service.replies``).

Handlers run inside the transaction of the referral change (replies' documented choice):
if one fails, the referral change rolls back with it. Events of other item types, and of a
referral that is no longer the petition's current one, are ignored; so are events that the
petition's state cannot take (e.g. a referral closed after the citizen withdrew).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict, Unpack
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import AuditEntry, record_many
from service.db import utcnow
from service.directory.routing import suggest_agency
from service.errors import NotFound
from service.jobs.outbox import enqueue_many
from service.petitions import clock, messages
from service.petitions.models import NotifyChannel, Petition, PetitionStatus
from service.petitions.repository import petitions as repository
from service.petitions.repository import reference
from service.petitions.repository import sweep as sweep_repository
from service.petitions.service import (
    CLOSING_STATUSES,
    ENTITY,
    NOTIFY_JOB,
    EntryFields,
    add_event,
    apply_transition,
    audit,
    get_petition,
    snapshot,
)
from service.petitions.workflow import Action, Performer, can, transition_for
from service.replies import events
from service.replies.events import ReferralEvent

SYSTEM = Performer.system
ITEM_TYPE = "petition"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class MirroredFields(TypedDict, total=False):
    """What a mirrored transition may say besides its message and data."""

    reason: str | None
    at: datetime | None


async def _petition(
    session: AsyncSession, event: ReferralEvent, action: Action | None = None
) -> Petition | None:
    """The petition whose current referral the event is about, locked; None for another
    item type, a referral no longer the petition's, or (given ``action``) a state that
    cannot take it."""
    if event.item_type != ITEM_TYPE:
        return None
    try:
        petition = await get_petition(session, event.item_id, lock=True)
    except NotFound:
        return None
    if petition.referral_id != event.referral_id:
        return None
    if action is not None and not _possible(petition, action):
        return None
    return petition


def _possible(petition: Petition, action: Action) -> bool:
    return _possible_status(PetitionStatus(petition.status), action)


def _possible_status(status: PetitionStatus, action: Action) -> bool:
    return can(status, action, SYSTEM)


async def _mirror(
    session: AsyncSession,
    petition: Petition,
    event: ReferralEvent,
    action: Action,
    citizen_message: str,
    data: dict[str, Any],
    **fields: Unpack[MirroredFields],
) -> None:
    """The petition takes ``action`` as the referral did: by the system, for the event's
    actor."""
    entry: EntryFields = {**fields, "citizen_message": citizen_message, "data": data}
    await apply_transition(session, petition, action, performer=SYSTEM, actor=event.actor, **entry)


async def _agency_name(session: AsyncSession, agency_id: Any) -> str:
    if agency_id is None:
        return "cơ quan có thẩm quyền"
    agency = await reference.agency(session, uuid.UUID(str(agency_id)))
    return agency.name if agency is not None else "cơ quan có thẩm quyền"


def _referral(event: ReferralEvent) -> dict[str, Any]:
    """The history data every mirrored event carries."""
    return {"referral_id": str(event.referral_id)}


def _local_date(value: Any) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        return str(value)
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y")


async def on_acknowledged(session: AsyncSession, event: ReferralEvent) -> None:
    petition = await _petition(session, event, Action.acknowledge)
    if petition is None:
        return
    agency = await _agency_name(session, event.agency_id)
    message = messages.ACKNOWLEDGE.format(agency=agency)
    await _mirror(session, petition, event, Action.acknowledge, message, _referral(event))


async def _back_to_triage(
    session: AsyncSession, petition: Petition, event: ReferralEvent, action: Action
) -> None:
    now = utcnow()
    declined_by = petition.agency_id
    petition.referral_id = None
    petition.agency_id = None
    proposed = event.data.get("suggested_agency_id")
    if proposed:
        petition.suggested_agency_id = uuid.UUID(str(proposed))
    else:
        again = await suggest_agency(session, petition.category_code, petition.unit_code)
        petition.suggested_agency_id = (
            again.id if again is not None and again.id != declined_by else None
        )
    await clock.start_routing_clock(session, petition, now)
    petition.escalated_at = None  # a new routing step may be escalated again
    if action is Action.decline:
        petition.bounce_count += 1
    await _mirror(
        session,
        petition,
        event,
        action,
        messages.DECLINE if action is Action.decline else messages.RECALL,
        {
            **_referral(event),
            "agency_id": str(declined_by) if declined_by else None,
            "suggested_agency_id": petition.suggested_agency_id,
            "bounce_count": petition.bounce_count,
        },
        reason=event.data.get("reason"),
        at=now,
    )


async def on_declined(session: AsyncSession, event: ReferralEvent) -> None:
    """Not competent: back to triage for re-routing; the bounce is counted."""
    if petition := await _petition(session, event, Action.decline):
        await _back_to_triage(session, petition, event, Action.decline)


async def on_cancelled(session: AsyncSession, event: ReferralEvent) -> None:
    if petition := await _petition(session, event, Action.recall):
        await _back_to_triage(session, petition, event, Action.recall)


async def on_extension_granted(session: AsyncSession, event: ReferralEvent) -> None:
    petition = await _petition(session, event)
    if petition is None:
        return
    due = event.data.get("new_due_at")
    await add_event(
        session,
        petition,
        action="extension_granted",
        actor=event.actor,
        citizen_message=messages.EXTENSION.format(due=_local_date(due)),
        data={**_referral(event), "new_due_at": due},
        notify=True,
    )


async def on_answer_published(session: AsyncSession, event: ReferralEvent) -> None:
    """Answered; the petitioner and everyone whose petition was merged into it are told."""
    petition = await _petition(session, event, Action.publish_answer)
    if petition is None:
        return
    now = utcnow()
    petition.answered_at = now
    answer = {"answer_id": event.data.get("answer_id"), "outcome": event.data.get("outcome")}
    data = {**_referral(event), **answer}
    await _mirror(
        session, petition, event, Action.publish_answer, messages.PUBLISH_ANSWER, data, at=now
    )
    for follower_id in await repository.merged_ids(session, [petition.id]):
        follower = await get_petition(session, follower_id)
        await add_event(
            session,
            follower,
            action="lead_answered",
            actor=event.actor,
            citizen_message=messages.LEAD_ANSWERED.format(code=petition.tracking_code),
            data={"lead_id": str(petition.id), "referral_id": str(event.referral_id)},
            notify=True,
            at=now,
        )


async def on_rated(session: AsyncSession, event: ReferralEvent) -> None:
    petition = await _petition(session, event)
    if petition is None:
        return
    satisfied = bool(event.data.get("satisfied"))
    await add_event(
        session,
        petition,
        action="rated",
        actor=event.actor,
        citizen_message=messages.RATED.format(verdict="hài lòng" if satisfied else "chưa hài lòng"),
        data={"satisfied": satisfied},
    )


async def on_closed(session: AsyncSession, event: ReferralEvent) -> None:
    petition = await _petition(session, event, Action.close)
    if petition is None:
        return
    reason = event.data.get("reason")
    data = {**_referral(event), "reason": reason}
    await _mirror(session, petition, event, Action.close, messages.CLOSE, data, reason=reason)


# Where the system may close a petition, and what the close does there (the workflow table).
_CLOSE_ROWS = {
    status: transition_for(status, Action.close, SYSTEM)
    for status in PetitionStatus
    if _possible_status(status, Action.close)
}


async def on_closed_many(session: AsyncSession, batch: Sequence[ReferralEvent]) -> None:
    """The batch form of ``on_closed`` (the sweep closes thousands of referrals at once):
    the same closures, history entries, citizen notifications and audit events, written by
    a few statements per (reason, status) instead of a few per petition."""
    now = utcnow()
    by_reason: dict[Any, list[ReferralEvent]] = {}
    for event in batch:
        if event.item_type != ITEM_TYPE:
            continue
        if event.actor is not None:  # the statements below write the system as the actor
            await on_closed(session, event)
            continue
        by_reason.setdefault(event.data.get("reason"), []).append(event)
    for reason, closed in by_reason.items():
        item_ids = [event.item_id for event in closed]
        referral_ids = [event.referral_id for event in closed]
        for source, row in _CLOSE_ROWS.items():
            target = row.target
            changed = await sweep_repository.transition_current(
                session,
                item_ids,
                referral_ids,
                now,
                from_status=source.value,
                to_status=target.value,
                closes=target in CLOSING_STATUSES,
            )
            if not changed:
                continue
            event_ids = await sweep_repository.add_system_events(
                session,
                [petition.id for petition in changed],
                now,
                action=Action.close.value,
                from_status=source.value,
                to_status=target.value,
                reason=reason,
                citizen_message=messages.CLOSE if row.citizen_visible else None,
                data={"reason": reason},
            )
            if row.citizen_visible:
                await enqueue_many(
                    session,
                    NOTIFY_JOB,
                    [
                        (
                            {"petition_id": str(p.id), "event_id": event_ids[p.id]},
                            f"petition-notify:{p.id}:{event_ids[p.id]}",
                        )
                        for p in changed
                        if p.notify_channel != NotifyChannel.none
                    ],
                )
            await record_many(
                session,
                [
                    AuditEntry(
                        action=f"petition.{Action.close.value}",
                        entity_type=ENTITY,
                        entity_id=p.id,
                        before={
                            **snapshot(p),
                            "status": source.value,
                            "version": p.version - 1,
                        },
                        after=snapshot(p),
                    )
                    for p in changed
                ],
            )


async def on_reopened(session: AsyncSession, event: ReferralEvent) -> None:
    petition = await _petition(session, event, Action.reopen)
    if petition is None:
        return
    petition.reopen_count += 1
    petition.closed_at = None
    data = {**_referral(event), "reopen_count": petition.reopen_count}
    reason = event.data.get("reason")
    await _mirror(session, petition, event, Action.reopen, messages.REOPEN, data, reason=reason)


async def on_escalated(session: AsyncSession, event: ReferralEvent) -> None:
    """To the superior agency: the petition follows the new referral. To the People's
    Council's list: the Front's handling ends (closed), the council takes it up."""
    petition = await _petition(session, event)
    if petition is None:
        return
    new_referral = event.data.get("new_referral_id")
    reason = event.data.get("reason")
    data = {**_referral(event), "to": event.data.get("to")}
    if new_referral and _possible(petition, Action.escalate):
        new_agency = event.data.get("new_agency_id")
        petition.referral_id = uuid.UUID(str(new_referral))
        petition.agency_id = uuid.UUID(str(new_agency)) if new_agency else None
        message = messages.ESCALATE.format(target=await _agency_name(session, new_agency))
        data |= {"new_referral_id": str(new_referral), "new_agency_id": new_agency}
        await _mirror(session, petition, event, Action.escalate, message, data, reason=reason)
    elif _possible(petition, Action.close):
        message = messages.ESCALATE_COUNCIL
        await _mirror(session, petition, event, Action.close, message, data, reason=reason)
    else:
        await add_event(session, petition, action="escalated", actor=event.actor, data=data)
        await audit(session, event.actor, "escalated", petition, extra=data)


# Batch forms (``events.dispatch_many``) of some of the handlers above.
BATCH_HANDLERS = {events.CLOSED: on_closed_many}

HANDLERS = {
    events.ACKNOWLEDGED: on_acknowledged,
    events.DECLINED: on_declined,
    events.CANCELLED: on_cancelled,
    events.EXTENSION_GRANTED: on_extension_granted,
    events.ANSWER_PUBLISHED: on_answer_published,
    events.RATED: on_rated,
    events.CLOSED: on_closed,
    events.REOPENED: on_reopened,
    events.ESCALATED: on_escalated,
}
