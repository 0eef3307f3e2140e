"""The supervision plans in the console (``/console/oversight``): the list, a plan's page
(members, agencies, sessions, findings, recommendations) and its forms: the plan actions,
scheduling a session, recording a finding, drafting a recommendation. Each form calls what
the API's route calls (``service.oversight``), the actions through ``PLAN_ROUTES``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import NotFound
from service.http.cursor import MAX_LENGTH as CURSOR_MAX_LENGTH
from service.i18n import msg
from service.oversight import service as oversight
from service.oversight.controllers.common import GUARDS, StaffRequest, present_plan
from service.oversight.controllers.plans import PLAN_RESOURCE, PLAN_ROUTES
from service.oversight.controllers.recommendations import (
    RECOMMENDATION_RESOURCE,
    RECOMMENDATION_ROUTES,
)
from service.oversight.models import PlanState, SessionMode
from service.oversight.schemas import FindingCreate, RecommendationCreate
from service.oversight.service import recommendations as rec_service
from service.web.oversight.forms import ActionForms, SessionSchedule, empty_form, submit
from service.web.pages import read_form, redirect, render

DbSession = NamedDependency[AsyncSession]
BASE = "/console/oversight"


def plan_url(plan_id: uuid.UUID) -> str:
    return f"{BASE}/plans/{plan_id}"


async def plan_page(
    request: StaffRequest,
    db_session: AsyncSession,
    plan_id: uuid.UUID,
    *,
    status: int = 200,
    **forms: Any,
) -> HTMXTemplate:
    """The plan as the viewer may see it now, with ``forms`` (a failed one shows its errors;
    the others are blank)."""
    plan, _ = await oversight.load_plan(db_session, plan_id, request.user)
    view = await present_plan(db_session, plan, request.user)
    found, access = await oversight.list_sessions(db_session, plan_id, request.user)
    recommendations = [
        await rec_service.get_recommendation_view(db_session, rec.id, request.user)
        for rec in await rec_service.list_plan_recommendations(db_session, plan_id, request.user)
    ]
    blank: dict[str, Any] = {
        name: forms.pop(name, empty_form())
        for name in ("action", "schedule", "finding", "recommendation")
    }
    return render(
        request,
        "console/oversight/plan.html",
        status_code=status,
        plan=view,
        sessions=found,
        may_schedule=access.runs_sessions or access.manages,
        findings=await rec_service.list_findings(db_session, plan_id, request.user),
        recommendations=[view for view, _ in recommendations],
        # the workflow actions; editing a draft is the API's PATCH, not a button here
        rec_actions={
            view.id: [action for action in allowed if action in RECOMMENDATION_ROUTES]
            for view, allowed in recommendations
        },
        modes=list(SessionMode),
        agency_options=[(str(agency.id), agency.name) for agency in view.agencies],
        **blank,
        **forms,
    )


class PlanPages(Controller):
    path = "/oversight"
    guards = GUARDS

    @get("/")
    async def plans(
        self,
        request: StaffRequest,
        db_session: DbSession,
        plan_state: Annotated[PlanState | None, QueryParameter(name="state")] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=CURSOR_MAX_LENGTH)] = None,
    ) -> HTMXTemplate:
        page, next_cursor = await oversight.list_plans(
            db_session,
            request.user,
            states=[plan_state] if plan_state else None,
            unit_code=None,
            form=None,
            cursor=cursor,
            limit=50,
        )
        return render(
            request,
            "console/oversight/plans.html",
            plans=page,
            next_cursor=next_cursor,
            states=list(PlanState),
            chosen=plan_state,
        )

    @get("/plans/{plan_id:uuid}")
    async def plan(
        self, request: StaffRequest, plan_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> HTMXTemplate:
        return await plan_page(request, db_session, plan_id)

    @post("/plans/{plan_id:uuid}/{part:str}", status_code=303)
    async def add(
        self,
        request: StaffRequest,
        plan_id: FromPath[uuid.UUID],
        part: FromPath[str],
        db_session: DbSession,
    ) -> Redirect | HTMXTemplate:
        """Schedule a session, record a finding, draft a recommendation (``_ADDITIONS``)."""
        addition = _ADDITIONS.get(part)
        if addition is None:
            raise NotFound(msg("http_404"))
        name, schema, create = addition

        async def run(data: Any) -> None:
            await create(db_session, plan_id, data, request.user)

        form, status = await submit(await read_form(request, schema), run)
        if status == 303:
            return redirect(plan_url(plan_id), flash=f"web.oversight.{name}_saved")
        return await plan_page(request, db_session, plan_id, status=status, **{name: form})


# What may be added to a plan from its page: path -> (the form's name, the API's request
# schema, the service's ``create(session, plan_id, data, actor)``).
_ADDITIONS: dict[str, tuple[str, type[BaseModel], Any]] = {
    "sessions": ("schedule", SessionSchedule, oversight.schedule_session),
    "findings": ("finding", FindingCreate, rec_service.create_finding),
    "recommendations": ("recommendation", RecommendationCreate, rec_service.create_recommendation),
}


async def _plan_of_recommendation(
    request: StaffRequest, db_session: AsyncSession, recommendation_id: uuid.UUID, **page: Any
) -> HTMXTemplate:
    rec, _, _ = await rec_service.load_recommendation(db_session, recommendation_id, request.user)
    return await plan_page(request, db_session, rec.plan_id, **page)


# The plan's and its recommendations' workflow actions as forms (``POST …/actions/<action>``),
# the API's routes; both come back to the plan's page.
_PATH = BASE.removeprefix("/console")
plan_action = ActionForms(
    PLAN_RESOURCE, PLAN_ROUTES, lambda plan: plan_url(plan.id), plan_page
).handler(f"{_PATH}/plans", GUARDS)
recommendation_action = ActionForms(
    RECOMMENDATION_RESOURCE,
    RECOMMENDATION_ROUTES,
    lambda rec: plan_url(rec.plan_id),
    _plan_of_recommendation,
).handler(f"{_PATH}/recommendations", GUARDS)
