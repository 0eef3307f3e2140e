"""Likely duplicates, and merging a duplicate into its lead petition.

A candidate is an open petition of the same category, in the same unit or (when both have
coordinates) within ``NEARBY_METRES`` of it (the directory has no unit adjacency, so "a
neighbouring unit" is measured by distance), whose unaccented text is similar by trigrams:
``similarity()`` of the folded ``title || ' ' || description`` or of the folded titles (the
stored ``search_text`` and ``search_title`` of migration 0200, ``immutable_unaccent``: unaccent,
đ → d, lower).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.errors import Invalid, NotFound, StateConflict, found
from service.i18n import msg
from service.petitions import access, clock, messages
from service.petitions.models import OPEN_STATUSES, Petition, PetitionKind, SuggestionSource
from service.petitions.repository import duplicates as repository
from service.petitions.repository import petitions as petitions_repository
from service.petitions.repository.duplicates import Candidate, find_duplicates, store_suggestions
from service.petitions.service import add_event, apply_transition, audit, touch
from service.petitions.workflow import Action, Performer

__all__ = ["Candidate", "find_duplicates", "merge", "stored_suggestions", "suggest_on_demand"]


async def suggest_on_demand(
    session: AsyncSession, petition: Petition, viewer: StaffPrincipal
) -> list[Candidate]:
    """Fresh suggestions for triage (stored too), limited to what ``viewer`` may see."""
    candidates = await find_duplicates(session, petition)
    await store_suggestions(session, petition, candidates, SuggestionSource.triage)
    return [c for c in candidates if access.sees(viewer, c.petition)]


async def stored_suggestions(
    session: AsyncSession, petition: Petition, viewer: StaffPrincipal
) -> list[Candidate]:
    stored = await repository.stored(session, petition.id)
    return [c for c in stored if access.sees(viewer, c.petition)]


async def merge(
    session: AsyncSession,
    duplicate: Petition,
    lead_id: uuid.UUID,
    viewer: StaffPrincipal,
    *,
    reason: str | None,
    now: datetime | None = None,
) -> Petition:
    """Point ``duplicate`` (already locked, If-Match checked) at the lead petition.

    Every submission and petitioner is kept; the lead counts the people raising the issue;
    petitions earlier merged into the duplicate move to the lead.
    """
    now = now or utcnow()
    if lead_id == duplicate.id:
        raise Invalid(msg("merge_into_itself"), field="lead_id")
    lead = await _lock_lead(session, lead_id)
    if not access.sees(viewer, lead):
        raise NotFound(msg("lead_petition_not_found"))
    if (lead.kind == PetitionKind.denunciation) != (duplicate.kind == PetitionKind.denunciation):
        raise Invalid(msg("denunciation_merge_only_denunciations"), field="lead_id")
    if lead.status not in OPEN_STATUSES or lead.merged_into_id is not None:
        raise StateConflict(
            msg("lead_petition_not_open"),
            state=str(lead.status),
            allowed_actions=[],
        )
    moved = await repository.move_followers(session, duplicate.id, lead.id)
    await petitions_repository.cancel_open_clarifications(session, duplicate.id, closed_at=now)
    clock.stop(duplicate, now)
    duplicate.merged_into_id = lead.id
    await apply_transition(
        session,
        duplicate,
        Action.merge,
        performer=Performer.front_officer,
        actor=viewer,
        reason=reason,
        citizen_message=messages.MERGE.format(code=lead.tracking_code),
        data={"lead_id": str(lead.id), "lead_tracking_code": lead.tracking_code},
        at=now,
    )
    before_count = lead.raised_by_count
    lead.raised_by_count += duplicate.raised_by_count
    touch(lead, now)
    session.add(lead)
    await add_event(
        session,
        lead,
        action="merged_duplicate",
        actor=viewer,
        reason=reason,
        data={
            "duplicate_id": str(duplicate.id),
            "duplicate_tracking_code": duplicate.tracking_code,
            "moved_followers": [str(i) for i in moved],
            "raised_by_count": [before_count, lead.raised_by_count],
        },
        at=now,
    )
    await audit(
        session, viewer, "merged_duplicate", lead, extra={"duplicate_id": str(duplicate.id)}
    )
    return lead


async def _lock_lead(session: AsyncSession, lead_id: uuid.UUID) -> Petition:
    return found(await repository.lock_nowait(session, lead_id), msg("lead_petition_not_found"))
