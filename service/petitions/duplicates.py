"""Likely duplicates, and merging a duplicate into its lead petition.

A candidate is an open petition of the same category, in the same unit or (when both have
coordinates) within ``NEARBY_METRES`` of it (the directory has no unit adjacency, so "a
neighbouring unit" is measured by distance), whose unaccented text is similar by trigrams:
``similarity()`` of ``immutable_unaccent(title || ' ' || description)`` or of the titles.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.errors import Conflict, Invalid, NotFound, StateConflict
from service.i18n import msg
from service.petitions import access, clock, messages
from service.petitions.models import (
    OPEN_STATUSES,
    SEARCH_EXPRESSION,
    Clarification,
    ClarificationStatus,
    DuplicateSuggestion,
    Petition,
    PetitionKind,
    SuggestionSource,
)
from service.petitions.service import add_event, apply_transition, audit, touch
from service.petitions.workflow import Action, Performer

SIMILARITY_THRESHOLD = 0.3
NEARBY_METRES = 1000.0
MAX_SUGGESTIONS = 10
EARTH_RADIUS_M = 6_371_000.0
LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True)
class Candidate:
    petition: Petition
    score: float
    distance_m: float | None


def _distance_m(lat: float, lon: float) -> sa.ColumnElement[float]:
    """Haversine distance from (lat, lon) to each petition's coordinates, in metres."""
    lat1, lon1 = math.radians(lat), math.radians(lon)
    lat2 = sa.func.radians(col(Petition.latitude))
    lon2 = sa.func.radians(col(Petition.longitude))
    a = sa.func.power(sa.func.sin((lat2 - lat1) / 2), 2) + math.cos(lat1) * sa.func.cos(
        lat2
    ) * sa.func.power(sa.func.sin((lon2 - lon1) / 2), 2)
    return 2 * EARTH_RADIUS_M * sa.func.asin(sa.func.sqrt(sa.func.least(a, 1.0)))


def _same_confidentiality(petition: Petition) -> sa.ColumnElement[bool]:
    """A denunciation is only ever compared with (and merged into) denunciations: its text
    would otherwise reach the agency and the public feed of a feedback lead."""
    if petition.kind == PetitionKind.denunciation:
        return col(Petition.kind) == PetitionKind.denunciation.value
    return col(Petition.kind) != PetitionKind.denunciation.value


async def find_duplicates(
    session: AsyncSession,
    petition: Petition,
    *,
    limit: int = MAX_SUGGESTIONS,
    threshold: float = SIMILARITY_THRESHOLD,
    nearby_m: float = NEARBY_METRES,
) -> list[Candidate]:
    document: sa.ColumnElement[str] = sa.literal_column(SEARCH_EXPRESSION)
    target = sa.func.immutable_unaccent(petition.title + " " + petition.description)
    title_score = sa.func.similarity(
        sa.func.immutable_unaccent(col(Petition.title)),
        sa.func.immutable_unaccent(petition.title),
    )
    score = sa.func.greatest(sa.func.similarity(document, target), title_score)
    place = col(Petition.unit_code) == petition.unit_code
    distance: sa.ColumnElement[Any] = sa.null()
    if petition.latitude is not None and petition.longitude is not None:
        distance = _distance_m(petition.latitude, petition.longitude)
        dlat = nearby_m / 111_000
        dlon = nearby_m / (111_000 * max(math.cos(math.radians(petition.latitude)), 0.01))
        near = sa.and_(
            col(Petition.latitude).between(petition.latitude - dlat, petition.latitude + dlat),
            col(Petition.longitude).between(petition.longitude - dlon, petition.longitude + dlon),
            distance <= nearby_m,
        )
        place = sa.or_(place, near)
    query = (
        select(Petition, score.label("score"), distance.label("distance_m"))
        .where(
            col(Petition.id) != petition.id,
            col(Petition.status).in_([s.value for s in OPEN_STATUSES]),
            col(Petition.category_code) == petition.category_code,
            _same_confidentiality(petition),
            place,
            score >= threshold,
        )
        .order_by(sa.desc("score"), col(Petition.created_at))
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    return [
        Candidate(
            petition=row[0],
            score=round(float(row.score), 4),
            distance_m=None if row.distance_m is None else round(float(row.distance_m), 1),
        )
        for row in rows
    ]


async def store_suggestions(
    session: AsyncSession,
    petition: Petition,
    candidates: list[Candidate],
    source: SuggestionSource,
) -> None:
    if not candidates:
        return
    table = DuplicateSuggestion.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(
        [
            {
                "petition_id": petition.id,
                "candidate_id": c.petition.id,
                "score": c.score,
                "distance_m": c.distance_m,
                "source": source.value,
                "created_at": utcnow(),
            }
            for c in candidates
        ]
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["petition_id", "candidate_id"],
            set_={
                "score": statement.excluded.score,
                "distance_m": statement.excluded.distance_m,
                "source": statement.excluded.source,
                "created_at": statement.excluded.created_at,
            },
        )
    )


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
    rows = await session.execute(
        select(Petition, col(DuplicateSuggestion.score), col(DuplicateSuggestion.distance_m))
        .join(DuplicateSuggestion, col(DuplicateSuggestion.candidate_id) == col(Petition.id))
        .where(col(DuplicateSuggestion.petition_id) == petition.id)
        .order_by(col(DuplicateSuggestion.score).desc())
    )
    return [
        Candidate(petition=row[0], score=row[1], distance_m=row[2])
        for row in rows.all()
        if access.sees(viewer, row[0])
    ]


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
    followers = await session.execute(
        sa.update(Petition)
        .where(col(Petition.merged_into_id) == duplicate.id)
        .values(merged_into_id=lead.id, version=col(Petition.version) + 1)
        .returning(col(Petition.id))
    )
    moved = list(followers.scalars())
    await _cancel_open_clarifications(session, duplicate, now)
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
    """Lock the lead without waiting: two officers merging two petitions into each other
    at the same moment would otherwise deadlock; one of them gets a 409 instead."""
    try:
        lead = (
            await session.execute(
                select(Petition).where(col(Petition.id) == lead_id).with_for_update(nowait=True)
            )
        ).scalar_one_or_none()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise Conflict(msg("lead_petition_busy")) from exc
        raise
    if lead is None:
        raise NotFound(msg("lead_petition_not_found"))
    return lead


async def _cancel_open_clarifications(
    session: AsyncSession, petition: Petition, now: datetime
) -> None:
    await session.execute(
        sa.update(Clarification)
        .where(
            col(Clarification.petition_id) == petition.id,
            col(Clarification.status) == ClarificationStatus.open.value,
        )
        .values(status=ClarificationStatus.cancelled.value, answered_at=now)
    )
