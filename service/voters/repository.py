"""Every SQL statement of the voters domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.db import folded_similarity, narrowed, rows_where
from service.directory.models import AdminUnit
from service.feeds.paging import Page, PageRequest, fetch_page
from service.kernel.rows import getter
from service.voters.models import (
    CouncilSession,
    VoterImport,
    VoterMeeting,
    VoterOpinion,
    VoterRecommendation,
)

SESSIONS_LIST = "voter-sessions:newest"
SIMILARITY_THRESHOLD = 0.3  # the petitions' duplicate search uses the same measure and bar
MAX_PAIRS = 2000

# By id, ``for_update`` locking (and reloading) the row.
get_council_session = getter(CouncilSession)
get_meeting = getter(VoterMeeting)
get_import = getter(VoterImport)
get_recommendation = getter(VoterRecommendation)


async def session_number_taken(
    session: AsyncSession, unit_code: str, term: str, number: int
) -> bool:
    query = select(sa.literal(1)).where(
        col(CouncilSession.unit_code) == unit_code,
        col(CouncilSession.term) == term,
        col(CouncilSession.number) == number,
    )
    return (await session.execute(query)).first() is not None


async def list_council_sessions(
    session: AsyncSession, *, unit_code: str | None, after: str | None, limit: int
) -> tuple[list[CouncilSession], str | None]:
    """Newest first; ``unit_code`` set: that ward's sessions and every city session."""
    query = select(CouncilSession)
    if unit_code is not None:
        query = query.where(
            sa.or_(col(CouncilSession.unit_code) == unit_code, col(CouncilSession.level) == "city")
        )
    page: Page[CouncilSession] = await fetch_page(
        session,
        query,
        moment=col(CouncilSession.created_at),
        row_id=col(CouncilSession.id),
        list_name=SESSIONS_LIST,
        request=PageRequest(before=after),
        limit=limit,
        key=lambda row: (row.created_at, row.id),
    )
    return page.rows, page.next_cursor


async def get_unit(session: AsyncSession, code: str) -> AdminUnit | None:
    return await session.get(AdminUnit, code)


async def list_meetings(
    session: AsyncSession, council_session_id: uuid.UUID, unit_code: str | None
) -> list[VoterMeeting]:
    conditions = [col(VoterMeeting.council_session_id) == council_session_id]
    if unit_code is not None:
        conditions.append(col(VoterMeeting.unit_code) == unit_code)
    order = [col(VoterMeeting.held_on), col(VoterMeeting.id)]
    return await rows_where(session, VoterMeeting, *conditions, order_by=order)


async def list_opinions(
    session: AsyncSession,
    *,
    council_session_id: uuid.UUID | None = None,
    meeting_id: uuid.UUID | None = None,
    unit_code: str | None = None,
    ids: Sequence[uuid.UUID] | None = None,
    recommendation_ids: Sequence[uuid.UUID] | None = None,
) -> list[VoterOpinion]:
    query = narrowed(
        select(VoterOpinion),
        (col(VoterOpinion.council_session_id), council_session_id),
        (col(VoterOpinion.meeting_id), meeting_id),
    )
    if ids is not None:
        query = query.where(col(VoterOpinion.id).in_(list(ids)))
    if recommendation_ids is not None:
        query = query.where(col(VoterOpinion.recommendation_id).in_(list(recommendation_ids)))
    if unit_code is not None:
        query = query.join(
            VoterMeeting, col(VoterMeeting.id) == col(VoterOpinion.meeting_id)
        ).where(col(VoterMeeting.unit_code) == unit_code)
    query = query.order_by(
        col(VoterOpinion.created_at), col(VoterOpinion.row_number), col(VoterOpinion.id)
    )
    return list((await session.execute(query)).scalars())


async def lock_opinions(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[VoterOpinion]:
    query = (
        select(VoterOpinion)
        .where(col(VoterOpinion.id).in_(list(ids)))
        .order_by(col(VoterOpinion.id))
        .with_for_update()
    )
    return list((await session.execute(query)).scalars())


async def import_of_file(
    session: AsyncSession, meeting_id: uuid.UUID, sha256: str
) -> VoterImport | None:
    query = select(VoterImport).where(
        col(VoterImport.meeting_id) == meeting_id, col(VoterImport.sha256) == sha256
    )
    return (await session.execute(query)).scalar_one_or_none()


async def insert_import(session: AsyncSession, values: dict[str, Any]) -> VoterImport | None:
    """The new import, or None when the same file of the same meeting was stored meanwhile."""
    table = VoterImport.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(constraint="uq_voter_import_file")
        .returning(table.c.id)
    )
    inserted = (await session.execute(statement)).scalar_one_or_none()
    return None if inserted is None else await get_import(session, inserted)


async def insert_imported_opinions(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Each (import, row) at most once, however often the job runs."""
    if not rows:
        return 0
    table = VoterOpinion.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(rows)
        .on_conflict_do_nothing(
            index_elements=["import_id", "row_number"],
            index_where=sa.text("import_id IS NOT NULL"),
        )
        .returning(table.c.id)
    )
    return len((await session.execute(statement)).all())


async def list_recommendations(
    session: AsyncSession, council_session_id: uuid.UUID
) -> list[VoterRecommendation]:
    rec = VoterRecommendation
    order = [col(rec.created_at), col(rec.id)]
    return await rows_where(
        session, rec, col(rec.council_session_id) == council_session_id, order_by=order
    )


async def sources(
    session: AsyncSession, recommendation_ids: Sequence[uuid.UUID]
) -> list[sa.Row[Any]]:
    """Every opinion behind the recommendations, with its meeting and ward (the columns
    named as :class:`service.voters.schemas.Source`'s fields, and ``recommendation_id``)."""
    if not recommendation_ids:
        return []
    query: sa.Select[*tuple[Any, ...]] = (
        sa.select(
            col(VoterOpinion.id).label("opinion_id"),
            col(VoterOpinion.recommendation_id),
            col(VoterMeeting.id).label("meeting_id"),
            col(VoterMeeting.unit_code),
            col(AdminUnit.name).label("unit_name"),
            col(VoterMeeting.held_on),
            col(VoterOpinion.voters_count),
            col(VoterOpinion.text),
        )
        .join(VoterMeeting, col(VoterMeeting.id) == col(VoterOpinion.meeting_id))
        .join(AdminUnit, col(AdminUnit.code) == col(VoterMeeting.unit_code))
        .where(col(VoterOpinion.recommendation_id).in_(list(recommendation_ids)))
        .order_by(col(VoterMeeting.held_on), col(VoterOpinion.created_at), col(VoterOpinion.id))
    )
    return list((await session.execute(query)).all())


@dataclass(frozen=True)
class SimilarPair:
    left: uuid.UUID
    right: uuid.UUID
    score: float


async def similar_pairs(
    session: AsyncSession, council_session_id: uuid.UUID, *, threshold: float = SIMILARITY_THRESHOLD
) -> list[SimilarPair]:
    """Pairs of the session's opinions not yet compiled that read alike (the duplicate
    search's folded trigram similarity), best first."""
    left = sa.orm.aliased(VoterOpinion)
    right = sa.orm.aliased(VoterOpinion)
    score = folded_similarity(sa.cast(col(left.text), sa.Text), sa.cast(col(right.text), sa.Text))
    query = (
        sa.select(col(left.id), col(right.id), score.label("score"))
        .join(
            right,
            sa.and_(
                col(right.council_session_id) == col(left.council_session_id),
                col(left.id) < col(right.id),
            ),
        )
        .where(
            col(left.council_session_id) == council_session_id,
            col(left.recommendation_id).is_(None),
            col(right.recommendation_id).is_(None),
            score >= threshold,
        )
        .order_by(sa.desc("score"))
        .limit(MAX_PAIRS)
    )
    return [
        SimilarPair(a, b, round(float(s), 4)) for a, b, s in (await session.execute(query)).all()
    ]


@dataclass(frozen=True)
class SessionFigures:
    meetings: int
    voters: int
    opinions: int
    recommendations: int
    referred: int
    answered: int


async def session_figures(session: AsyncSession, council_session_id: uuid.UUID) -> SessionFigures:
    meetings = select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(col(VoterMeeting.voters_attending)), 0)
    ).where(col(VoterMeeting.council_session_id) == council_session_id)
    opinions = select(sa.func.count()).where(
        col(VoterOpinion.council_session_id) == council_session_id
    )
    rec = VoterRecommendation
    recs = select(
        sa.func.count(),
        sa.func.count().filter(col(rec.referral_id).is_not(None)),
        sa.func.count().filter(col(rec.state) == "answered"),
    ).where(col(rec.council_session_id) == council_session_id, col(rec.state) != "withdrawn")
    m = (await session.execute(meetings)).one()
    o = (await session.execute(opinions)).scalar_one()
    r = (await session.execute(recs)).one()
    return SessionFigures(int(m[0]), int(m[1]), int(o), int(r[0]), int(r[1]), int(r[2]))


async def period_figures(
    session: AsyncSession, unit_code: str | None, first: date, last: date
) -> SessionFigures:
    """The figures of the meetings held on the days ``first``..``last`` (in ``unit_code``,
    or everywhere), of their opinions, and of the recommendations compiled from those
    opinions (the council report's and the dashboard's period); one statement."""
    meeting = VoterMeeting
    held = [col(meeting.held_on) >= first, col(meeting.held_on) <= last]
    if unit_code is not None:
        held.append(col(meeting.unit_code) == unit_code)
    meetings = (
        select(
            sa.func.count().label("meetings"),
            sa.func.coalesce(sa.func.sum(col(meeting.voters_attending)), 0).label("voters"),
        )
        .where(*held)
        .subquery()
    )
    opinions = (
        select(col(VoterOpinion.id), col(VoterOpinion.recommendation_id))
        .join(meeting, col(meeting.id) == col(VoterOpinion.meeting_id))
        .where(*held)
        .subquery()
    )
    rec = VoterRecommendation
    compiled = (
        select(
            sa.func.count().label("recommendations"),
            sa.func.count().filter(col(rec.referral_id).is_not(None)).label("referred"),
            sa.func.count().filter(col(rec.state) == "answered").label("answered"),
        )
        .where(
            col(rec.state) != "withdrawn",
            col(rec.id).in_(
                select(opinions.c.recommendation_id).where(
                    opinions.c.recommendation_id.is_not(None)
                )
            ),
        )
        .subquery()
    )
    statement = sa.select(
        meetings.c.meetings,
        meetings.c.voters,
        select(sa.func.count()).select_from(opinions).scalar_subquery(),
        compiled.c.recommendations,
        compiled.c.referred,
        compiled.c.answered,
    ).select_from(meetings.join(compiled, sa.true()))
    row = (await session.execute(statement)).one()
    return SessionFigures(*(int(value) for value in row))
