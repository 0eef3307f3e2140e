"""What the oversight controllers share: the guard, and answering about a plan or a session
(the generated actions and the plain handlers answer the same way)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.types import Guard
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.errors import Invalid
from service.i18n import msg
from service.oversight import service as oversight
from service.oversight import views
from service.oversight.models import SupervisionPlan, SupervisionSession
from service.oversight.schemas import PlanRead, SessionRead, has_nul

# Staff only: supervisors, Front officers and admins pass the guard; which plan they may see
# or change is decided per plan (``access.py``; 404 for a plan that is not theirs).
OVERSIGHT_ROLES = (Role.supervisor, Role.front_officer)
GUARDS: list[Guard] = [staff(*OVERSIGHT_ROLES)]
TAGS = ["oversight"]

# What nearly every handler takes: the staff caller's request and the database session.
StaffRequest = Request[StaffPrincipal, Any, Any]
DbSession = NamedDependency[AsyncSession]


def text_param(value: str | None, name: str) -> str | None:
    """A query parameter of free text: a NUL character is refused as in request bodies."""
    if value is not None and has_nul(value):
        raise Invalid(msg("text_has_nul"), field=name)
    return value


async def present_plan(
    db_session: AsyncSession, plan: SupervisionPlan, viewer: StaffPrincipal
) -> PlanRead:
    """The plan as the viewer sees it now (members, agencies, their allowed actions)."""
    _, access = await oversight.load_plan(db_session, plan.id, viewer)
    detail = await oversight.plan_detail(db_session, plan)
    return views.plan_read(plan, detail, access, oversight.plan_actions_for(plan, access))


async def present_session(
    db_session: AsyncSession, supervision_session: SupervisionSession, viewer: Any
) -> SessionRead:
    """The session with the actions the viewer may take on it now."""
    _, _, access = await oversight.load_session(db_session, supervision_session.id, viewer)
    return views.session_read(
        supervision_session, oversight.session_allowed_actions(supervision_session, access)
    )
