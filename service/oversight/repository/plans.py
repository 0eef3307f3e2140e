"""Plans: the plan, its members, agencies and participants, and the plan list (keyset
pages with the one cursor codec, :mod:`service.http.cursor`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.models import Role, StaffUser
from service.auth.principals import StaffPrincipal
from service.db import children_of
from service.directory.models import Agency
from service.http import cursor as keyset
from service.kernel.rows import getter, keyed_getter, one_where
from service.oversight.models import (
    PlanAgency,
    PlanForm,
    PlanMember,
    PlanParticipant,
    PlanRole,
    PlanState,
    SupervisionPlan,
)
from service.oversight.views import (
    AgencyView,
    MemberView,
    PlanDetail,
)

# -- plans -----------------------------------------------------------------------------------


get_plan = getter(SupervisionPlan)
users_by_id = keyed_getter(StaffUser)
agencies_by_id = keyed_getter(Agency)


async def plan_code_taken(session: AsyncSession, code: str, exclude: uuid.UUID | None) -> bool:
    query = select(col(SupervisionPlan.id)).where(col(SupervisionPlan.code) == code)
    if exclude is not None:
        query = query.where(col(SupervisionPlan.id) != exclude)
    return (await session.execute(query)).first() is not None


async def member_role(
    session: AsyncSession, plan_id: uuid.UUID, user_id: uuid.UUID
) -> PlanRole | None:
    role = (
        await session.execute(
            select(col(PlanMember.role)).where(
                col(PlanMember.plan_id) == plan_id, col(PlanMember.user_id) == user_id
            )
        )
    ).scalar_one_or_none()
    return None if role is None else PlanRole(role)


async def plan_members(session: AsyncSession, plan_id: uuid.UUID) -> list[MemberView]:
    rows = await session.execute(
        sa.select(
            col(PlanMember.user_id),
            col(StaffUser.username),
            col(StaffUser.full_name),
            col(StaffUser.role),
            col(PlanMember.role),
        )
        .join(StaffUser, col(StaffUser.id) == col(PlanMember.user_id))
        .where(col(PlanMember.plan_id) == plan_id)
        .order_by(
            sa.case(
                (col(PlanMember.role) == "head", 0),
                (col(PlanMember.role) == "secretary", 1),
                else_=2,
            ),
            col(StaffUser.full_name),
        )
    )
    return [
        MemberView(
            user_id=r[0], username=r[1], full_name=r[2], staff_role=str(r[3]), role=PlanRole(r[4])
        )
        for r in rows
    ]


async def plan_agencies(session: AsyncSession, plan_id: uuid.UUID) -> list[AgencyView]:
    rows = await session.execute(
        select(col(Agency.id), col(Agency.code), col(Agency.name), col(Agency.unit_code))
        .join(PlanAgency, col(PlanAgency.agency_id) == col(Agency.id))
        .where(col(PlanAgency.plan_id) == plan_id)
        .order_by(col(Agency.name))
    )
    return [AgencyView(id=r[0], code=r[1], name=r[2], unit_code=r[3]) for r in rows]


plan_participants = children_of(PlanParticipant, PlanParticipant.plan_id, PlanParticipant.name)


async def plan_detail(session: AsyncSession, plan_id: uuid.UUID) -> PlanDetail | None:
    """A plan with its members, supervised agencies and outside participants."""
    plan = await get_plan(session, plan_id)
    if plan is None:
        return None
    return PlanDetail(
        plan=plan,
        members=await plan_members(session, plan_id),
        agencies=await plan_agencies(session, plan_id),
        participants=await plan_participants(session, plan_id),
    )


async def plan_by_code(session: AsyncSession, code: str) -> SupervisionPlan | None:
    return await one_where(session, SupervisionPlan, col(SupervisionPlan.code) == code)


def _visible_plans_filter(viewer: StaffPrincipal) -> Any:
    member_of = select(col(PlanMember.plan_id)).where(col(PlanMember.user_id) == viewer.user_id)
    is_member = col(SupervisionPlan.id).in_(member_of)
    if viewer.role is Role.admin:
        return sa.true()
    if viewer.role is Role.front_officer:
        if viewer.unit_code is None:
            return sa.true()
        return sa.or_(col(SupervisionPlan.unit_code) == viewer.unit_code, is_member)
    return is_member


PLAN_LIST = "oversight-plans:newest"


async def list_plans(
    session: AsyncSession,
    viewer: StaffPrincipal,
    *,
    states: Sequence[PlanState] | None = None,
    unit_code: str | None = None,
    form: PlanForm | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[SupervisionPlan], str | None]:
    """A page of the plans the viewer may see, newest first, and the cursor of the next page
    (None on the last). The cursor is the (created_at, id) of the page's last row."""
    query = select(SupervisionPlan).where(_visible_plans_filter(viewer))
    if states:
        query = query.where(col(SupervisionPlan.state).in_([s.value for s in states]))
    if unit_code is not None:
        query = query.where(col(SupervisionPlan.unit_code) == unit_code)
    if form is not None:
        query = query.where(col(SupervisionPlan.form) == form.value)
    if cursor:
        created_at, plan_id = keyset.decode(PLAN_LIST, cursor, (datetime, uuid.UUID))
        query = query.where(
            sa.tuple_(col(SupervisionPlan.created_at), col(SupervisionPlan.id))
            < sa.tuple_(sa.literal(created_at), sa.literal(plan_id))
        )
    query = query.order_by(
        col(SupervisionPlan.created_at).desc(), col(SupervisionPlan.id).desc()
    ).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    page = rows[:limit]
    if len(rows) <= limit:
        return page, None
    last = page[-1]
    return page, keyset.encode(PLAN_LIST, last.created_at, last.id)


async def plans_in_period(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    unit_code: str | None = None,
    states: Sequence[PlanState] | None = None,
) -> list[SupervisionPlan]:
    """Plans created in [start, end) (for reports), oldest first."""
    query = select(SupervisionPlan).where(
        col(SupervisionPlan.created_at) >= start, col(SupervisionPlan.created_at) < end
    )
    if unit_code is not None:
        query = query.where(col(SupervisionPlan.unit_code) == unit_code)
    if states:
        query = query.where(col(SupervisionPlan.state).in_([s.value for s in states]))
    query = query.order_by(col(SupervisionPlan.created_at), col(SupervisionPlan.id))
    return list((await session.execute(query)).scalars())


async def member_candidates(
    session: AsyncSession, unit_code: str, roles: Sequence[Role], limit: int
) -> list[StaffUser]:
    """Active staff of ``roles`` who work in ``unit_code`` or at city level (no unit): the
    people a plan of that unit may list as members, by name."""
    query = (
        select(StaffUser)
        .where(
            col(StaffUser.active).is_(True),
            col(StaffUser.role).in_([role.value for role in roles]),
            sa.or_(col(StaffUser.unit_code).is_(None), col(StaffUser.unit_code) == unit_code),
        )
        .order_by(col(StaffUser.full_name), col(StaffUser.id))
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def replace_members(
    session: AsyncSession, plan_id: uuid.UUID, members: Sequence[tuple[uuid.UUID, PlanRole]]
) -> None:
    await session.execute(sa.delete(PlanMember).where(col(PlanMember.plan_id) == plan_id))
    await session.flush()
    for user_id, role in members:
        session.add(PlanMember(plan_id=plan_id, user_id=user_id, role=role))
    await session.flush()


async def replace_agencies(
    session: AsyncSession, plan_id: uuid.UUID, agency_ids: Sequence[uuid.UUID]
) -> None:
    await session.execute(sa.delete(PlanAgency).where(col(PlanAgency.plan_id) == plan_id))
    for agency_id in dict.fromkeys(agency_ids):
        session.add(PlanAgency(plan_id=plan_id, agency_id=agency_id))
    await session.flush()


async def replace_participants(
    session: AsyncSession, plan_id: uuid.UUID, participants: Sequence[PlanParticipant]
) -> None:
    await session.execute(sa.delete(PlanParticipant).where(col(PlanParticipant.plan_id) == plan_id))
    for participant in participants:
        session.add(participant)
    await session.flush()


async def plan_agency_ids(session: AsyncSession, plan_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.execute(
        select(col(PlanAgency.agency_id)).where(col(PlanAgency.plan_id) == plan_id)
    )
    return set(rows.scalars())
