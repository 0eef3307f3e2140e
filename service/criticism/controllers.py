"""The social-criticism API (Front officers: a ward officer for their ward, a city officer
for every unit; 404 for a draft outside one's area).

* ``GET/POST /drafts``, ``GET /drafts/{id}`` (with its points; ETag)
* ``GET/POST /drafts/{id}/opinions`` (members' and experts' opinions; public comments come
  from the portal), ``GET/POST /drafts/{id}/points`` (the points of the criticism)
* ``POST /drafts/{id}/open-consultation | close-consultation | issue | publish-outcome``
  (generated from the workflow, If-Match)
* ``POST /criticism-opinions/{id}/moderate`` (show or hide; If-Match)

The drafting agency answers each point in its referral inbox (``replies``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter, RequestBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.criticism import service
from service.criticism.models import (
    CriticismDraft,
    CriticismOpinion,
    DraftState,
    OpinionStatus,
)
from service.criticism.schemas import (
    DraftCreate,
    DraftDetail,
    DraftPage,
    DraftRead,
    IssueRequest,
    ModerateRequest,
    OpinionCreate,
    OpinionRead,
    PointCreate,
    PointRead,
)
from service.criticism.views import draft_read, opinion_read, point_read
from service.criticism.workflow import DraftAction
from service.http.actions import ActionCall, ActionResource, ActionRoute, action_handlers
from service.http.params import Cursor, PageLimit, StaffRequest
from service.http.preconditions import with_etag
from service.readonly import ReadSession

FRONT = staff(Role.front_officer)
TAGS = ["criticism"]
DraftId = Annotated[uuid.UUID, PathParameter()]


async def detail(
    session: AsyncSession, draft: CriticismDraft, viewer: StaffPrincipal
) -> DraftDetail:
    points = await service.points_of(session, draft)
    return DraftDetail(draft=draft_read(draft, viewer), points=[point_read(p) for p in points])


class DraftController(Controller):
    path = "/drafts"
    tags = TAGS
    guards = [FRONT]

    @get("/", summary="Drafts received for social criticism, newest first")
    async def list_drafts(
        self,
        request: StaffRequest,
        read_session: ReadSession,
        states: Annotated[list[DraftState] | None, QueryParameter(name="state")] = None,
        cursor: Cursor = None,
        limit: PageLimit = 50,
    ) -> DraftPage:
        rows, next_cursor = await service.list_drafts(
            read_session, request.user, states=states, cursor=cursor, limit=limit
        )
        return DraftPage(
            items=[draft_read(row, request.user) for row in rows], next_cursor=next_cursor
        )

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Receive a draft from its drafting agency (flagged when received too late)",
        opt={"problems": (404, 409)},  # a unit outside one's area, a code already taken
    )
    async def receive_draft(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        data: RequestBody[DraftCreate],
    ) -> Response[DraftRead]:
        draft = await service.receive_draft(db_session, request.user, data)
        return with_etag(draft_read(draft, request.user), draft.version, HTTP_201_CREATED)

    @get("/{draft_id:uuid}", summary="A draft with the points of the Front's criticism")
    async def get_draft(
        self, request: StaffRequest, read_session: ReadSession, draft_id: DraftId
    ) -> Response[DraftDetail]:
        draft = await service.load_draft(read_session, draft_id, request.user)
        return with_etag(await detail(read_session, draft, request.user), draft.version)

    @get("/{draft_id:uuid}/opinions", summary="Opinions on the draft (public ones included)")
    async def list_opinions(
        self,
        request: StaffRequest,
        read_session: ReadSession,
        draft_id: DraftId,
        status: Annotated[list[OpinionStatus] | None, QueryParameter()] = None,
    ) -> list[OpinionRead]:
        rows = await service.list_opinions(read_session, request.user, draft_id, status)
        return [opinion_read(row) for row in rows]

    @post(
        "/{draft_id:uuid}/opinions",
        status_code=HTTP_201_CREATED,
        summary="Enter the opinion of a member organisation or an expert",
    )
    async def add_opinion(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        draft_id: DraftId,
        data: RequestBody[OpinionCreate],
    ) -> OpinionRead:
        return opinion_read(await service.add_opinion(db_session, request.user, draft_id, data))

    @get("/{draft_id:uuid}/points", summary="The points of the Front's criticism")
    async def list_points(
        self, request: StaffRequest, read_session: ReadSession, draft_id: DraftId
    ) -> list[PointRead]:
        rows = await service.list_points(read_session, request.user, draft_id)
        return [point_read(row) for row in rows]

    @post(
        "/{draft_id:uuid}/points",
        status_code=HTTP_201_CREATED,
        summary="Write a point of the criticism (sent to the agency when it is issued)",
    )
    async def add_point(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        draft_id: DraftId,
        data: RequestBody[PointCreate],
    ) -> PointRead:
        return point_read(await service.add_point(db_session, request.user, draft_id, data))


# -- the draft's workflow actions ------------------------------------------------------------


async def _present(call: ActionCall[CriticismDraft, Any], result: Any) -> DraftDetail:
    return await detail(call.session, call.resource, call.actor)


def _step(action: DraftAction) -> Any:
    async def run(call: ActionCall[CriticismDraft, None]) -> CriticismDraft:
        return await service.transition(call.session, call.resource, call.actor, action)

    return run


async def _issue(call: ActionCall[CriticismDraft, IssueRequest]) -> CriticismDraft:
    return await service.issue(call.session, call.resource, call.actor, call.data)


def _front_resource(
    path: str, id_name: str, load: Any, present: Any, response: type
) -> ActionResource[Any]:
    """A criticism resource whose actions a Front officer takes (``load`` answers 404
    outside their area)."""
    return ActionResource(path, id_name, load, present, response, tags=TAGS, guards=[FRONT])


DRAFT_RESOURCE: ActionResource[CriticismDraft] = _front_resource(
    "/drafts/{draft_id:uuid}", "draft_id", service.lock_draft, _present, DraftDetail
)
DRAFT_ROUTES: dict[str, ActionRoute[CriticismDraft, Any]] = {
    "open_consultation": ActionRoute(
        "open_consultation",
        _step(DraftAction.open_consultation),
        summary="Open the public consultation on the portal",
    ),
    "close_consultation": ActionRoute(
        "close_consultation",
        _step(DraftAction.close_consultation),
        summary="Close the public consultation",
    ),
    "issue": ActionRoute(
        "issue",
        _issue,
        body=IssueRequest,
        summary="Issue the Front's criticism (numbered; each point a referral to the agency)",
    ),
    "publish_outcome": ActionRoute(
        "publish_outcome",
        _step(DraftAction.publish_outcome),
        summary="Make the outcome (points and the agency's answers) public",
    ),
}
DRAFT_ACTIONS = action_handlers(DRAFT_RESOURCE, list(DRAFT_ROUTES.values()))


async def _present_opinion(call: ActionCall[CriticismOpinion, Any], result: Any) -> OpinionRead:
    return opinion_read(call.resource)


async def _moderate(call: ActionCall[CriticismOpinion, ModerateRequest]) -> CriticismOpinion:
    return await service.moderate(call.session, call.resource, call.actor, call.data.status)


OPINION_RESOURCE: ActionResource[CriticismOpinion] = _front_resource(
    "/criticism-opinions/{opinion_id:uuid}",
    "opinion_id",
    service.lock_opinion,
    _present_opinion,
    OpinionRead,
)
OPINION_ROUTES: dict[str, ActionRoute[CriticismOpinion, Any]] = {
    "moderate": ActionRoute(
        "moderate",
        _moderate,
        body=ModerateRequest,
        summary="Show or hide an opinion (a public comment waits for this)",
    )
}
OPINION_ACTIONS = action_handlers(OPINION_RESOURCE, list(OPINION_ROUTES.values()))

controllers: list[Any] = [DraftController, *DRAFT_ACTIONS, *OPINION_ACTIONS]
