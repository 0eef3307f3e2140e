"""How replies shows a petition to the agency handling it and on the public feed.

What an agency sees of a petition never carries a denouncer's identity: not in
``petitioner`` (only ``{"confidential": true}``), and not inside the texts (the denouncer's own
name, address, phone, email and ID number are removed from the title, description, answers
and additions). The competent resolver reveals it through ``reveal_identity`` (audited, with
a reason). The agency answering a complaint sees the complainant's contact details; for
feedback and recommendations it gets no personal data at all.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.petitions import access, views
from service.petitions.confidential import petitioners_data
from service.petitions.models import Petition, PetitionKind
from service.petitions.repository import petitions as repository
from service.petitions.service import get_petition, get_petitioner
from service.replies.redaction import (
    NOTHING,
    PersonalData,
    redact,
    remove_personal,
    remove_personal_optional,
)
from service.settings import Settings


class PetitionProvider:
    """Provided for item type ``petition`` (``service.petitions.wiring``)."""

    def __init__(self, settings: Settings) -> None:
        # Decrypting a denouncer's identity needs the key from the app's settings.
        self._settings = settings

    async def agency_view(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal
    ) -> dict[str, Any]:
        petition = await get_petition(session, item_id)
        merged = await repository.merged_into(session, petition.id)
        answers = await repository.answered_clarifications(session, petition.id)
        additions = await repository.additions(session, petition.id)
        # Who filed it is not the agency's to know (but a complainant's contact details).
        guard = (
            NOTHING
            if access.agency_sees_contact(viewer, petition)
            else await petitioners_data(session, self._settings, petition)
        )
        evidence_ids = await repository.evidence_ids(session, petition.id)
        view: dict[str, Any] = {
            "tracking_code": petition.tracking_code,
            "kind": petition.kind,
            "category_code": petition.category_code,
            "title": remove_personal(petition.title, guard),
            "description": remove_personal(petition.description, guard),
            "unit_code": petition.unit_code,
            "address_text": remove_personal_optional(petition.address_text, guard),
            "residential_group": petition.residential_group,
            "latitude": petition.latitude,
            "longitude": petition.longitude,
            "urgency": petition.urgency,
            "channel": petition.channel,
            "received_at": petition.created_at.isoformat(),
            "contested_decision_date": (
                petition.contested_decision_date.isoformat()
                if petition.contested_decision_date
                else None
            ),
            "raised_by_count": petition.raised_by_count,
            "clarifications": [
                {
                    "question": remove_personal(c.question, guard),
                    "answer": remove_personal_optional(c.answer, guard),
                }
                for c in answers
            ],
            "additional_information": [remove_personal(a.text, guard) for a in additions],
            "evidence_ids": [str(e) for e in evidence_ids],
            # The same issue raised by others (their texts, never who they are).
            "merged_submissions": [
                {
                    "tracking_code": m.tracking_code,
                    "title": remove_personal(m.title, guard),
                    "description": remove_personal(m.description, guard),
                }
                for m in merged
            ],
            "denounced_position": petition.denounced_position,
            "petitioner": await self._petitioner(session, petition, viewer),
        }
        return view

    async def _petitioner(
        self, session: AsyncSession, petition: Petition, viewer: StaffPrincipal
    ) -> dict[str, Any] | None:
        petitioner = await get_petitioner(session, petition.id)
        if petitioner is None:
            return None
        if access.is_confidential(petitioner):
            return {"confidential": True}
        if not access.agency_sees_contact(viewer, petition):
            return None
        return {
            "confidential": False,
            "full_name": petitioner.full_name,
            "phone": petitioner.phone,
            "email": petitioner.email,
            "national_id": petitioner.national_id,
            "address": petitioner.address,
        }

    async def reveal_identity(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal, reason: str
    ) -> dict[str, Any]:
        """The referral route's reveal: the same rule and audit as the petition route's."""
        petition = await get_petition(session, item_id)
        shown = await views.reveal_identity(
            session, self._settings, petition, viewer, reason, via="referral"
        )
        return shown.model_dump()

    async def personal_data(self, session: AsyncSession, item_id: uuid.UUID) -> PersonalData:
        petition = await repository.get(session, item_id)
        if petition is None:
            return NOTHING
        return await petitioners_data(session, self._settings, petition)

    async def public_view(self, session: AsyncSession, item_id: uuid.UUID) -> dict[str, Any] | None:
        """None without consent to publish, and always for denunciations (confidential)."""
        petition = await repository.get(session, item_id)
        if petition is None or not petition.consent_publish:
            return None
        if petition.kind == PetitionKind.denunciation:
            return None
        personal = await petitioners_data(session, self._settings, petition)
        return {
            "title": redact(petition.title, personal),
            "description": redact(petition.description, personal),
            "category_code": petition.category_code,
            "unit_code": petition.unit_code,
            "kind": petition.kind,
        }
