"""How replies shows a petition to the agency handling it and on the public feed."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.principals import StaffPrincipal
from service.petitions import access
from service.petitions.confidential import decrypt_identity
from service.petitions.models import (
    Clarification,
    ClarificationStatus,
    Petition,
    PetitionAddition,
    PetitionEvidence,
    PetitionKind,
)
from service.petitions.service import audit, get_petition, get_petitioner
from service.replies.redaction import redact
from service.settings import Settings


class PetitionProvider:
    """Registered for item type ``petition`` (``register_item_provider``)."""

    def __init__(self, settings: Settings) -> None:
        # Decrypting a denouncer's identity needs the key from the app's settings.
        self._settings = settings

    async def agency_view(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal
    ) -> dict[str, Any]:
        petition = await get_petition(session, item_id)
        merged = (
            await session.execute(
                select(Petition)
                .where(col(Petition.merged_into_id) == petition.id)
                .order_by(col(Petition.created_at))
            )
        ).scalars()
        answers = (
            await session.execute(
                select(Clarification)
                .where(
                    col(Clarification.petition_id) == petition.id,
                    col(Clarification.status) == ClarificationStatus.answered.value,
                )
                .order_by(col(Clarification.asked_at))
            )
        ).scalars()
        additions = (
            await session.execute(
                select(PetitionAddition)
                .where(col(PetitionAddition.petition_id) == petition.id)
                .order_by(col(PetitionAddition.created_at))
            )
        ).scalars()
        evidence_ids = (
            await session.execute(
                select(col(PetitionEvidence.evidence_id)).where(
                    col(PetitionEvidence.petition_id) == petition.id
                )
            )
        ).scalars()
        view: dict[str, Any] = {
            "tracking_code": petition.tracking_code,
            "kind": petition.kind,
            "category_code": petition.category_code,
            "title": petition.title,
            "description": petition.description,
            "unit_code": petition.unit_code,
            "address_text": petition.address_text,
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
            "clarifications": [{"question": c.question, "answer": c.answer} for c in answers],
            "additional_information": [a.text for a in additions],
            "evidence_ids": [str(e) for e in evidence_ids],
            # The same issue raised by others (their texts, never who they are).
            "merged_submissions": [
                {"tracking_code": m.tracking_code, "title": m.title, "description": m.description}
                for m in merged
            ],
            "petitioner": await self._petitioner(session, petition, viewer),
        }
        return view

    async def _petitioner(
        self, session: AsyncSession, petition: Petition, viewer: StaffPrincipal
    ) -> dict[str, Any] | None:
        if not access.agency_may_see_identity(viewer, petition):
            return None
        petitioner = await get_petitioner(session, petition.id)
        if petitioner is None:
            return None
        if petitioner.identity_ciphertext is not None:
            identity = decrypt_identity(self._settings, petitioner.identity_ciphertext)
            await audit(session, viewer, "confidential_identity_viewed", petition)
            return {"confidential": True, **identity.as_dict()}
        return {
            "confidential": False,
            "full_name": petitioner.full_name,
            "phone": petitioner.phone,
            "email": petitioner.email,
            "national_id": petitioner.national_id,
            "address": petitioner.address,
        }

    async def public_view(self, session: AsyncSession, item_id: uuid.UUID) -> dict[str, Any] | None:
        """None without consent to publish, and always for denunciations (confidential)."""
        petition = await session.get(Petition, item_id)
        if petition is None or not petition.consent_publish:
            return None
        if petition.kind == PetitionKind.denunciation:
            return None
        return {
            "title": redact(petition.title),
            "description": redact(petition.description),
            "category_code": petition.category_code,
            "unit_code": petition.unit_code,
            "kind": petition.kind,
        }
