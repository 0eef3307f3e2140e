"""The voter meetings API under ``/api/v1/voter-meetings``: council sessions, meetings,
opinions, minutes imports (preview, confirm, progress), compilation and referral.

Every change names the version it read (``If-Match``): 428 without it, 412 when stale.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, Literal, TypeVar

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, QueryParameter, RequestBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from litestar.types import Guard
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.errors import TooLarge
from service.http.actions import ActionCall, ActionResource, ActionRoute, action_handlers
from service.http.declared import Call, route_of
from service.http.params import Cursor, DbSession, PageLimit, StaffRequest
from service.http.preconditions import IfMatch, require_version, with_etag
from service.i18n import msg
from service.problems import request_locale
from service.settings import Settings
from service.storage import service as storage
from service.storage.http import declared_filename, receive_file, request_chunks, size_hint
from service.storage.store import ObjectStore
from service.voters import service as voters
from service.voters.models import CouncilSession, VoterImport, VoterRecommendation
from service.voters.schemas import (
    CouncilSessionCreate,
    CouncilSessionPage,
    CouncilSessionRead,
    ImportRead,
    MeetingCreate,
    MeetingRead,
    MergeRequest,
    OpinionCreate,
    OpinionRead,
    RecommendationCreate,
    RecommendationRead,
    ReferRequest,
    SuggestionList,
)
from service.voters.spreadsheet import MAX_FILE_BYTES, template_csv, template_xlsx

GUARDS: list[Guard] = [staff(Role.front_officer)]
TAGS = ["voter meetings"]
IfMatchDep = NamedDependency[IfMatch | None]
R = TypeVar("R")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def read_upload(request: StaffRequest) -> bytes:
    """The raw body, refused past ``MAX_FILE_BYTES`` before it is all read."""
    limit = MAX_FILE_BYTES
    hint = size_hint(request)
    too_large = TooLarge(msg("voters_import_too_large", limit_mb=limit // (1024 * 1024)))
    if hint is not None and hint > limit:
        raise too_large
    parts: list[bytes] = []
    size = 0
    async for chunk in request_chunks(request):
        size += len(chunk)
        if size > limit:
            raise too_large
        parts.append(chunk)
    return b"".join(parts)


class CouncilSessionController(Controller):
    path = "/voter-meetings/sessions"
    tags = TAGS
    guards = GUARDS

    @get("/", summary="Council sessions the caller may see (newest first, keyset pages)")
    async def list_sessions(
        self,
        request: StaffRequest,
        db_session: DbSession,
        cursor: Cursor = None,
        limit: PageLimit = 50,
    ) -> CouncilSessionPage:
        rows, next_cursor = await voters.list_council_sessions(
            db_session, request.user, cursor=cursor, limit=limit
        )
        items = [CouncilSessionRead.model_validate(r) for r in rows]
        return CouncilSessionPage(items=items, next_cursor=next_cursor)

    @post("/", status_code=HTTP_201_CREATED, summary="Record a council session (kỳ họp)")
    async def create_session(
        self, request: StaffRequest, data: RequestBody[CouncilSessionCreate], db_session: DbSession
    ) -> Response[CouncilSessionRead]:
        row = await voters.create_council_session(db_session, data, request.user)
        return with_etag(CouncilSessionRead.model_validate(row), row.version, HTTP_201_CREATED)


class MeetingController(Controller):
    path = "/voter-meetings/meetings"
    tags = TAGS
    guards = GUARDS

    @post(
        "/{meeting_id:uuid}/minutes",
        status_code=HTTP_200_OK,
        request_max_body_size=None,
        summary="Upload the meeting's minutes (biên bản) as evidence (raw body, streamed)",
    )
    async def upload_minutes(
        self,
        request: StaffRequest,
        meeting_id: FromPath[uuid.UUID],
        db_session: DbSession,
        settings: NamedDependency[Settings],
        object_store: NamedDependency[ObjectStore],
        if_match: IfMatchDep,
        filename: Annotated[str | None, QueryParameter(max_length=255)] = None,
    ) -> Response[MeetingRead]:
        meeting = await voters.load_meeting(db_session, meeting_id, request.user, for_update=True)
        require_version(if_match, meeting.version)
        save = partial(
            storage.create_evidence_from_stream, db_session, object_store, uploader=request.user
        )
        evidence = await receive_file(
            request, settings, save, present=lambda stored: stored, filename=filename
        )
        meeting = await voters.attach_minutes(db_session, meeting, evidence, request.user)
        return with_etag(MeetingRead.model_validate(meeting), meeting.version)

    @post(
        "/{meeting_id:uuid}/imports",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Upload the minutes spreadsheet (XLSX or CSV, raw body): validated, previewed",
        description=(
            "Reads the file and answers with each row's errors and the first rows as they "
            "would be saved; nothing is saved until `POST /imports/{id}/confirm`. The same "
            "file for the same meeting answers the import already made (200). Limits: "
            "5 MiB uploaded, 50 MiB unpacked (XLSX), 5000 rows; formulas are read as the "
            "values the spreadsheet saved; CSV in UTF-8, UTF-16 or Windows-1258."
        ),
    )
    async def upload_import(
        self,
        request: StaffRequest,
        meeting_id: FromPath[uuid.UUID],
        db_session: DbSession,
        filename: Annotated[str | None, QueryParameter(max_length=255)] = None,
    ) -> Response[ImportRead]:
        await voters.load_meeting(db_session, meeting_id, request.user)
        data = await read_upload(request)
        found, created = await voters.preview_import(
            db_session, meeting_id, data, declared_filename(request, filename), request.user
        )
        status = HTTP_201_CREATED if created else HTTP_200_OK
        return with_etag(voters.import_read(found, request_locale(request)), found.version, status)


class ImportController(Controller):
    path = "/voter-meetings/imports"
    tags = TAGS
    guards = GUARDS


class RecommendationController(Controller):
    path = "/voter-meetings/recommendations"
    tags = TAGS
    guards = GUARDS


class TemplateController(Controller):
    path = "/voter-meetings/import-template"
    tags = TAGS
    guards = GUARDS

    @get(
        "/",
        summary="The minutes spreadsheet template (CSV or XLSX)",
        responses={
            HTTP_200_OK: ResponseSpec(
                data_container=bytes,
                media_type="*/*",
                description="The template: XLSX (`format=xlsx`, the default) or CSV (UTF-8).",
            )
        },
    )
    async def template(
        self,
        file_format: Annotated[str, QueryParameter(name="format", pattern="^(csv|xlsx)$")] = "xlsx",
    ) -> Response[bytes]:
        if file_format == "csv":
            body, media, name = template_csv(), "text/csv; charset=utf-8", "mau-y-kien-cu-tri.csv"
        else:
            body, media, name = template_xlsx(), XLSX, "mau-y-kien-cu-tri.xlsx"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


# -- the reads and the records under a session, a meeting, an import, a recommendation ------


@dataclass(frozen=True)
class VoterRoute:
    """One plain handler of a controller, named ``name`` (its operation id): ``run(session,
    id, [body,] viewer)`` is the service's operation on the id the ``path`` names; its
    result is answered as ``present(call, result)``, with the ETag of its ``version`` when
    ``etag``. With a ``body`` it is a POST that records (201), otherwise a GET."""

    path: str
    name: str
    summary: str
    run: Callable[..., Awaitable[Any]]
    present: Callable[[Call, Any], Awaitable[Any]]
    returns: Any
    body: Any = None
    etag: bool = True


def as_read(schema: type[BaseModel]) -> Callable[[Call, Any], Awaitable[Any]]:
    """Answer with the row (or each of the rows) as the response ``schema``."""

    async def present(call: Call, found: Any) -> Any:
        if isinstance(found, list):
            return [schema.model_validate(row) for row in found]
        return schema.model_validate(found)

    return present


async def _recommendation(call: Call, rec: VoterRecommendation) -> RecommendationRead:
    [read] = await voters.recommendation_reads(call.session, [rec])
    return read


async def _recommendations(call: Call, recs: list[VoterRecommendation]) -> Any:
    return await voters.recommendation_reads(call.session, recs)


async def _import(call: Call, found: VoterImport) -> ImportRead:
    return voters.import_read(found, request_locale(call.request))


async def _suggestions(call: Call, items: Any) -> SuggestionList:
    return SuggestionList(items=items)


async def _load_recommendation(
    db_session: AsyncSession, recommendation_id: uuid.UUID, viewer: StaffPrincipal
) -> VoterRecommendation:
    rec, _ = await voters.load_recommendation(db_session, recommendation_id, viewer)
    return rec


def _declare(owner: type[Controller], declared: VoterRoute) -> None:
    method: Literal["GET", "POST"] = "POST" if declared.body is not None else "GET"
    status = HTTP_201_CREATED if method == "POST" else HTTP_200_OK

    async def show(call: Call) -> Any:
        given = () if declared.body is None else (call.data,)
        found = await declared.run(call.session, call.id, *given, call.viewer)
        answer = await declared.present(call, found)
        return with_etag(answer, found.version, status) if declared.etag else answer

    route_of(
        owner,
        declared.path,
        declared.summary,
        name=declared.name,
        returns=declared.returns,
        http_method=method,
        body=declared.body,
    )(show)


SESSION = "/{session_id:uuid}"
MEETING = "/{meeting_id:uuid}"
ROUTES: dict[type[Controller], list[VoterRoute]] = {
    CouncilSessionController: [
        VoterRoute(
            SESSION,
            "get_session",
            "A council session (ETag)",
            voters.load_council_session,
            as_read(CouncilSessionRead),
            Response[CouncilSessionRead],
        ),
        VoterRoute(
            f"{SESSION}/meetings",
            "list_meetings",
            "The session's meetings the caller may see",
            voters.list_meetings,
            as_read(MeetingRead),
            list[MeetingRead],
            etag=False,
        ),
        VoterRoute(
            f"{SESSION}/meetings",
            "create_meeting",
            "Record a meeting of delegates with voters in a ward",
            voters.create_meeting,
            as_read(MeetingRead),
            Response[MeetingRead],
            body=MeetingCreate,
        ),
        VoterRoute(
            f"{SESSION}/opinions",
            "list_opinions",
            "The session's opinions the caller may see",
            voters.list_session_opinions,
            as_read(OpinionRead),
            list[OpinionRead],
            etag=False,
        ),
        VoterRoute(
            f"{SESSION}/suggestions",
            "suggestions",
            "Opinions not yet compiled that look like one matter (to confirm as merges)",
            voters.suggestions,
            _suggestions,
            SuggestionList,
            etag=False,
        ),
        VoterRoute(
            f"{SESSION}/recommendations",
            "list_recommendations",
            "The session's compiled recommendations",
            voters.list_recommendations,
            _recommendations,
            list[RecommendationRead],
            etag=False,
        ),
        VoterRoute(
            f"{SESSION}/recommendations",
            "create_recommendation",
            "Compile opinions (of one or more meetings) into one recommendation",
            voters.create_recommendation,
            _recommendation,
            Response[RecommendationRead],
            body=RecommendationCreate,
        ),
    ],
    MeetingController: [
        VoterRoute(
            MEETING,
            "get_meeting",
            "A meeting (ETag)",
            voters.load_meeting,
            as_read(MeetingRead),
            Response[MeetingRead],
        ),
        VoterRoute(
            f"{MEETING}/opinions",
            "list_opinions",
            "The meeting's opinions",
            voters.list_meeting_opinions,
            as_read(OpinionRead),
            list[OpinionRead],
            etag=False,
        ),
        VoterRoute(
            f"{MEETING}/opinions",
            "add_opinion",
            "Record an opinion voters raised at the meeting",
            voters.add_opinion,
            as_read(OpinionRead),
            OpinionRead,
            body=OpinionCreate,
            etag=False,
        ),
    ],
    ImportController: [
        VoterRoute(
            "/{import_id:uuid}",
            "get_import",
            "An import: its preview, row errors and progress (ETag)",
            voters.load_import,
            _import,
            Response[ImportRead],
        ),
    ],
    RecommendationController: [
        VoterRoute(
            "/{recommendation_id:uuid}",
            "get_recommendation",
            "A compiled recommendation with its sources (ETag)",
            _load_recommendation,
            _recommendation,
            Response[RecommendationRead],
        ),
    ],
}
for _owner, _routes in ROUTES.items():
    for _route in _routes:
        _declare(_owner, _route)


# -- the actions that change an import or a recommendation (If-Match: 428 / 412) ------------


def _resource(
    under: str,
    id_name: str,
    load: Callable[..., Awaitable[R]],
    present: Callable[[ActionCall[R, Any], Any], Awaitable[Any]],
    **options: Any,
) -> ActionResource[R]:
    """The resource of the actions under a controller's path: ``<under>/{<id_name>:uuid}``,
    loaded locked (``for_update``) for the change, with the voter meetings' tag and guard."""
    return ActionResource(
        path=f"{under}/{{{id_name}:uuid}}",
        id_name=id_name,
        load=partial(load, for_update=True),
        present=present,
        tags=TAGS,
        guards=GUARDS,
        **options,
    )


async def _present_import(call: ActionCall[VoterImport, Any], result: Any) -> ImportRead:
    return voters.import_read(call.resource, request_locale(call.request))


IMPORT = _resource(
    ImportController.path, "import_id", voters.load_import, _present_import, response=ImportRead
)
IMPORT_ACTIONS: list[ActionRoute[VoterImport, Any]] = [
    ActionRoute(
        "confirm",
        run=lambda call: voters.confirm_import(call.session, call.resource, call.actor),
        summary="Save the previewed rows",
    ),
    ActionRoute(
        "reject",
        run=lambda call: voters.reject_import(call.session, call.resource, call.actor),
        summary="Drop the previewed rows",
    ),
]

# A recommendation is acted on with its council session (who manages it, where it goes).
Compiled = tuple[VoterRecommendation, CouncilSession]


async def _present_recommendation(call: ActionCall[Compiled, Any], result: Any) -> Any:
    rec, _ = call.resource
    [read] = await voters.recommendation_reads(call.session, [rec])
    return read


RECOMMENDATION: ActionResource[Compiled] = _resource(
    RecommendationController.path,
    "recommendation_id",
    voters.load_recommendation,
    _present_recommendation,
    response=RecommendationRead,
    version=lambda compiled: compiled[0].version,
)
RECOMMENDATION_ACTIONS: list[ActionRoute[Compiled, Any]] = [
    ActionRoute(
        "merge",
        run=lambda call: voters.merge_opinions(
            call.session, *call.resource, call.data.opinion_ids, call.actor
        ),
        body=MergeRequest,
        summary="Add opinions of the same matter (confirmed merge) to the recommendation",
    ),
    ActionRoute(
        "refer",
        run=lambda call: voters.refer_recommendation(
            call.session, *call.resource, call.data, call.actor
        ),
        body=ReferRequest,
        summary="Send the recommendation to its agency as a referral (replies)",
    ),
]

controllers: list[Any] = [
    CouncilSessionController,
    MeetingController,
    ImportController,
    RecommendationController,
    TemplateController,
    *action_handlers(IMPORT, IMPORT_ACTIONS),
    *action_handlers(RECOMMENDATION, RECOMMENDATION_ACTIONS),
]
