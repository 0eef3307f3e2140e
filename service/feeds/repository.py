"""The feeds' statements, over what the domains already made public.

Answers come from ``public_answer``: the rows ``replies`` writes when an answer is published
and its item's provider allows it, already redacted (``replies.service.review.public_text``).
The feeds redact nothing again and add one guard of their own: complaints and denunciations
are never on a feed, whatever a provider allowed. Conclusions are the plans whose
conclusion the Front published (``oversight``'s ``publish`` action) and that are still
concluded or archived. Like ``reports``, this package reads the domains; they never read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from service.deadlines.models import ItemKind
from service.directory.models import AdminUnit, PetitionCategory
from service.feeds.paging import Page, PageRequest, fetch_page
from service.oversight.models import PlanState, SupervisionPlan
from service.replies.models import PublicAnswer

ANSWERS = "feeds.answers:newest"
CONCLUSIONS = "feeds.conclusions:newest"
# Never public, whatever a provider allowed (Law 02/2011, Law 25/2018 Art. 9 and 47).
NEVER_PUBLIC_KINDS = (ItemKind.complaint.value, ItemKind.denunciation.value)
PUBLIC_PLAN_STATES = (PlanState.concluded.value, PlanState.archived.value)


@dataclass(frozen=True)
class AnswerScope:
    unit_code: str | None = None
    category_code: str | None = None


def public_answers_query(scope: AnswerScope = AnswerScope()) -> SelectOfScalar[PublicAnswer]:
    """The published answers a feed (or the open-data file) may show, unordered."""
    query = select(PublicAnswer).where(col(PublicAnswer.item_kind).not_in(NEVER_PUBLIC_KINDS))
    if scope.unit_code is not None:
        query = query.where(col(PublicAnswer.unit_code) == scope.unit_code)
    if scope.category_code is not None:
        query = query.where(col(PublicAnswer.category_code) == scope.category_code)
    return query


async def answer_page(
    session: AsyncSession, scope: AnswerScope, request: PageRequest, limit: int
) -> Page[PublicAnswer]:
    return await fetch_page(
        session,
        public_answers_query(scope),
        moment=col(PublicAnswer.published_at),
        row_id=col(PublicAnswer.id),
        list_name=ANSWERS,
        request=request,
        limit=limit,
        key=lambda row: (row.published_at, row.id),
    )


def published_conclusions_query() -> SelectOfScalar[SupervisionPlan]:
    return select(SupervisionPlan).where(
        col(SupervisionPlan.conclusion_published_at).is_not(None),
        col(SupervisionPlan.state).in_(PUBLIC_PLAN_STATES),
        col(SupervisionPlan.conclusion).is_not(None),
    )


async def conclusion_page(
    session: AsyncSession, request: PageRequest, limit: int
) -> Page[SupervisionPlan]:
    def key(plan: SupervisionPlan) -> tuple[object, object]:
        assert plan.conclusion_published_at is not None
        return plan.conclusion_published_at, plan.id

    return await fetch_page(
        session,
        published_conclusions_query(),
        moment=col(SupervisionPlan.conclusion_published_at),
        row_id=col(SupervisionPlan.id),
        list_name=CONCLUSIONS,
        request=request,
        limit=limit,
        key=key,  # type: ignore[arg-type]
    )


async def _names(
    session: AsyncSession, code: Mapped[str], name: Mapped[str], codes: set[str]
) -> dict[str, str]:
    """The names of the codes one page's entries carry (one statement, none for no code)."""
    if not codes:
        return {}
    query = sa.select(code, name).where(code.in_(codes))
    return {row_code: row_name for row_code, row_name in (await session.execute(query)).all()}


async def unit_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    return await _names(session, col(AdminUnit.code), col(AdminUnit.name), codes)


async def category_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    return await _names(session, col(PetitionCategory.code), col(PetitionCategory.name_vi), codes)
