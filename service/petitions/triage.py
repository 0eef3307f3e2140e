"""What Front officers do with a petition: ask the citizen, accept, reject, route to an
agency (confirming or overriding the suggestion), correct its classification, merge it.

Each function takes a petition already loaded FOR UPDATE through
``service.load_for_triage`` (scope and role checked; the HTTP kit checks ``If-Match``)
and only flushes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.deadlines.models import ItemKind, Urgency
from service.directory.models import UnitLevel
from service.errors import Invalid, StateConflict
from service.i18n import msg
from service.petitions import clock, messages
from service.petitions.confidential import (
    Identity,
    encrypt_identity,
    identity_of_row_plain,
    petitioners_data,
)
from service.petitions.intake import missing_identity_fields
from service.petitions.models import (
    IDENTIFIED_KINDS,
    Clarification,
    DenouncedPosition,
    Petition,
    Petitioner,
    PetitionKind,
    PetitionStatus,
)
from service.petitions.repository import petitions as repository
from service.petitions.repository import reference
from service.petitions.routing import check_denounced_agency, check_target, suggest_for
from service.petitions.schemas import Reclassify, RejectRequest
from service.petitions.service import (
    EntryFields,
    add_event,
    apply_transition,
    audit,
    snapshot,
    touch,
)
from service.petitions.workflow import Action, Performer, transition_for
from service.replies import service as replies
from service.replies.redaction import remove_personal
from service.settings import Settings

FRONT = Performer.front_officer
TRIAGE_STATES = (PetitionStatus.received, PetitionStatus.needs_info, PetitionStatus.accepted)


async def request_info(
    session: AsyncSession,
    petition: Petition,
    officer: StaffPrincipal,
    question: str,
    *,
    now: datetime | None = None,
) -> Clarification:
    """Ask the citizen; the routing clock pauses until they answer."""
    now = now or utcnow()
    transition_for(PetitionStatus(petition.status), Action.request_info, FRONT)
    clarification = Clarification(
        petition_id=petition.id, question=question, asked_by=officer.user_id, asked_at=now
    )
    session.add(clarification)
    clock.pause(petition, now)
    await _front_transition(
        session,
        petition,
        officer,
        Action.request_info,
        now,
        citizen_message=messages.REQUEST_INFO.format(question=question),
        data={"clarification_id": str(clarification.id)},
    )
    return clarification


@dataclass(frozen=True)
class _ClockResuming:
    """A Front transition that resumes the routing clock (checked first: a refused action
    leaves the clock alone), with the officer's optional reason."""

    action: Action
    citizen_message: str

    async def __call__(
        self,
        session: AsyncSession,
        petition: Petition,
        officer: StaffPrincipal,
        reason: str | None,
        *,
        now: datetime | None = None,
    ) -> None:
        now = now or utcnow()
        transition_for(PetitionStatus(petition.status), self.action, FRONT)
        await clock.resume(session, petition, now)
        await _front_transition(
            session,
            petition,
            officer,
            self.action,
            now,
            reason=reason,
            citizen_message=self.citizen_message,
        )


# Stop waiting for the citizen (no answer came, or it came another way).
resume = _ClockResuming(Action.resume, messages.RESUME)
accept = _ClockResuming(Action.accept, messages.ACCEPT)


async def _front_transition(
    session: AsyncSession,
    petition: Petition,
    officer: StaffPrincipal,
    action: Action,
    now: datetime,
    **fields: Unpack[EntryFields],
) -> None:
    """``apply_transition`` as the officer, at ``now``: the end of every Front step."""
    entry: EntryFields = {**fields, "at": now}
    await apply_transition(session, petition, action, performer=FRONT, actor=officer, **entry)


async def reject(
    session: AsyncSession,
    petition: Petition,
    officer: StaffPrincipal,
    data: RejectRequest,
    *,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    transition_for(PetitionStatus(petition.status), Action.reject, FRONT)
    clock.stop(petition, now)
    petition.reject_reason_code = data.reason_code
    petition.reject_reason = data.reason
    await _front_transition(
        session,
        petition,
        officer,
        Action.reject,
        now,
        reason_code=data.reason_code,
        reason=data.reason,
        citizen_message=messages.REJECT.format(reason=data.reason),
    )


async def refer(
    session: AsyncSession,
    settings: Settings,
    petition: Petition,
    officer: StaffPrincipal,
    *,
    agency_id: uuid.UUID | None,
    reason: str | None,
    note: str | None,
    now: datetime | None = None,
) -> uuid.UUID:
    """Route to an agency: the suggestion, or another agency with a reason. Creates the
    referral in replies (its acceptance clock starts) and stops the routing clock."""
    now = now or utcnow()
    transition_for(PetitionStatus(petition.status), Action.refer, FRONT)
    chosen = agency_id or petition.suggested_agency_id
    if chosen is None:
        raise Invalid(msg("no_suggested_agency"), field="agency_id")
    overrides = petition.suggested_agency_id is not None and chosen != petition.suggested_agency_id
    if overrides and not reason:
        raise Invalid(
            msg("override_reason_required"),
            field="reason",
        )
    agency = await reference.agency(session, chosen)
    if agency is None or not agency.active:
        raise Invalid(msg("agency_not_active"), field="agency_id")
    check_target(petition, agency.id)
    title = petition.title
    if petition.kind != PetitionKind.complaint:
        # The referral's title travels (inbox lists, reminder emails): without who filed it,
        # as the agency sees the item (only a complainant is known to the agency).
        title = remove_personal(title, await petitioners_data(session, settings, petition))
    item = replies.ReferredItem(
        "petition",
        petition.id,
        ItemKind(petition.kind),
        petition.unit_code,
        title,
        Urgency(petition.urgency),
    )
    referral = await replies.create_referral(
        session, item=item, agency_id=agency.id, actor=officer, note=note
    )
    clock.stop(petition, now)
    petition.referral_id = referral.id
    petition.agency_id = agency.id
    await _front_transition(
        session,
        petition,
        officer,
        Action.refer,
        now,
        reason=reason,
        citizen_message=messages.REFER.format(agency=agency.name),
        data={
            "agency_id": str(agency.id),
            "agency_name": agency.name,
            "referral_id": str(referral.id),
            "suggested_agency_id": (
                str(petition.suggested_agency_id) if petition.suggested_agency_id else None
            ),
            "override": overrides,
            "note": note,
        },
    )
    return referral.id


async def reclassify(
    session: AsyncSession,
    settings: Settings,
    petition: Petition,
    officer: StaffPrincipal,
    data: Reclassify,
    *,
    now: datetime | None = None,
) -> dict[str, list[Any]]:
    """Correct kind, category, unit or urgency during triage; each change is recorded
    (history entry with old and new values, audit event). Returns the changes."""
    if petition.status not in TRIAGE_STATES:
        raise StateConflict(
            msg("reclassify_only_in_triage"),
            state=str(petition.status),
            allowed_actions=[],
        )
    now = now or utcnow()
    before = snapshot(petition)
    old_suggestion = petition.suggested_agency_id
    changes: dict[str, list[Any]] = {}
    if data.kind is not None and data.kind != petition.kind:
        await _change_kind(session, settings, petition, data.kind)
        changes["kind"] = [str(before["kind"]), data.kind.value]
    if data.category is not None and data.category != petition.category_code:
        category = await reference.category(session, data.category)
        if category is None or not category.active:
            raise Invalid(msg("category_unknown", code=data.category), field="category")
        changes["category"] = [petition.category_code, data.category]
        petition.category_code = data.category
    if data.unit_code is not None and data.unit_code != petition.unit_code:
        unit = await reference.unit(session, data.unit_code)
        if unit is None or unit.level != UnitLevel.commune:
            raise Invalid(msg("ward_unknown", code=data.unit_code), field="unit_code")
        changes["unit_code"] = [petition.unit_code, data.unit_code]
        petition.unit_code = data.unit_code
    if data.urgency is not None and data.urgency != petition.urgency:
        changes["urgency"] = [str(petition.urgency), data.urgency.value]
        petition.urgency = data.urgency
    if data.denounced is not None and (
        data.denounced.agency_id != petition.denounced_agency_id
        or data.denounced.position != petition.denounced_position
    ):
        if petition.kind != PetitionKind.denunciation:
            raise Invalid(msg("denounced_only_for_denunciations"), field="denounced")
        await check_denounced_agency(session, data.denounced.agency_id, "denounced.agency_id")
        changes["denounced"] = [
            _denounced(petition.denounced_agency_id, petition.denounced_position),
            _denounced(data.denounced.agency_id, data.denounced.position),
        ]
        petition.denounced_agency_id = data.denounced.agency_id
        petition.denounced_position = data.denounced.position
    if not changes:
        return changes
    if "kind" in changes or "urgency" in changes:
        await clock.apply_new_rule(session, petition, now)
    if {"category", "unit_code", "denounced"} & changes.keys() or (
        "kind" in changes and petition.denounced_agency_id is not None
    ):
        suggested = await suggest_for(session, petition)
        petition.suggested_agency_id = suggested.id if suggested else None
        changes["suggested_agency_id"] = [old_suggestion, petition.suggested_agency_id]
    touch(petition, now)
    session.add(petition)
    await add_event(
        session,
        petition,
        action="reclassify",
        actor=officer,
        reason=data.reason,
        data={"changes": changes},
        at=now,
    )
    await audit(session, officer, "reclassified", petition, before=before)
    return changes


async def _change_kind(
    session: AsyncSession, settings: Settings, petition: Petition, kind: PetitionKind
) -> None:
    petitioner = await repository.petitioner(session, petition.id)
    confidential = petitioner is not None and petitioner.identity_ciphertext is not None
    if kind in IDENTIFIED_KINDS and not confidential:
        missing = missing_identity_fields(_plain_identity(petitioner))
        if missing:
            raise Invalid(
                msg("identified_petitioner_required", kind=kind),
                errors=missing,
            )
    if kind == PetitionKind.denunciation and petitioner is not None and not confidential:
        # From now on the identity is confidential: encrypt it, drop the plain text.
        petitioner.identity_ciphertext = encrypt_identity(settings, _plain_identity(petitioner))
        for name in Identity.__dataclass_fields__:
            setattr(petitioner, name, None)
        session.add(petitioner)
    # Leaving "denunciation" keeps the identity encrypted: it was given in confidence.
    petition.kind = kind


def _denounced(agency_id: uuid.UUID | None, position: DenouncedPosition | None) -> str | None:
    return f"{position}@{agency_id}" if agency_id is not None else None


def _plain_identity(petitioner: Petitioner | None) -> Identity:
    return Identity() if petitioner is None else identity_of_row_plain(petitioner)
