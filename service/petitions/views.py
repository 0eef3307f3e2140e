"""Shaping petitions for staff: the detail view, and the petitioner's identity for those
who may see it. Lists never come through here: they carry no personal data at all."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.principals import StaffPrincipal
from service.errors import Forbidden, NotFound
from service.i18n import msg
from service.petitions import access
from service.petitions.confidential import decrypt_identity
from service.petitions.duplicates import stored_suggestions
from service.petitions.models import (
    Clarification,
    Petition,
    PetitionAddition,
    PetitionEvidence,
    PetitionStatus,
)
from service.petitions.schemas import (
    AdditionView,
    ClarificationView,
    DuplicateCandidate,
    EvidenceLink,
    PetitionDetail,
    PetitionerView,
    PetitionSummary,
)
from service.petitions.service import audit, get_petitioner
from service.petitions.workflow import Performer, allowed_actions
from service.settings import Settings
from service.storage.models import Evidence


async def _contact(
    session: AsyncSession, petition: Petition, viewer: StaffPrincipal
) -> PetitionerView | None:
    """Plain contact details for those who may see them; for a confidential identity only
    the fact that it exists (it is revealed by ``reveal_identity``)."""
    petitioner = await get_petitioner(session, petition.id)
    if petitioner is None:
        return None
    if access.is_confidential(petitioner):
        return PetitionerView(confidential=True)
    if not access.may_see_contact(viewer, petition):
        return None
    return PetitionerView(
        confidential=False,
        full_name=petitioner.full_name,
        phone=petitioner.phone,
        email=petitioner.email,
        national_id=petitioner.national_id,
        address=petitioner.address,
    )


async def detail(
    session: AsyncSession, petition: Petition, viewer: StaffPrincipal
) -> PetitionDetail:
    clarifications = (
        await session.execute(
            select(Clarification)
            .where(col(Clarification.petition_id) == petition.id)
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
    evidence = (
        await session.execute(
            select(Evidence, PetitionEvidence)
            .join(PetitionEvidence, col(PetitionEvidence.evidence_id) == col(Evidence.id))
            .where(col(PetitionEvidence.petition_id) == petition.id)
            .order_by(col(PetitionEvidence.added_at))
        )
    ).all()
    merged = (
        await session.execute(
            select(Petition)
            .where(col(Petition.merged_into_id) == petition.id)
            .order_by(col(Petition.created_at))
        )
    ).scalars()
    suggestions = await stored_suggestions(session, petition, viewer)
    base = PetitionSummary.model_validate(petition).model_dump()
    return PetitionDetail(
        **base,
        description=petition.description,
        address_text=petition.address_text,
        residential_group=petition.residential_group,
        latitude=petition.latitude,
        longitude=petition.longitude,
        contested_decision_date=petition.contested_decision_date,
        consent_process=petition.consent_process,
        consent_publish=petition.consent_publish,
        notify_channel=petition.notify_channel,
        merged_into_id=petition.merged_into_id,
        referral_id=petition.referral_id,
        reject_reason_code=petition.reject_reason_code,
        reject_reason=petition.reject_reason,
        reopen_count=petition.reopen_count,
        evidence_count=petition.evidence_count,
        clock_started_at=petition.clock_started_at,
        clock_paused_at=petition.clock_paused_at,
        clock_stopped_at=petition.clock_stopped_at,
        warn_at=petition.warn_at,
        version=petition.version,
        updated_at=petition.updated_at,
        petitioner=await _contact(session, petition, viewer),
        clarifications=[ClarificationView.model_validate(c) for c in clarifications],
        additions=[AdditionView.model_validate(a) for a in additions],
        evidence=[
            EvidenceLink(
                id=e.id,
                name=e.original_name,
                content_type=e.content_type,
                size_bytes=e.size_bytes,
                sha256=e.sha256,
                added_by=link.added_by,
                added_at=link.added_at,
            )
            for e, link in evidence
        ],
        duplicate_suggestions=[
            DuplicateCandidate(
                petition=PetitionSummary.model_validate(c.petition),
                score=c.score,
                distance_m=c.distance_m,
            )
            for c in suggestions
        ],
        merged_petitions=[PetitionSummary.model_validate(m) for m in merged],
        allowed_actions=(
            allowed_actions(PetitionStatus(petition.status), Performer.front_officer)
            if access.may_triage(viewer)
            else []
        ),
    )


async def reveal_identity(
    session: AsyncSession, settings: Settings, petition: Petition, viewer: StaffPrincipal
) -> PetitionerView:
    """The petitioner's identity for the officers handling the petition. Revealing a
    confidential identity is audited (that it was seen, by whom; never what)."""
    petitioner = await get_petitioner(session, petition.id)
    if petitioner is None:
        raise NotFound(msg("petition_anonymous"))
    if access.is_confidential(petitioner):
        if not access.may_see_confidential(viewer, petition):
            raise Forbidden(msg("identity_front_only"))
        assert petitioner.identity_ciphertext is not None
        identity = decrypt_identity(settings, petitioner.identity_ciphertext)
        await audit(session, viewer, "confidential_identity_viewed", petition)
        return PetitionerView(confidential=True, **identity.as_dict())
    if not access.may_see_contact(viewer, petition):
        raise Forbidden(msg("contact_forbidden"))
    return PetitionerView(
        confidential=False,
        full_name=petitioner.full_name,
        phone=petitioner.phone,
        email=petitioner.email,
        national_id=petitioner.national_id,
        address=petitioner.address,
    )
