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

from typing import Annotated, Any

from litestar import Controller, Response
from litestar.params import QueryParameter
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
from service.http.declared import Call, listing, route_of
from service.http.preconditions import with_etag

FRONT = staff(Role.front_officer)
TAGS = ["criticism"]


async def detail(
    session: AsyncSession, draft: CriticismDraft, viewer: StaffPrincipal
) -> DraftDetail:
    points = await service.points_of(session, draft)
    return DraftDetail(draft=draft_read(draft, viewer), points=[point_read(p) for p in points])


class DraftController(Controller):
    path = "/drafts"
    tags = TAGS
    guards = [FRONT]


DRAFT = "/{draft_id:uuid}"


@route_of(
    DraftController,
    "/",
    "Drafts received for social criticism, newest first",
    session="read_session",
    **listing(states=Annotated[list[DraftState] | None, QueryParameter(name="state")]),
)
async def list_drafts(call: Call) -> DraftPage:
    rows, next_cursor = await service.list_drafts(call.session, call.viewer, **call.extra)
    return DraftPage(items=[draft_read(row, call.viewer) for row in rows], next_cursor=next_cursor)


@route_of(
    DraftController,
    "/",
    "Receive a draft from its drafting agency (flagged when received too late)",
    http_method="POST",
    body=DraftCreate,
    opt={"problems": (404, 409)},  # a unit outside one's area, a code already taken
)
async def receive_draft(call: Call) -> Response[DraftRead]:
    draft = await service.receive_draft(call.session, call.viewer, call.data)
    return with_etag(draft_read(draft, call.viewer), draft.version, HTTP_201_CREATED)


@route_of(
    DraftController,
    DRAFT,
    "A draft with the points of the Front's criticism",
    session="read_session",
)
async def get_draft(call: Call) -> Response[DraftDetail]:
    draft = await service.load_draft(call.session, call.id, call.viewer)
    return with_etag(await detail(call.session, draft, call.viewer), draft.version)


@route_of(
    DraftController,
    f"{DRAFT}/opinions",
    "Opinions on the draft (public ones included)",
    session="read_session",
    extra={"status": Annotated[list[OpinionStatus] | None, QueryParameter()]},
    defaults={"status": None},
)
async def list_opinions(call: Call) -> list[OpinionRead]:
    rows = await service.list_opinions(call.session, call.viewer, call.id, call.extra["status"])
    return [opinion_read(row) for row in rows]


@route_of(
    DraftController,
    f"{DRAFT}/opinions",
    "Enter the opinion of a member organisation or an expert",
    http_method="POST",
    body=OpinionCreate,
)
async def add_opinion(call: Call) -> OpinionRead:
    return opinion_read(await service.add_opinion(call.session, call.viewer, call.id, call.data))


@route_of(
    DraftController,
    f"{DRAFT}/points",
    "The points of the Front's criticism",
    session="read_session",
)
async def list_points(call: Call) -> list[PointRead]:
    rows = await service.list_points(call.session, call.viewer, call.id)
    return [point_read(row) for row in rows]


@route_of(
    DraftController,
    f"{DRAFT}/points",
    "Write a point of the criticism (sent to the agency when it is issued)",
    http_method="POST",
    body=PointCreate,
)
async def add_point(call: Call) -> PointRead:
    return point_read(await service.add_point(call.session, call.viewer, call.id, call.data))


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
