"""The queries behind duplicate detection and merging: trigram similarity within the same
category and unit or distance, stored suggestions, and the row moves of a merge.

``find_duplicates`` is the query the bench measures (``bench/queries.py``) with the indexes of
migration 0150. It compares the stored folded texts of migration 0200 (``search_text``,
``search_title``) with the new petition's, folded once in the statement: no candidate row is
folded at query time.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.db import custom_plans, folded, utcnow
from service.errors import Conflict
from service.i18n import msg
from service.petitions.models import (
    OPEN_STATUSES,
    DuplicateSuggestion,
    Petition,
    PetitionKind,
    SuggestionSource,
)

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
    # Not least(a, 1.0): LEAST skips a NULL, so a petition without coordinates would be
    # half the earth away instead of at no known distance.
    bounded = sa.case((a > 1.0, 1.0), else_=a)
    return 2 * EARTH_RADIUS_M * sa.func.asin(sa.func.sqrt(bounded))


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
    target = folded(petition.title + " " + petition.description)
    title_score = sa.func.similarity(col(Petition.search_title), folded(petition.title))
    score = sa.func.greatest(sa.func.similarity(col(Petition.search_text), target), title_score)
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
    await custom_plans(session)
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


async def stored(session: AsyncSession, petition_id: uuid.UUID) -> list[Candidate]:
    """The suggestions stored for a petition, best first."""
    rows = await session.execute(
        select(Petition, col(DuplicateSuggestion.score), col(DuplicateSuggestion.distance_m))
        .join(DuplicateSuggestion, col(DuplicateSuggestion.candidate_id) == col(Petition.id))
        .where(col(DuplicateSuggestion.petition_id) == petition_id)
        .order_by(col(DuplicateSuggestion.score).desc())
    )
    return [Candidate(petition=row[0], score=row[1], distance_m=row[2]) for row in rows.all()]


async def move_followers(
    session: AsyncSession, from_id: uuid.UUID, to_id: uuid.UUID
) -> list[uuid.UUID]:
    """Petitions merged into ``from_id`` now point at ``to_id`` (their version bumped)."""
    followers = await session.execute(
        sa.update(Petition)
        .where(col(Petition.merged_into_id) == from_id)
        .values(merged_into_id=to_id, version=col(Petition.version) + 1)
        .returning(col(Petition.id))
    )
    return list(followers.scalars())


async def lock_nowait(session: AsyncSession, petition_id: uuid.UUID) -> Petition | None:
    """Lock a petition without waiting: two officers merging two petitions into each other
    at the same moment would otherwise deadlock; one of them gets a 409 instead."""
    try:
        return (
            await session.execute(
                select(Petition).where(col(Petition.id) == petition_id).with_for_update(nowait=True)
            )
        ).scalar_one_or_none()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise Conflict(msg("lead_petition_busy")) from exc
        raise
