"""The shared core of petition operations: loading within the caller's area (the
``If-Match`` check is the HTTP kit's, :mod:`service.http.preconditions`), transitions through
the workflow table, history, audit and the notification of every change the citizen may see.

Services only flush; the request (or the job's session scope) commits.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypedDict, Unpack

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record as audit_record
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.db import utcnow
from service.errors import Forbidden, NotFound
from service.i18n import msg
from service.jobs.outbox import enqueue
from service.petitions import access
from service.petitions.models import (
    ActorKind,
    NotifyChannel,
    Petition,
    Petitioner,
    PetitionEvent,
    PetitionStatus,
)
from service.petitions.repository import petitions as repository
from service.petitions.workflow import Action, Performer, transition_for

Actor = StaffPrincipal | ClientPrincipal | None
NOTIFY_JOB = "petitions.notify"
ENTITY = "petition"
# The statuses whose transition sets ``closed_at``.
CLOSING_STATUSES = (PetitionStatus.closed, PetitionStatus.withdrawn, PetitionStatus.rejected)


# -- loading --------------------------------------------------------------------------------


async def get_petition(
    session: AsyncSession, petition_id: uuid.UUID, *, lock: bool = False
) -> Petition:
    petition = await repository.find(session, petition_id, lock=lock)
    if petition is None:
        raise NotFound(msg("petition_not_found"))
    return petition


async def get_for_staff(
    session: AsyncSession, petition_id: uuid.UUID, viewer: StaffPrincipal, *, lock: bool = False
) -> Petition:
    """The petition if ``viewer`` may see it; 404 otherwise (also for other wards)."""
    petition = await get_petition(session, petition_id, lock=lock)
    if not access.sees(viewer, petition):
        raise NotFound(msg("petition_not_found"))
    return petition


async def load_for_triage(
    session: AsyncSession, petition_id: uuid.UUID, viewer: StaffPrincipal
) -> Petition:
    """The petition locked for a triage change by ``viewer``: 403 for roles that never
    triage (before looking, as the guard does), 404 outside their area. The HTTP kit then
    checks ``If-Match`` against the locked row."""
    if not access.may_triage(viewer):
        raise Forbidden(msg("role_may_not_change_petitions", role=viewer.role))
    return await get_for_staff(session, petition_id, viewer, lock=True)


async def get_petitioner(session: AsyncSession, petition_id: uuid.UUID) -> Petitioner | None:
    return await repository.petitioner(session, petition_id)


# -- actors ---------------------------------------------------------------------------------


def citizen_principal(petition: Petition) -> ClientPrincipal:
    """Citizen actions through the tracking secret are attributed, in audit and custody
    logs, to the API client that filed the petition (the citizen has no account)."""
    return ClientPrincipal(client_id=petition.client_id, name="citizen (tracking secret)")


def _actor_columns(actor: Actor, kind: ActorKind | None) -> dict[str, Any]:
    if isinstance(actor, StaffPrincipal):
        return {
            "actor_kind": kind or ActorKind.staff,
            "actor_id": str(actor.user_id),
            "actor_role": actor.role.value,
        }
    if isinstance(actor, ClientPrincipal):
        return {
            "actor_kind": kind or ActorKind.client,
            "actor_id": str(actor.client_id),
            "actor_role": None,
        }
    return {"actor_kind": kind or ActorKind.system, "actor_id": None, "actor_role": None}


# -- history, audit, notifications ----------------------------------------------------------


# What the audit log keeps of a petition: never personal data, never the text.
SNAPSHOT_FIELDS = (
    *("tracking_code", "status", "kind", "category_code", "unit_code", "urgency"),
    *("agency_id", "referral_id", "merged_into_id", "due_at", "deadline_status", "version"),
)


def snapshot(petition: Petition | sa.Row[Any]) -> dict[str, Any]:
    """``SNAPSHOT_FIELDS`` of a petition, or of a row a statement returned with them."""
    return {name: getattr(petition, name) for name in SNAPSHOT_FIELDS}


class EntryFields(TypedDict, total=False):
    """What a history entry may say besides its action and actor (all optional)."""

    actor_kind: ActorKind | None
    reason_code: str | None
    reason: str | None
    # What the citizen reads; an entry with one is citizen-visible.
    citizen_message: str | None
    data: dict[str, Any] | None
    at: datetime | None  # default: now


class EventFields(EntryFields, total=False):
    """An entry's fields with the statuses it moved between (a transition fills them in)."""

    from_status: str | None
    to_status: str | None


def event_values(
    petition: Petition, *, action: str, actor: Actor, **fields: Unpack[EventFields]
) -> dict[str, Any]:
    """The column values of a history entry (``add_event``'s; intake inserts its own in one
    statement with the petition)."""
    citizen_message = fields.get("citizen_message")
    return {
        "petition_id": petition.id,
        "at": fields.get("at") or utcnow(),
        "action": action,
        "from_status": fields.get("from_status"),
        "to_status": fields.get("to_status"),
        "reason_code": fields.get("reason_code"),
        "reason": fields.get("reason"),
        "citizen_visible": citizen_message is not None,
        "citizen_message": citizen_message,
        "data": to_jsonable_python(fields.get("data") or {}),
        **_actor_columns(actor, fields.get("actor_kind")),
    }


async def add_event(
    session: AsyncSession,
    petition: Petition,
    *,
    action: str,
    actor: Actor,
    notify: bool = False,
    **fields: Unpack[EventFields],
) -> PetitionEvent:
    """A history entry; citizen-visible when it has a ``citizen_message``. With ``notify``
    the citizen is told through their channel (an outbox job, same transaction)."""
    event = PetitionEvent(**event_values(petition, action=action, actor=actor, **fields))
    session.add(event)
    await session.flush()
    if notify and fields.get("citizen_message") is not None:
        await enqueue_notification(session, petition, event)
    return event


async def enqueue_notification(
    session: AsyncSession, petition: Petition, event: PetitionEvent
) -> None:
    if petition.notify_channel == NotifyChannel.none:
        return
    await enqueue(
        session,
        NOTIFY_JOB,
        {"petition_id": str(petition.id), "event_id": event.id},
        dedupe_key=f"petition-notify:{petition.id}:{event.id}",
    )


async def audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    petition: Petition,
    *,
    before: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    after = snapshot(petition)
    if extra:
        after.update(extra)
    await audit_record(
        session,
        actor=actor,
        action=f"petition.{action}",
        entity_type=ENTITY,
        entity_id=petition.id,
        before=before,
        after=after,
    )


def touch(petition: Petition, at: datetime | None = None) -> None:
    petition.version += 1
    petition.updated_at = at or utcnow()


async def apply_transition(
    session: AsyncSession,
    petition: Petition,
    action: Action,
    *,
    performer: Performer,
    actor: Actor,
    notify: bool = True,
    **fields: Unpack[EntryFields],
) -> PetitionEvent:
    """Move ``petition`` along the workflow table (409 listing the allowed actions, 403 for
    another performer's action), with history, audit and the citizen's notification.

    The caller has already changed what the action changes besides the status (clock,
    referral, reasons); both are flushed together. The ``citizen_message`` is kept only
    for a transition the citizen sees.
    """
    at = fields.get("at") or utcnow()
    row = transition_for(PetitionStatus(petition.status), action, performer)
    before = snapshot(petition)
    entry: EventFields = {
        **fields,
        "at": at,
        "from_status": str(petition.status),
        "to_status": row.target.value,
        "citizen_message": fields.get("citizen_message") if row.citizen_visible else None,
    }
    petition.status = row.target
    if row.target in CLOSING_STATUSES:
        petition.closed_at = at
    touch(petition, at)
    session.add(petition)
    event = await add_event(
        session, petition, action=action.value, actor=actor, notify=notify, **entry
    )
    await audit(session, actor, action.value, petition, before=before)
    return event
