"""Mirroring what happens to a petition's referral (events from ``service.replies``).

Handlers run inside the transaction of the referral change (replies' documented choice):
if one fails, the referral change rolls back with it. Events of other item types, and of a
referral that is no longer the petition's current one, are ignored; so are events that the
petition's state cannot take (e.g. a referral closed after the citizen withdrew).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.directory.routing import suggest_agency
from service.errors import NotFound
from service.petitions import clock, messages
from service.petitions.models import Petition, PetitionStatus
from service.petitions.repository import petitions as repository
from service.petitions.repository import reference
from service.petitions.service import (
    add_event,
    apply_transition,
    audit,
    get_petition,
)
from service.petitions.workflow import Action, Performer, can
from service.replies import events
from service.replies.events import ReferralEvent

SYSTEM = Performer.system
ITEM_TYPE = "petition"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


async def _petition(session: AsyncSession, event: ReferralEvent) -> Petition | None:
    if event.item_type != ITEM_TYPE:
        return None
    try:
        petition = await get_petition(session, event.item_id, lock=True)
    except NotFound:
        return None
    if petition.referral_id != event.referral_id:
        return None
    return petition


def _possible(petition: Petition, action: Action) -> bool:
    return can(PetitionStatus(petition.status), action, SYSTEM)


async def _agency_name(session: AsyncSession, agency_id: Any) -> str:
    if agency_id is None:
        return "cơ quan có thẩm quyền"
    agency = await reference.agency(session, uuid.UUID(str(agency_id)))
    return agency.name if agency is not None else "cơ quan có thẩm quyền"


def _local_date(value: Any) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        return str(value)
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y")


async def on_acknowledged(session: AsyncSession, event: ReferralEvent) -> None:
    petition = await _petition(session, event)
    if petition is None or not _possible(petition, Action.acknowledge):
        return
    await apply_transition(
        session,
        petition,
        Action.acknowledge,
        performer=SYSTEM,
        actor=event.actor,
        citizen_message=messages.ACKNOWLEDGE.format(
            agency=await _agency_name(session, event.agency_id)
        ),
        data={"referral_id": str(event.referral_id)},
    )


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
    await apply_transition(
        session,
        petition,
        action,
        performer=SYSTEM,
        actor=event.actor,
        reason=event.data.get("reason"),
        citizen_message=messages.DECLINE if action is Action.decline else messages.RECALL,
        data={
            "referral_id": str(event.referral_id),
            "agency_id": str(declined_by) if declined_by else None,
            "suggested_agency_id": petition.suggested_agency_id,
            "bounce_count": petition.bounce_count,
        },
        at=now,
    )


async def on_declined(session: AsyncSession, event: ReferralEvent) -> None:
    """Not competent: back to triage for re-routing; the bounce is counted."""
    petition = await _petition(session, event)
    if petition is None or not _possible(petition, Action.decline):
        return
    await _back_to_triage(session, petition, event, Action.decline)


async def on_cancelled(session: AsyncSession, event: ReferralEvent) -> None:
    petition = await _petition(session, event)
    if petition is None or not _possible(petition, Action.recall):
        return
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
        data={"referral_id": str(event.referral_id), "new_due_at": due},
        notify=True,
    )


async def on_answer_published(session: AsyncSession, event: ReferralEvent) -> None:
    """Answered; the petitioner and everyone whose petition was merged into it are told."""
    petition = await _petition(session, event)
    if petition is None or not _possible(petition, Action.publish_answer):
        return
    now = utcnow()
    petition.answered_at = now
    await apply_transition(
        session,
        petition,
        Action.publish_answer,
        performer=SYSTEM,
        actor=event.actor,
        citizen_message=messages.PUBLISH_ANSWER,
        data={
            "referral_id": str(event.referral_id),
            "answer_id": event.data.get("answer_id"),
            "outcome": event.data.get("outcome"),
        },
        at=now,
    )
    for follower_id in await repository.merged_ids(session, petition.id):
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
    petition = await _petition(session, event)
    if petition is None or not _possible(petition, Action.close):
        return
    await apply_transition(
        session,
        petition,
        Action.close,
        performer=SYSTEM,
        actor=event.actor,
        reason=event.data.get("reason"),
        citizen_message=messages.CLOSE,
        data={"referral_id": str(event.referral_id), "reason": event.data.get("reason")},
    )


async def on_reopened(session: AsyncSession, event: ReferralEvent) -> None:
    petition = await _petition(session, event)
    if petition is None or not _possible(petition, Action.reopen):
        return
    petition.reopen_count += 1
    petition.closed_at = None
    await apply_transition(
        session,
        petition,
        Action.reopen,
        performer=SYSTEM,
        actor=event.actor,
        reason=event.data.get("reason"),
        citizen_message=messages.REOPEN,
        data={"referral_id": str(event.referral_id), "reopen_count": petition.reopen_count},
    )


async def on_escalated(session: AsyncSession, event: ReferralEvent) -> None:
    """To the superior agency: the petition follows the new referral. To the People's
    Council's list: the Front's handling ends (closed), the council takes it up."""
    petition = await _petition(session, event)
    if petition is None:
        return
    new_referral = event.data.get("new_referral_id")
    data = {"referral_id": str(event.referral_id), "to": event.data.get("to")}
    if new_referral and _possible(petition, Action.escalate):
        new_agency = event.data.get("new_agency_id")
        petition.referral_id = uuid.UUID(str(new_referral))
        petition.agency_id = uuid.UUID(str(new_agency)) if new_agency else None
        await apply_transition(
            session,
            petition,
            Action.escalate,
            performer=SYSTEM,
            actor=event.actor,
            reason=event.data.get("reason"),
            citizen_message=messages.ESCALATE.format(
                target=await _agency_name(session, new_agency)
            ),
            data={**data, "new_referral_id": str(new_referral), "new_agency_id": new_agency},
        )
    elif _possible(petition, Action.close):
        await apply_transition(
            session,
            petition,
            Action.close,
            performer=SYSTEM,
            actor=event.actor,
            reason=event.data.get("reason"),
            citizen_message=messages.ESCALATE_COUNCIL,
            data=data,
        )
    else:
        await add_event(session, petition, action="escalated", actor=event.actor, data=data)
        await audit(session, event.actor, "escalated", petition, extra=data)


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
