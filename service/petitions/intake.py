"""Filing a petition through an API client.

The rules of the kinds (domain guide): complaints and denunciations need an identified
petitioner (full name, national ID number, address and a phone or email); feedback and
recommendations may be anonymous. A complaint is filed within 90 days of the decision it
contests, when its date is given. A denouncer's identity is encrypted at once and never
stored in plain text. Consent to process the data is required (PDPL 91/2025: explicit,
silence is not consent); consent to publish is recorded as given. A petition sent without
a unit code is filed in the ward or commune its address names, old (pre-2025) or new
(``choose_unit``, ``service.directory.addresses``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from service.audit.service import AuditEntry, audit_values
from service.auth.principals import ClientPrincipal
from service.db import utcnow
from service.directory.addresses import (
    AddressOutcome,
    AddressRule,
    jurisdiction,
    resolve_address_async,
)
from service.directory.cache import UnitRef, reference_cache
from service.directory.models import UnitLevel
from service.errors import Invalid, field_error
from service.i18n import Message, msg
from service.jobs.outbox import outbox_values
from service.notices.phones import normalise_mobile
from service.observability import current_request_id
from service.petitions import clock, messages
from service.petitions.codes import new_secret, next_tracking_code, secret_digest
from service.petitions.confidential import Identity, encrypt_identity
from service.petitions.models import (
    IDENTIFIED_KINDS,
    OPEN_STATUSES,
    NotifyChannel,
    Petition,
    PetitionKind,
    PetitionStatus,
    SuggestionSource,
)
from service.petitions.repository import intake as intake_repository
from service.petitions.repository import petitions as petitions_repository
from service.petitions.repository import reference
from service.petitions.repository.duplicates import find_duplicates, store_suggestions
from service.petitions.routing import about_agency
from service.petitions.schemas import PetitionCreate, PetitionCreated, PetitionerIn
from service.petitions.service import ENTITY, NOTIFY_JOB, event_values, snapshot
from service.settings import Settings

COMPLAINT_WINDOW_DAYS = 90
# Mainland Vietnam with its islands and archipelagos (Hoàng Sa, Trường Sa).
VIETNAM_LATITUDE = (6.5, 23.4)
VIETNAM_LONGITUDE = (102.1, 117.9)
TRACK_PATH = "/api/v1/track/"
SUGGEST_DUPLICATES_JOB = "petitions.suggest_duplicates"
# Written by the database (``models.SEARCH_*``): never sent, not known after the insert.
GENERATED_COLUMNS = ["search_title", "search_text", "search_vector"]


def _error(field: str, message: Message) -> dict[str, Any]:
    return field_error(field, message)


def identity_of(petitioner: PetitionerIn | None) -> Identity:
    return Identity() if petitioner is None else Identity.of(petitioner)


def is_identified(identity: Identity) -> bool:
    return bool(identity.full_name) and bool(
        identity.phone or identity.email or identity.national_id or identity.address
    )


def missing_identity_fields(identity: Identity) -> list[dict[str, Any]]:
    """What an identified petitioner (complaint, denunciation) must give."""
    errors = []
    if not identity.full_name:
        errors.append(_error("petitioner.full_name", msg("petitioner_name_required")))
    if not identity.national_id:
        errors.append(_error("petitioner.national_id", msg("petitioner_national_id_required")))
    if not identity.address:
        errors.append(_error("petitioner.address", msg("petitioner_address_required")))
    if not identity.phone and not identity.email:
        message = msg("petitioner_contact_required")
        errors.append(_error("petitioner.phone", message))
        errors.append(_error("petitioner.email", message))
    return errors


def check_coordinates(latitude: float | None, longitude: float | None) -> list[dict[str, Any]]:
    if latitude is None and longitude is None:
        return []
    if latitude is None or longitude is None:
        field = "latitude" if latitude is None else "longitude"
        return [_error(field, msg("coordinates_both"))]
    errors = []
    if not VIETNAM_LATITUDE[0] <= latitude <= VIETNAM_LATITUDE[1]:
        errors.append(_error("latitude", msg("location_outside_vietnam")))
    if not VIETNAM_LONGITUDE[0] <= longitude <= VIETNAM_LONGITUDE[1]:
        errors.append(_error("longitude", msg("location_outside_vietnam")))
    return errors


def check_complaint_window(
    data: PetitionCreate, now: datetime, timezone: str
) -> list[dict[str, Any]]:
    decided = data.contested_decision_date
    if decided is None:
        return []
    today = now.astimezone(ZoneInfo(timezone)).date()
    if decided > today:
        return [_error("contested_decision_date", msg("decision_date_future"))]
    if data.kind == PetitionKind.complaint and today - decided > timedelta(
        days=COMPLAINT_WINDOW_DAYS
    ):
        return [
            _error(
                "contested_decision_date",
                msg("complaint_window_passed", days=COMPLAINT_WINDOW_DAYS, decided=decided),
            )
        ]
    return []


@dataclass(frozen=True, slots=True)
class UnitChoice:
    """The unit a petition is filed in: the one the client named, or the one its address
    names (``rule`` says how it was found); else the errors and, for an address that could
    be in several units, the candidates (``{"code", "name"}``) the client chooses from."""

    code: str | None
    rule: AddressRule | None = None
    errors: tuple[dict[str, Any], ...] = ()
    candidates: tuple[dict[str, str], ...] = ()


async def choose_unit(data: PetitionCreate) -> UnitChoice:
    """The one place of the rule "a unit code, or an address that names the unit": every
    channel files through ``file_petition``, so the API, the portal's form and any other
    channel (Open311's ``address_string``) resolve an address alike."""
    if data.unit_code is not None:
        return UnitChoice(data.unit_code)
    if data.address_text is None:
        return UnitChoice(None, errors=(_error("unit_code", msg("unit_or_address_required")),))
    resolution = await resolve_address_async(data.address_text)
    if resolution.unit is not None:
        return UnitChoice(resolution.unit.code, resolution.rule)
    if resolution.outcome == AddressOutcome.ambiguous:
        names = ", ".join(candidate.name for candidate in resolution.candidates)
        return UnitChoice(
            None,
            errors=(_error("address_text", msg("address_ambiguous", candidates=names)),),
            candidates=tuple(
                {"code": candidate.code, "name": candidate.name}
                for candidate in resolution.candidates
            ),
        )
    if resolution.outcome == AddressOutcome.outside:
        province = jurisdiction().province_name
        message = msg("address_outside", province=province)
    else:
        message = msg("address_unresolved")
    return UnitChoice(
        None,
        errors=(
            _error("address_text", message),
            _error("unit_code", msg("unit_or_address_required")),
        ),
    )


async def validate(
    session: AsyncSession, settings: Settings, data: PetitionCreate, now: datetime
) -> tuple[UnitRef, AddressRule | None]:
    """Every rule at once, so the client sees all that is wrong (422 naming the fields).
    Returns the unit and, when it was found from the address, the rule that found it."""
    errors: list[dict[str, Any]] = []
    if not data.consent_to_process:
        errors.append(
            _error(
                "consent_to_process",
                msg("consent_required"),
            )
        )
    choice = await choose_unit(data)
    errors += choice.errors
    unit = None
    if choice.code is not None:
        unit = await reference_cache.unit(session, choice.code)
        if unit is None or unit.level != UnitLevel.commune:
            errors.append(_error("unit_code", msg("ward_unknown", code=choice.code)))
    category = await reference_cache.category(session, data.category)
    if category is None or not category.active:
        errors.append(_error("category", msg("category_unknown", code=data.category)))
    errors += check_coordinates(data.latitude, data.longitude)
    identity = identity_of(data.petitioner)
    if data.kind in IDENTIFIED_KINDS:
        errors += missing_identity_fields(identity)
    errors += check_complaint_window(data, now, settings.timezone)
    if data.denounced is not None:
        if data.kind != PetitionKind.denunciation:
            errors.append(_error("denounced", msg("denounced_only_for_denunciations")))
        elif await reference.agency(session, data.denounced.agency_id) is None:
            errors.append(_error("denounced.agency_id", msg("agency_unknown")))
    if data.notify_channel == NotifyChannel.email and not identity.email:
        errors.append(_error("petitioner.email", msg("email_needed_for_notify")))
    if data.notify_channel in (NotifyChannel.sms, NotifyChannel.zalo):
        if not identity.phone:
            errors.append(_error("petitioner.phone", msg("phone_needed_for_notify")))
        elif normalise_mobile(identity.phone) is None:
            errors.append(_error("petitioner.phone", msg("mobile_number_invalid")))
    if errors:
        detail = msg("petition_fields_invalid")
        if data.kind in IDENTIFIED_KINDS and any(
            e["field"].startswith("petitioner.") for e in errors
        ):
            detail = msg("identified_petitioner_required", kind=data.kind)
        elif choice.candidates and len(errors) == 1:
            detail = errors[0]["message"]  # the address's units: what to choose from
        extra: dict[str, Any] = {"candidates": list(choice.candidates)} if choice.candidates else {}
        raise Invalid(detail, errors=errors, **extra)
    assert unit is not None
    return unit, choice.rule


async def suggested_agency_id(session: AsyncSession, petition: Petition) -> uuid.UUID | None:
    """``routing.suggest_for``, from the reference cache: the denounced agency's superior
    for a denunciation about an agency, else what the routing rules suggest."""
    denounced = about_agency(petition)
    if denounced is not None:
        return await reference_cache.superior(session, denounced)
    return await reference_cache.suggested_agency(
        session, petition.category_code, petition.unit_code
    )


def petitioner_values(
    settings: Settings, petition: Petition, identity: Identity, kind: PetitionKind
) -> dict[str, Any] | None:
    """The petitioner row, or None for an anonymous petition. A denouncer's identity is
    only stored encrypted (the plaintext columns stay NULL)."""
    if identity.is_empty():
        return None
    row: dict[str, Any] = {"petition_id": petition.id, "created_at": petition.created_at}
    if kind == PetitionKind.denunciation:
        return row | {
            "full_name": None,
            "phone": None,
            "email": None,
            "national_id": None,
            "address": None,
            "identity_ciphertext": encrypt_identity(settings, identity),
        }
    return row | identity.as_dict() | {"identity_ciphertext": None}


# The request's fields that the petition keeps under the same name go in as they were sent
# (all but the unit: the petition takes the one ``validate`` found).
FILED_AS_SENT = tuple(
    sorted((PetitionCreate.model_fields.keys() & Petition.model_fields.keys()) - {"unit_code"})
)


async def file_petition(
    session: AsyncSession,
    settings: Settings,
    client: ClientPrincipal,
    data: PetitionCreate,
    *,
    now: datetime | None = None,
) -> tuple[Petition, str]:
    """Create the petition; returns it (persistent in ``session``) and its tracking secret
    (shown once)."""
    now = now or utcnow()
    unit, address_rule = await validate(session, settings, data, now)
    identity = identity_of(data.petitioner)
    secret = new_secret()
    petition = Petition(
        # Every field with a default factory is given: SQLModel would otherwise inspect each
        # factory's signature (pydantic's ``get_default``), a millisecond per petition.
        id=uuid.uuid4(),
        clock_pauses=[],
        extensions=[],
        # From the (prefix, year) sequence: no lock, so it is taken where it is needed.
        tracking_code=await next_tracking_code(session, unit.parent_code, now, settings.timezone),
        secret_hash=secret_digest(secret),
        **{name: getattr(data, name) for name in FILED_AS_SENT},
        category_code=data.category,
        unit_code=unit.code,
        address_rule=address_rule,
        status=PetitionStatus.received,
        identified=is_identified(identity),
        client_id=client.client_id,
        consent_process=data.consent_to_process,
        consent_publish=data.consent_to_publish,
        consent_recorded_at=now,
        created_at=now,
        updated_at=now,
    )
    if data.denounced is not None:
        petition.denounced_agency_id = data.denounced.agency_id
        petition.denounced_position = data.denounced.position
    petition.suggested_agency_id = await suggested_agency_id(session, petition)
    await clock.start_routing_clock(session, petition, now)
    await _insert_rows(session, settings, client, petition, identity, data, now)
    return petition, secret


async def _insert_rows(
    session: AsyncSession,
    settings: Settings,
    client: ClientPrincipal,
    petition: Petition,
    identity: Identity,
    data: PetitionCreate,
    now: datetime,
) -> None:
    """The petition, its petitioner, its history row, the audit event and the two jobs in
    one statement (``repository.insert_intake``): the rows ``session.add`` + ``add_event``
    + ``enqueue`` + ``audit`` would write, without an ORM flush. Duplicate suggestions are
    for the triage officer, not the citizen: a job after commit finds and stores them (same
    query, same table the triage views read). The client's webhook hears
    ``petition.received`` through the notification job."""
    if session.new or session.dirty or session.deleted:
        await session.flush()  # what the caller added goes first, as a flush would order it
    duplicates = outbox_values(
        session,
        SUGGEST_DUPLICATES_JOB,
        {"petition_id": str(petition.id)},
        dedupe_key=f"petition-duplicates:{petition.id}",
    )
    notify = None
    if petition.notify_channel != NotifyChannel.none:  # as ``enqueue_notification``
        notify = outbox_values(session, NOTIFY_JOB, {"petition_id": str(petition.id)})
        notify["dedupe_key_prefix"] = f"petition-notify:{petition.id}:"
    await intake_repository.insert_intake(
        session,
        petition=intake_repository.petition_values(petition),
        petitioner=petitioner_values(settings, petition, identity, data.kind),
        event=event_values(
            petition,
            action="receive",
            actor=client,
            to_status=PetitionStatus.received.value,
            citizen_message=messages.RECEIVED.format(code=petition.tracking_code),
            data={
                "channel": str(data.channel),
                "suggested_agency_id": petition.suggested_agency_id,
                # How the unit was found from the address, when the client named none.
                **({"address_rule": petition.address_rule} if petition.address_rule else {}),
            },
            at=now,
        ),
        job=duplicates,
        notify=notify,
        audit=audit_values(
            AuditEntry(
                action="petition.received",
                entity_type=ENTITY,
                entity_id=petition.id,
                after=snapshot(petition),
                actor=client,
            ),
            current_request_id(),
        )
        | {"occurred_at": now},
    )
    # The object is now what the database holds: persistent, unchanged (nothing to flush);
    # the generated search columns were written by the database, so they are not known here.
    make_transient_to_detached(petition)
    session.add(petition)
    session.expire(petition, GENERATED_COLUMNS)


async def suggest_duplicates(session: AsyncSession, petition_id: uuid.UUID) -> int:
    """The intake's duplicate suggestions, after its commit (job
    ``petitions.suggest_duplicates``): stored where triage reads them. Idempotent (the
    suggestions are upserted); a petition gone or no longer open gets none. Returns how many
    were stored."""
    petition = await petitions_repository.get(session, petition_id)
    if petition is None or petition.status not in OPEN_STATUSES:
        return 0
    candidates = await find_duplicates(session, petition)
    await store_suggestions(session, petition, candidates, SuggestionSource.intake)
    return len(candidates)


def created_response(settings: Settings, petition: Petition, secret: str) -> dict[str, Any]:
    return PetitionCreated(
        id=petition.id,
        tracking_code=petition.tracking_code,
        tracking_secret=secret,
        status=PetitionStatus(petition.status),
        kind=PetitionKind(petition.kind),
        received_at=petition.created_at,
        track_url=settings.public_base_url.rstrip("/") + TRACK_PATH + petition.tracking_code,
    ).model_dump(mode="json")
