"""Supervision plans under ``/api/v1/oversight/plans``: the list, creation, edits, the plan's
sessions and seals, and the plan actions (``submit``, ``approve``... generated from one
declaration, :mod:`service.http.actions`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter, RequestBody
from litestar.response import Stream
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.exports import EXPORT_OPT, NO_STORE, ListExport
from service.http.actions import ActionCall, ActionResource, ActionRoute, action_handlers
from service.http.cursor import MAX_LENGTH as CURSOR_MAX_LENGTH
from service.http.params import DbSession, StaffRequest
from service.http.preconditions import with_etag
from service.oversight import service as oversight
from service.oversight import views
from service.oversight.controllers.common import (
    STATE_RULES,
    Call,
    OversightController,
    edit_of,
    oversight_resource,
    present_plan,
    present_session,
    route_of,
)
from service.oversight.exports import PlanFilter, plan_export
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


async def _plan_listing(
    plan_state: Annotated[list[PlanState] | None, QueryParameter(name="state")] = None,
    unit_code: Annotated[str | None, QueryParameter(max_length=16)] = None,
    form: Annotated[PlanForm | None, QueryParameter()] = None,
) -> PlanFilter:
    """The list's filters as the query string gives them (the list's and its file's)."""
    return PlanFilter(states=list(plan_state or []), unit_code=unit_code, form=form)


class PlanController(OversightController):
    path = "/oversight/plans"
    dependencies = {"listing": Provide(_plan_listing)}

    @get("/", summary="Supervision plans the caller may see (newest first, keyset pages)")
    async def list_plans(
        self,
        request: StaffRequest,
        read_session: ReadSession,
        listing: NamedDependency[PlanFilter],
        cursor: Annotated[str | None, QueryParameter(max_length=CURSOR_MAX_LENGTH)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> PlanPage:
        page, next_cursor = await oversight.list_plans(
            read_session,
            request.user,
            states=listing.states or None,
            unit_code=listing.unit_code,
            form=listing.form,
            cursor=cursor,
            limit=limit,
        )
        return PlanPage(items=[views.plan_summary(p) for p in page], next_cursor=next_cursor)

    @get(
        "/export",
        opt=EXPORT_OPT,
        cache_control=NO_STORE,
        summary="The plans as a file (CSV or XLSX), with the list's filters, streamed",
        description=(
            "The plans `GET /oversight/plans` lists for the same filters, in the caller's "
            "scope, every page of them: CSV (UTF-8 with a byte-order mark) or XLSX, headers "
            "in the reader's language (Accept-Language), dates dd/mm/yyyy. Audited."
        ),
    )
    async def export_plans(
        self,
        request: StaffRequest,
        listing: NamedDependency[PlanFilter],
        list_export: NamedDependency[ListExport],
    ) -> Stream:
        export = plan_export(list_export.settings, request.user, listing, list_export.locale)
        return await list_export.start(export, listing)

    @post("/", status_code=HTTP_201_CREATED, summary="Create a draft supervision plan")
    async def create_plan(
        self, request: StaffRequest, data: RequestBody[PlanCreate], db_session: DbSession
    ) -> Response[PlanRead]:
        plan = await oversight.create_plan(db_session, data, request.user)
        body = await present_plan(db_session, plan, request.user)
        return with_etag(body, plan.version, status_code=HTTP_201_CREATED)


@route_of(
    PlanController, "/{plan_id:uuid}", "A plan with members, agencies and allowed actions (ETag)"
)
async def get_plan(call: Call) -> Response[PlanRead]:
    plan, _ = await oversight.load_plan(call.session, call.id, call.viewer)
    return with_etag(await present_plan(call.session, plan, call.viewer), plan.version)


@edit_of(
    PlanController,
    "/{plan_id:uuid}",
    "Edit a plan (If-Match required)",
    PlanUpdate,
    oversight.update_plan,
)
async def update_plan(call: Call, plan: SupervisionPlan) -> Response[PlanRead]:
    return with_etag(await present_plan(call.session, plan, call.viewer), plan.version)


# -- sessions of a plan --


@route_of(PlanController, "/{plan_id:uuid}/sessions", "The plan's sessions in order")
async def list_sessions(call: Call) -> list[SessionRead]:
    found, access = await oversight.list_sessions(call.session, call.id, call.viewer)
    return [views.session_read(s, oversight.session_allowed_actions(s, access)) for s in found]


@route_of(
    PlanController,
    "/{plan_id:uuid}/sessions",
    "Schedule a session",
    http_method="POST",
    body=SessionCreate,
)
async def schedule_session(call: Call) -> Response[SessionRead]:
    scheduled = await oversight.schedule_session(call.session, call.id, call.data, call.viewer)
    body = await present_session(call.session, scheduled, call.viewer)
    return with_etag(body, scheduled.version, status_code=HTTP_201_CREATED)


@route_of(PlanController, "/{plan_id:uuid}/manifests", "Seals of the plan's sealed sessions")
async def list_manifests(call: Call) -> list[ManifestRead]:
    return [
        views.manifest_read(m)
        for m in await oversight.list_manifests(call.session, call.id, call.viewer)
    ]


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


PLAN_RESOURCE: ActionResource[SupervisionPlan] = oversight_resource(
    "/oversight/plans/{plan_id:uuid}", _load_plan, _present, PlanRead
)

# By action; the console's forms perform these same routes (service/web/oversight).
PLAN_ROUTES: dict[PlanAction, ActionRoute[SupervisionPlan, PlanActionRequest | None]] = {
    action: ActionRoute(
        f"{action.name.rstrip('_')}_plan",
        _take(action),
        body=PlanActionRequest | None,
        path=f"actions/{action.value}",
        summary=summary,
        description=STATE_RULES,
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
        (
            PlanAction.publish,
            "Publish the conclusion of a concluded plan whose sessions are sealed (an approver)",
        ),
    )
}
PLAN_ACTIONS = action_handlers(PLAN_RESOURCE, list(PLAN_ROUTES.values()))
