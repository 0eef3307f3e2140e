"""The reception itself, by the Front officers of the booking's unit: the bookings they see,
the identity check at the start, the record (biên bản) and evidence while it runs, and the
outcome (a petition filed through the normal intake, an answer, guidance) or a no-show."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth import service as auth_service
from service.auth.models import Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.db import utcnow
from service.directory.cache import reference_cache
from service.directory.models import UnitLevel
from service.errors import Forbidden, Invalid, NotFound, StateConflict, field_error
from service.i18n import msg
from service.petitions import intake
from service.petitions.confidential import decrypt_json
from service.petitions.models import Channel, NotifyChannel, Petition
from service.petitions.schemas import PetitionCreate, PetitionerIn
from service.reception import repository
from service.reception.models import Action, BookingStatus, Outcome, ReceptionBooking
from service.reception.schemas import CompleteRequest, StartRequest
from service.reception.service.common import BOOKING_AUDIT, STAFF_ROLES, move, parties
from service.reception.workflow import BOOKING_FLOW, FRONT
from service.settings import Settings
from service.storage import service as storage

# The reception's own API client: what its petitions are filed as (as the portal's web form).
RECEPTION_CLIENT_ID = uuid.UUID("6f1c2a4e-0c1d-4e55-9a0b-7265637074a0")
RECEPTION_CLIENT = ClientPrincipal(
    client_id=RECEPTION_CLIENT_ID,
    name="Tiếp công dân trực tuyến",
    scopes=frozenset({"petitions:write"}),
)


async def load_visible(
    session: AsyncSession, booking_id: uuid.UUID, viewer: StaffPrincipal, *, lock: bool = True
) -> ReceptionBooking:
    """The booking, locked; 404 outside the viewer's unit."""
    booking = await repository.booking(session, booking_id, for_update=lock)
    if booking is None or viewer.role not in STAFF_ROLES or not viewer.sees_unit(booking.unit_code):
        raise NotFound(msg("reception.booking_not_found"))
    return booking


async def list_bookings(
    session: AsyncSession,
    viewer: StaffPrincipal,
    *,
    statuses: list[BookingStatus] | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[ReceptionBooking], str | None]:
    if viewer.role not in STAFF_ROLES:
        raise Forbidden(msg("reception.front_only"))
    return await repository.booking_page(
        session, viewer.unit_code, statuses=statuses, since=since, cursor=cursor, limit=limit
    )


async def _officers(
    session: AsyncSession, booking: ReceptionBooking, actor: StaffPrincipal, chosen: list[uuid.UUID]
) -> list[uuid.UUID]:
    """The officer starting the reception, then the others present: active Front staff of
    the booking's unit (or of the city), each once; 422 for anyone else."""
    others = [i for i in dict.fromkeys(chosen) if i != actor.user_id]
    if chosen:
        users = await repository.staff_users(session, list(dict.fromkeys(chosen)))
        fit = {
            u.id
            for u in users
            if u.active
            and Role(u.role) in STAFF_ROLES
            and (u.unit_code is None or u.unit_code == booking.unit_code)
        }
        if any(i not in fit for i in chosen):
            raise Invalid(msg("reception.officer_unknown"), field="officer_ids")
    return [actor.user_id, *others]


async def start(
    session: AsyncSession,
    settings: Settings,
    booking: ReceptionBooking,
    actor: StaffPrincipal,
    data: StartRequest,
) -> ReceptionBooking:
    """The identity check at the start: the number read from the card the citizen shows
    must be the one they booked with (compared decrypted, never stored or logged again)."""
    BOOKING_FLOW.step(BookingStatus(booking.status), Action.start, parties(actor))
    booked = decrypt_json(settings, booking.national_id_ciphertext).get("national_id")
    if not secrets.compare_digest(str(booked), data.national_id):
        raise Invalid(msg("reception.identity_mismatch"), field="national_id")
    officers = await _officers(session, booking, actor, data.officer_ids)
    booking.officer_ids = officers
    booking.identity_checked_at = utcnow()
    booking.identity_checked_by = actor.user_id
    booking.identity_document = data.document
    return await move(
        session,
        booking,
        actor,
        Action.start,
        BookingStatus.in_progress,
        identity_checked=True,
        document=data.document,
        officers=[str(o) for o in officers],
    )


def _require_in_progress(booking: ReceptionBooking) -> None:
    if booking.status != BookingStatus.in_progress:
        raise StateConflict(
            msg("reception.not_in_progress"),
            state=str(booking.status),
            allowed_actions=BOOKING_FLOW.allowed(BookingStatus(booking.status), FRONT),
        )


async def write_record(
    session: AsyncSession, booking: ReceptionBooking, actor: StaffPrincipal, text: str
) -> ReceptionBooking:
    """The record (biên bản) of what the citizen raised, while the reception runs."""
    _require_in_progress(booking)
    booking.record = text
    return await BOOKING_AUDIT.changed(
        session, actor, booking, "reception.record_written", record_length=len(text)
    )


async def attach_evidence(
    session: AsyncSession,
    booking: ReceptionBooking,
    actor: StaffPrincipal,
    evidence_id: uuid.UUID,
) -> ReceptionBooking:
    """Link evidence uploaded through the storage endpoints to the reception."""
    _require_in_progress(booking)
    evidence = await storage.get_evidence(session, evidence_id)
    if not storage.visible_to(evidence, actor):
        raise NotFound(msg("evidence_not_found"))
    if await repository.add_evidence(session, booking.id, evidence.id, actor.user_id):
        await BOOKING_AUDIT.changed(
            session, actor, booking, "reception.evidence_added", evidence_id=evidence.id
        )
    return booking


# The petition's fields an outcome of ``petition`` must give.
PETITION_FIELDS = ("kind", "category", "title", "description")


def _outcome_errors(data: CompleteRequest) -> list[dict[str, Any]]:
    errors = []
    if data.outcome is Outcome.petition:
        for name in PETITION_FIELDS:
            if getattr(data, name) is None:
                errors.append(field_error(name, msg("reception.petition_field_required")))
    elif data.outcome is Outcome.answered and not data.text:
        errors.append(field_error("text", msg("reception.answer_required")))
    elif data.outcome is Outcome.guided and not data.guided_to:
        errors.append(field_error("guided_to", msg("reception.guided_to_required")))
    return errors


async def complete(
    session: AsyncSession,
    settings: Settings,
    booking: ReceptionBooking,
    actor: StaffPrincipal,
    data: CompleteRequest,
) -> ReceptionBooking:
    """The outcome: a petition filed through the normal intake (channel
    ``online_reception``, the citizen identified by the checked CCCD), an answer given on
    the spot, or guidance to the competent body."""
    BOOKING_FLOW.step(BookingStatus(booking.status), Action.complete, parties(actor))
    errors = _outcome_errors(data)
    if not booking.record:
        errors.append(field_error("record", msg("reception.record_required")))
    if errors:
        raise Invalid(msg("reception.outcome_invalid"), errors=errors)
    if data.outcome is Outcome.petition:
        petition = await _file_petition(session, settings, booking, data)
        booking.petition_id = petition.id
    booking.outcome = data.outcome
    booking.outcome_text = data.text
    booking.guided_to = data.guided_to
    booking.finished_at = utcnow()
    return await move(
        session,
        booking,
        actor,
        Action.complete,
        BookingStatus.completed,
        outcome=data.outcome.value,
        petition_id=str(booking.petition_id) if booking.petition_id else None,
    )


async def _file_petition(
    session: AsyncSession, settings: Settings, booking: ReceptionBooking, data: CompleteRequest
) -> Petition:
    unit_code: str | None = data.unit_code or booking.unit_code
    unit = await reference_cache.unit(session, booking.unit_code)
    if unit is not None and unit.level is UnitLevel.province and data.unit_code is None:
        unit_code = None  # a city reception: the ward comes from the address, or 422
    national_id = decrypt_json(settings, booking.national_id_ciphertext).get("national_id")
    petition_data = PetitionCreate.model_validate(
        {
            **data.model_dump(include=set(PETITION_FIELDS)),
            "unit_code": unit_code,
            "address_text": data.address,
            "channel": Channel.online_reception,
            "petitioner": PetitionerIn(
                full_name=booking.full_name,
                phone=booking.phone,
                national_id=national_id,
                address=data.address,
            ),
            "consent_to_process": True,  # given explicitly when booking
            "notify_channel": NotifyChannel.sms,
        }
    )
    await auth_service.ensure_channel_client(
        session, RECEPTION_CLIENT_ID, RECEPTION_CLIENT.name, "online-reception"
    )
    petition, _secret = await intake.file_petition(
        session, settings, RECEPTION_CLIENT, petition_data
    )
    return petition


async def mark_no_show(
    session: AsyncSession,
    booking: ReceptionBooking,
    actor: StaffPrincipal | None,
    now: datetime | None = None,
    note: str | None = None,
) -> ReceptionBooking:
    """The citizen did not come (an officer, once the slot began; or the sweep). ``note``
    goes to the audit event."""
    now = now or utcnow()
    BOOKING_FLOW.step(BookingStatus(booking.status), Action.mark_no_show, parties(actor))
    if now < booking.slot_start:
        raise StateConflict(
            msg("reception.no_show_too_early"),
            state=str(booking.status),
            allowed_actions=[],
        )
    booking.finished_at = now
    return await move(
        session, booking, actor, Action.mark_no_show, BookingStatus.no_show, note=note
    )
