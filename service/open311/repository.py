"""Every query of the Open311 server: what its public GETs read.

The rows are petitions of the public kinds only (feedback and recommendations: a complaint or
a denunciation is never public, whichever way it came in), with nothing a person told us
about themselves: their category and ward, dates, the agency they went to, their deadline,
and the latest answer the Front *published* (the public feed's own row, already redacted:
``replies.redaction`` ran when it was published; nothing is redacted a second time here).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.directory.models import AdminUnit, Agency, PetitionCategory
from service.petitions.models import Petition, PetitionKind, PetitionStatus
from service.replies.models import PublicAnswer, Referral

PUBLIC_KINDS = (PetitionKind.feedback.value, PetitionKind.recommendation.value)
ITEM_TYPE = "petition"  # a referral's item_type for a petition (petitions.referral_events)


@dataclass(frozen=True)
class RequestFilter:
    """``GET requests``: the tracking codes (which override the rest, as the spec says),
    else the categories, statuses and the requested_datetime window ``[start, end]``."""

    codes: Sequence[str] = ()
    categories: Sequence[str] = ()
    statuses: Sequence[PetitionStatus] = ()
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 1000


def _latest_public_answer() -> Any:
    """The newest published answer of the petition (LATERAL: one index probe per row on
    ``ix_referral_item``)."""
    return (
        sa.select(
            col(PublicAnswer.title).label("public_title"),
            col(PublicAnswer.description).label("public_description"),
            col(PublicAnswer.answer_text).label("public_answer"),
            col(PublicAnswer.agency_name).label("public_agency"),
        )
        .join(Referral, col(Referral.id) == col(PublicAnswer.referral_id))
        .where(
            col(Referral.item_type) == ITEM_TYPE,
            col(Referral.item_id) == col(Petition.id),
        )
        .order_by(col(PublicAnswer.published_at).desc())
        .limit(1)
        .lateral("public_answer")
    )


def _requests_query() -> Any:
    answer = _latest_public_answer()
    return (
        sa.select(
            col(Petition.id),
            col(Petition.tracking_code),
            col(Petition.status),
            col(Petition.category_code),
            col(PetitionCategory.name_vi).label("category_vi"),
            col(PetitionCategory.name_en).label("category_en"),
            col(AdminUnit.name).label("unit_name"),
            col(Agency.name).label("agency_name"),
            col(Petition.created_at),
            col(Petition.updated_at),
            sa.func.coalesce(col(Referral.due_at), col(Petition.due_at)).label("expected_at"),
            col(Petition.latitude),
            col(Petition.longitude),
            col(Petition.consent_publish),
            answer.c.public_title,
            answer.c.public_description,
            answer.c.public_answer,
            answer.c.public_agency,
        )
        .join(PetitionCategory, col(PetitionCategory.code) == col(Petition.category_code))
        .join(AdminUnit, col(AdminUnit.code) == col(Petition.unit_code))
        .outerjoin(Agency, col(Agency.id) == col(Petition.agency_id))
        .outerjoin(Referral, col(Referral.id) == col(Petition.referral_id))
        .outerjoin(answer, sa.true())
        .where(col(Petition.kind).in_(PUBLIC_KINDS))
    )


async def requests(session: AsyncSession, filters: RequestFilter) -> Sequence[sa.Row[Any]]:
    """Newest first, at most ``filters.limit`` rows (the spec's 1000)."""
    query = _requests_query()
    if filters.codes:
        query = query.where(col(Petition.tracking_code).in_(filters.codes))
    else:
        if filters.categories:
            query = query.where(col(Petition.category_code).in_(filters.categories))
        if filters.statuses:
            query = query.where(col(Petition.status).in_([s.value for s in filters.statuses]))
        if filters.start is not None:
            query = query.where(col(Petition.created_at) >= filters.start)
        if filters.end is not None:
            query = query.where(col(Petition.created_at) <= filters.end)
    query = query.order_by(col(Petition.created_at).desc(), col(Petition.id).desc())
    return (await session.execute(query.limit(filters.limit))).all()


async def tracking_code_of(session: AsyncSession, petition_id: uuid.UUID) -> str | None:
    """The tracking code of a public-kind petition (a token of ours is its id)."""
    result = await session.execute(
        sa.select(col(Petition.tracking_code)).where(
            col(Petition.id) == petition_id, col(Petition.kind).in_(PUBLIC_KINDS)
        )
    )
    return result.scalar_one_or_none()
