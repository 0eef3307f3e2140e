"""Supervision plans under ``/api/v1/oversight/plans``: the list, creation, edits, the plan's
sessions and seals, and the plan actions (``submit``, ``approve``... generated from one
declaration, :mod:`service.http.actions`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter, RequestBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.http.actions import ActionCall, ActionResource, ActionRoute, action_handlers
from service.http.cursor import MAX_LENGTH as CURSOR_MAX_LENGTH
from service.http.preconditions import IfMatch, with_etag
from service.oversight import service as oversight
from service.oversight import views
from service.oversight.controllers.common import (
    GUARDS,
    TAGS,
    DbSession,
    StaffRequest,
    present_plan,
    present_session,
)
from service.oversight.models import PlanForm, PlanState, SupervisionPlan
from service.oversight.schemas import (
    ManifestRead,
    PlanActionRequest,
    PlanCreate,
    PlanPage,
    PlanRead,
    PlanUpdate,
    SessionCreate,
    SessionRead,
)
from service.oversight.workflow import PlanAction
from service.readonly import ReadSession


class PlanController(Controller):
    path = "/oversight/plans"
    tags = TAGS
    guards = GUARDS

    @get("/", summary="Supervision plans the caller may see (newest first, keyset pages)")
    async def list_plans(
        self,
        request: StaffRequest,
        read_session: ReadSession,
        plan_state: Annotated[list[PlanState] | None, QueryParameter(name="state")] = None,
        unit_code: Annotated[str | None, QueryParameter(max_length=16)] = None,
        form: Annotated[PlanForm | None, QueryParameter()] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=CURSOR_MAX_LENGTH)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> PlanPage:
        page, next_cursor = await oversight.list_plans(
            read_session,
            request.user,
            states=plan_state,
            unit_code=unit_code,
            form=form,
            cursor=cursor,
            limit=limit,
        )
        return PlanPage(items=[views.plan_summary(p) for p in page], next_cursor=next_cursor)

    @post("/", status_code=HTTP_201_CREATED, summary="Create a draft supervision plan")
    async def create_plan(
        self, request: StaffRequest, data: RequestBody[PlanCreate], db_session: DbSession
    ) -> Response[PlanRead]:
        plan = await oversight.create_plan(db_session, data, request.user)
        body = await present_plan(db_session, plan, request.user)
        return with_etag(body, plan.version, status_code=HTTP_201_CREATED)

    @get("/{plan_id:uuid}", summary="A plan with members, agencies and allowed actions (ETag)")
    async def get_plan(
        self, request: StaffRequest, plan_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> Response[PlanRead]:
        plan, _ = await oversight.load_plan(db_session, plan_id, request.user)
        return with_etag(await present_plan(db_session, plan, request.user), plan.version)

    @patch("/{plan_id:uuid}", summary="Edit a plan (If-Match required)")
    async def update_plan(
        self,
        request: StaffRequest,
        plan_id: FromPath[uuid.UUID],
        data: RequestBody[PlanUpdate],
        db_session: DbSession,
        if_match: NamedDependency[IfMatch | None],  # type: ignore[misc]
    ) -> Response[PlanRead]:
        plan = await oversight.update_plan(
            db_session, plan_id, data, request.user, expected_version=if_match
        )
        return with_etag(await present_plan(db_session, plan, request.user), plan.version)

    # -- sessions of a plan --

    @get("/{plan_id:uuid}/sessions", summary="The plan's sessions in order")
    async def list_sessions(
        self, request: StaffRequest, plan_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> list[SessionRead]:
        found, access = await oversight.list_sessions(db_session, plan_id, request.user)
        return [views.session_read(s, oversight.session_allowed_actions(s, access)) for s in found]

    @post("/{plan_id:uuid}/sessions", status_code=HTTP_201_CREATED, summary="Schedule a session")
    async def schedule_session(
        self,
        request: StaffRequest,
        plan_id: FromPath[uuid.UUID],
        data: RequestBody[SessionCreate],
        db_session: DbSession,
    ) -> Response[SessionRead]:
        scheduled = await oversight.schedule_session(db_session, plan_id, data, request.user)
        body = await present_session(db_session, scheduled, request.user)
        return with_etag(body, scheduled.version, status_code=HTTP_201_CREATED)

    @get("/{plan_id:uuid}/manifests", summary="Seals of the plan's sealed sessions")
    async def list_manifests(
        self, request: StaffRequest, plan_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> list[ManifestRead]:
        sealed = await oversight.list_manifests(db_session, plan_id, request.user)
        return [views.manifest_read(m) for m in sealed]


# -- the plan actions --------------------------------------------------------------------------


async def _load_plan(db_session: AsyncSession, plan_id: uuid.UUID, user: Any) -> SupervisionPlan:
    plan, _ = await oversight.load_plan(db_session, plan_id, user, for_update=True)
    return plan


async def _present(call: ActionCall[SupervisionPlan, Any], result: Any) -> PlanRead:
    return await present_plan(call.session, call.resource, call.actor)


def _take(action: PlanAction) -> Any:
    async def run(call: ActionCall[SupervisionPlan, PlanActionRequest | None]) -> None:
        await oversight.transition_plan(
            call.session, call.resource.id, action, call.actor, call.data
        )

    return run


PLAN_RESOURCE: ActionResource[SupervisionPlan] = ActionResource(
    path="/oversight/plans/{plan_id:uuid}",
    id_name="plan_id",
    load=_load_plan,
    present=_present,
    response=PlanRead,
    tags=TAGS,
    guards=GUARDS,
)

_CONFLICT = (
    "409 with `allowed_actions` when the action does not fit the state; 403 when it is never "
    "the caller's. If-Match required (428 without it, 412 when stale)."
)

# By action; the console's forms perform these same routes (service/web/oversight).
PLAN_ROUTES: dict[PlanAction, ActionRoute[SupervisionPlan, PlanActionRequest | None]] = {
    action: ActionRoute(
        f"{action.name.rstrip('_')}_plan",
        _take(action),
        body=PlanActionRequest | None,
        path=f"actions/{action.value}",
        summary=summary,
        description=_CONFLICT,
    )
    for action, summary in (
        (PlanAction.submit, "Submit the draft for approval (the plan's head)"),
        (PlanAction.return_, "Return a submitted draft to its authors (an approver)"),
        (PlanAction.approve, "Approve a submitted draft (an approver, not its submitter)"),
        (PlanAction.revise, "Send an approved plan back to draft, before any session"),
        (PlanAction.start, "Start an approved plan (opening its first session also does)"),
        (PlanAction.conclude, "Conclude the supervision (a conclusion is required)"),
        (PlanAction.reopen, "Reopen a concluded plan (an approver)"),
        (PlanAction.archive, "Archive a concluded plan (an approver)"),
    )
}
PLAN_ACTIONS = action_handlers(PLAN_RESOURCE, list(PLAN_ROUTES.values()))
