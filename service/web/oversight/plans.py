"""The supervision plans in the console (``/console/oversight``): the list, a plan's page
(members, agencies, sessions, findings, recommendations) and its forms: creating a draft
(on the list), editing a draft and its roster (``plan_forms``), the plan actions, scheduling
a session, recording a finding, drafting a recommendation. Each form calls what the API's
route calls (``service.oversight``), the actions through ``PLAN_ROUTES``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import NotFound
from service.http.params import Cursor, DbSession, StaffRequest
from service.i18n import msg
from service.oversight import service as oversight
from service.oversight.controllers.common import GUARDS, present_plan
from service.oversight.controllers.plans import PLAN_RESOURCE, PLAN_ROUTES
from service.oversight.controllers.recommendations import (
    RECOMMENDATION_RESOURCE,
    RECOMMENDATION_ROUTES,
)
from service.oversight.models import PlanForm, PlanRole, PlanState, SessionMode
from service.oversight.schemas import (
    FindingCreate,
    MemberIn,
    PlanRead,
    PlanUpdate,
    RecommendationCreate,
)
from service.oversight.service import recommendations as rec_service
from service.web.oversight.forms import (
    ActionForms,
    NoBody,
    SessionSchedule,
    empty_form,
    if_match,
    submit,
)
from service.web.oversight.plan_forms import (
    MemberRoleForm,
    PlanCreateForm,
    PlanEditForm,
    by_field,
    edit_values,
    member_errors,
    member_options,
    plan_choices,
    with_member,
    with_role,
    without,
)
from service.web.pages import Form, named, read_form, redirect, render
from service.web.records import RecordPage

BASE = "/console/oversight"
M = TypeVar("M", bound=BaseModel)


async def _plan(
    request: StaffRequest, db_session: AsyncSession, plan_id: uuid.UUID, forms: dict[str, Any]
) -> dict[str, Any]:
    plan, plan_access = await oversight.load_plan(db_session, plan_id, request.user)
    view = await present_plan(db_session, plan, request.user)
    found, access = await oversight.list_sessions(db_session, plan_id, request.user)
    recommendations = [
        await rec_service.get_recommendation_view(db_session, rec.id, request.user)
        for rec in await rec_service.list_plan_recommendations(db_session, plan_id, request.user)
    ]
    editor = oversight.may_edit_plan(plan, plan_access, request.user)
    may_edit = editor and oversight.may_edit_fields(plan)
    may_roster = editor and oversight.may_edit_roster(plan)
    return {
        "plan": view,
        "sessions": found,
        "may_schedule": access.runs_sessions or access.manages,
        "findings": await rec_service.list_findings(db_session, plan_id, request.user),
        "recommendations": [view for view, _ in recommendations],
        # the workflow actions; editing a draft is the API's PATCH, not a button here
        "rec_actions": {
            view.id: [action for action in allowed if action in RECOMMENDATION_ROUTES]
            for view, allowed in recommendations
        },
        "modes": list(SessionMode),
        "agency_options": [(str(agency.id), agency.name) for agency in view.agencies],
        "may_edit": may_edit,
        "may_roster": may_roster,
        "edit": forms.pop("edit", None) or Form(values=edit_values(view)),
        "choices": await plan_choices(db_session, request.user) if may_edit else {},
        "forms_of_plan": list(PlanForm),
        "plan_roles": list(PlanRole),
        "candidates": (await member_options(db_session, view, request.user) if may_roster else []),
        # a new member is an ordinary member unless the form says otherwise
        "member": forms.pop("member", None) or Form(values={"role": PlanRole.member.value}),
    }


plan_page = RecordPage(
    f"{BASE}/plans/{{}}",
    "console/oversight/plan.html",
    ("action", "schedule", "finding", "recommendation"),
    _plan,
)
plan_url = plan_page.url


async def plans_page(
    request: StaffRequest,
    db_session: AsyncSession,
    *,
    plan_state: PlanState | None = None,
    cursor: str | None = None,
    status: int = 200,
    create: Form[Any] | None = None,
) -> HTMXTemplate:
    """The plans the viewer may see, and the new plan's form for those who may create one
    (``create``: as sent, with its errors)."""
    page, next_cursor = await oversight.list_plans(
        db_session,
        request.user,
        states=[plan_state] if plan_state else None,
        unit_code=None,
        form=None,
        cursor=cursor,
        limit=50,
    )
    may_create = oversight.may_create_plan(request.user)
    return render(
        request,
        "console/oversight/plans.html",
        status_code=status,
        plans=page,
        next_cursor=next_cursor,
        states=list(PlanState),
        chosen=plan_state,
        may_create=may_create,
        create=create or empty_form(),
        choices=await plan_choices(db_session, request.user) if may_create else {},
        forms_of_plan=list(PlanForm),
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
        cursor: Cursor = None,
    ) -> HTMXTemplate:
        return await plans_page(request, db_session, plan_state=plan_state, cursor=cursor)

    @post("/plans", status_code=303)
    async def create(self, request: StaffRequest, db_session: DbSession) -> Redirect | HTMXTemplate:
        """A new draft (``POST /oversight/plans``); a supervisor becomes its head."""
        created: list[uuid.UUID] = []

        async def run(data: PlanCreateForm) -> None:
            plan = await oversight.create_plan(db_session, data, request.user)
            created.append(plan.id)

        form, status = await submit(await read_form(request, PlanCreateForm), run)
        if created:
            return redirect(plan_url(created[0]), flash="web.oversight.plan_created")
        return await plans_page(request, db_session, status=status, create=by_field(form))

    @post("/plans/{plan_id:uuid}/edit", status_code=303)
    async def edit(
        self, request: StaffRequest, plan_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> Redirect | HTMXTemplate:
        """The draft's fields (``PATCH /oversight/plans/{id}`` at the version the form was
        read at)."""
        form = await read_form(request, PlanEditForm)

        async def run(data: PlanEditForm) -> None:
            await _update(request, db_session, plan_id, form, data)

        return await plan_page.of(request, db_session, plan_id).submitted(
            form, run, name="edit", flash="web.oversight.plan_saved", refill=by_field
        )

    @post("/plans/{plan_id:uuid}/members", status_code=303)
    async def add_member(
        self, request: StaffRequest, plan_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> Redirect | HTMXTemplate:
        return await _change_roster(request, db_session, plan_id, MemberIn, with_member)

    @post("/plans/{plan_id:uuid}/members/{user_id:uuid}/{change:str}", status_code=303)
    async def change_member(
        self,
        request: StaffRequest,
        plan_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        change: FromPath[str],
        db_session: DbSession,
    ) -> Redirect | HTMXTemplate:
        """A member's new role (``…/role``), or the member removed (``…/remove``)."""
        if change == "role":
            return await _change_roster(
                request,
                db_session,
                plan_id,
                MemberRoleForm,
                lambda view, data: with_role(view, user_id, data.role),
            )
        if change == "remove":
            return await _change_roster(
                request, db_session, plan_id, NoBody, lambda view, _data: without(view, user_id)
            )
        raise NotFound(msg("http_404"))

    plan = plan_page.route("/plans/{plan_id:uuid}")

    @post("/plans/{plan_id:uuid}/{part:str}", status_code=303)
    async def add(
        self,
        request: StaffRequest,
        plan_id: FromPath[uuid.UUID],
        part: FromPath[str],
        db_session: DbSession,
    ) -> Redirect | HTMXTemplate:
        """Schedule a session, record a finding, draft a recommendation (``_ADDITIONS``)."""
        name, schema, create = named(_ADDITIONS, part)

        async def run(data: Any) -> None:
            await create(db_session, plan_id, data, request.user)

        return await plan_page.of(request, db_session, plan_id).submitted(
            await read_form(request, schema), run, name=name, flash=f"web.oversight.{name}_saved"
        )


async def _plan_read(
    request: StaffRequest, db_session: AsyncSession, plan_id: uuid.UUID
) -> PlanRead:
    """The plan as the viewer sees it now (404 when not theirs): the roster a change starts
    from."""
    plan, _ = await oversight.load_plan(db_session, plan_id, request.user)
    return await present_plan(db_session, plan, request.user)


async def _update(
    request: StaffRequest,
    db_session: AsyncSession,
    plan_id: uuid.UUID,
    form: Form[Any],
    data: PlanUpdate,
) -> None:
    """The API's edit, at the version the form was read at (its hidden ``version``)."""
    await oversight.update_plan(
        db_session,
        plan_id,
        data,
        request.user,
        expected_version=if_match(form.values.get("version")),
    )


async def _change_roster(
    request: StaffRequest,
    db_session: AsyncSession,
    plan_id: uuid.UUID,
    schema: type[M],
    members: Callable[[PlanRead, M], list[MemberIn]],
) -> Redirect | HTMXTemplate:
    """A roster form (``schema``): the API's edit with the whole roster ``members`` makes of
    the plan as it is now and the form's data, at the version the form was read at; back to
    the plan's members, or its page with the refusal next to the member form's fields."""
    form = await read_form(request, schema)

    async def run(data: M) -> None:
        view = await _plan_read(request, db_session, plan_id)
        await _update(request, db_session, plan_id, form, PlanUpdate(members=members(view, data)))

    return await plan_page.of(request, db_session, plan_id).submitted(
        form,
        run,
        name="member",
        flash="web.oversight.members_saved",
        anchor="#members",
        refill=member_errors,
    )


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
