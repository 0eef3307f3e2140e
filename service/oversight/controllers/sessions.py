"""Supervision sessions under ``/api/v1/oversight/sessions``: the session, rescheduling,
attendance, the live log (pages and server-sent events), the seal and its verification, and
the session actions (``open``, ``close``, ``seal``, ``cancel``; generated from one declaration,
:mod:`service.http.actions`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import anyio
from litestar import Response, get
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.http.actions import ActionCall, ActionResource, ActionRoute, action_handlers
from service.http.params import DbSession, StaffRequest
from service.http.preconditions import with_etag
from service.oversight import service as oversight
from service.oversight import views
from service.oversight.controllers.common import (
    STATE_RULES,
    STORE,
    Call,
    OversightController,
    Rows,
    edit_of,
    locked,
    oversight_resource,
    present_session,
    route_of,
    rows_of,
)
from service.oversight.models import LogEntry, SessionState, SupervisionSession
from service.oversight.schemas import (
    AttendanceIn,
    AttendanceRead,
    EntryCreate,
    EntryRead,
    LogPage,
    ManifestRead,
    SessionActionRequest,
    SessionRead,
    SessionUpdate,
    VerificationRead,
)
from service.oversight.service import log as log_service
from service.oversight.workflow import SessionAction

STREAM_POLL_SECONDS = 0.5
STREAM_KEEPALIVE_SECONDS = 15.0
MAX_SEQ = 2**31 - 1

# A live log's reconnect cursor: ``?after=`` or the ``Last-Event-ID`` an EventSource resends.
StreamAfter = Annotated[int, QueryParameter(ge=0, le=MAX_SEQ)]
LastEventId = Annotated[str | None, HeaderParameter(name="Last-Event-ID", required=False)]


def resume_after(after: int, last_event_id: str | None) -> int:
    """Where a (re)connecting stream starts: after the later of the two cursors."""
    if last_event_id and last_event_id.isascii() and last_event_id.isdigit():
        return max(after, min(int(last_event_id), MAX_SEQ))
    return after


class SessionController(OversightController):
    path = "/oversight/sessions"

    # -- the log's stream (a method: its reply is a stream, not a body) --

    @get(
        "/{session_id:uuid}/log/stream",
        summary="Live log (server-sent events)",
        description="Events `entry` (data: the entry, id: its seq) as they are written, then "
        "`end` once the session is no longer open. Reconnect with `Last-Event-ID` or "
        "`?after=`.",
        responses={
            HTTP_200_OK: ResponseSpec(
                data_container=str,
                media_type="text/event-stream",
                description="Server-sent events: `event: entry` with `id: <seq>` and "
                "`data: <the LogEntry as JSON>`; finally `event: end`.",
            )
        },
    )
    async def stream_log(
        self,
        request: StaffRequest,
        session_id: FromPath[uuid.UUID],
        db_session: DbSession,
        after: StreamAfter = 0,
        last_event_id: LastEventId = None,
    ) -> ServerSentEvent:
        return await open_stream(request, db_session, session_id, after, last_event_id)


@route_of(SessionController, "/{session_id:uuid}", "A session (ETag)")
async def get_session(call: Call) -> Response[SessionRead]:
    supervision_session, _, access = await oversight.load_session(
        call.session, call.id, call.viewer
    )
    body = views.session_read(
        supervision_session, oversight.session_allowed_actions(supervision_session, access)
    )
    return with_etag(body, supervision_session.version)


@edit_of(
    SessionController,
    "/{session_id:uuid}",
    "Reschedule a session not yet opened (If-Match)",
    SessionUpdate,
    oversight.update_session,
)
async def update_session(
    call: Call, supervision_session: SupervisionSession
) -> Response[SessionRead]:
    body = await present_session(call.session, supervision_session, call.viewer)
    return with_etag(body, supervision_session.version)


# -- attendance --


rows_of(
    SessionController,
    Rows("/{session_id:uuid}/attendance", AttendanceRead, list[AttendanceIn]),
    listed=("list_attendance", "Who attended, late or absent, and why", oversight.list_attendance),
    created=(
        "record_attendance",
        "Record or correct attendance (one record per person)",
        oversight.record_attendance,
    ),
    status_code=HTTP_200_OK,
)


# -- the log (its stream is the controller's method) --


@route_of(
    SessionController,
    "/{session_id:uuid}/log",
    "Log entries after a cursor (reconnecting clients pass the last seq they saw)",
    extra={
        "after": StreamAfter,
        "limit": Annotated[int, QueryParameter(ge=1, le=1000)],
    },
    defaults={"after": 0, "limit": 200},
)
async def read_log(call: Call) -> LogPage:
    after = call.extra["after"]
    supervision_session, entries, more = await log_service.read_log(
        call.session, call.id, call.viewer, after=after, limit=call.extra["limit"]
    )
    return LogPage(
        session_id=supervision_session.id,
        session_state=SessionState(supervision_session.state),
        entries=[EntryRead.model_validate(e) for e in entries],
        next_after=entries[-1].seq if entries else after,
        has_more=more,
    )


@route_of(
    SessionController,
    "/{session_id:uuid}/log",
    "Append an entry (plan members only; 409 once the session is closed)",
    http_method="POST",
    body=EntryCreate,
    description="A correction is a new entry of kind `correction` naming `corrects_entry_id`."
    " A retry with the same `client_ref` returns the entry already written (200).",
)
async def append_entry(call: Call) -> Response[EntryRead]:
    entry, created = await log_service.append_entry(call.session, call.id, call.data, call.viewer)
    return Response(
        EntryRead.model_validate(entry),
        status_code=HTTP_201_CREATED if created else HTTP_200_OK,
    )


# -- seal --


@route_of(
    SessionController,
    "/{session_id:uuid}/verify",
    "Recompute the seal and say whether, and where, the record differs",
    description="`deep=true` also re-reads every evidence object and checks its bytes.",
    extra={**STORE, "deep": Annotated[bool, QueryParameter()]},
    defaults={"deep": False},
)
async def verify(call: Call) -> VerificationRead:
    store = call.extra["object_store"] if call.extra["deep"] else None
    result, corrupted = await log_service.verify_session(
        call.session, call.id, call.viewer, store=store
    )
    return VerificationRead(session_id=call.id, corrupted_objects=corrupted, **result.__dict__)


@route_of(SessionController, "/{session_id:uuid}/manifest", "The seal of a sealed session")
async def manifest(call: Call) -> ManifestRead:
    return views.sealed_manifest(await log_service.get_manifest(call.session, call.id, call.viewer))


def entry_json(entry: LogEntry) -> str:
    return EntryRead.model_validate(entry).model_dump_json()


async def open_stream(
    request: StaffRequest,
    db_session: AsyncSession,
    session_id: uuid.UUID,
    after: int,
    last_event_id: str | None,
    shape: Callable[[LogEntry], str] = entry_json,
    retry_ms: int | None = None,
) -> ServerSentEvent:
    """The live log for one who may see the session (404 otherwise), from where they left."""
    await oversight.load_session(db_session, session_id, request.user)
    start = resume_after(after, last_event_id)
    return ServerSentEvent(
        live_log(request.app.state.sessions, session_id, start, shape), retry_duration=retry_ms
    )


async def live_log(
    sessions: Callable[[], AsyncSession],
    session_id: uuid.UUID,
    after: int,
    shape: Callable[[LogEntry], str] = entry_json,
) -> AsyncIterator[ServerSentEventMessage]:
    """Poll for new entries in short read-only sessions (no transaction stays open while the
    client listens); end once the session is no longer open or scheduled. ``shape`` writes an
    entry's event data: JSON for the API, an HTML fragment for the console's live page."""
    position = after
    idle = 0.0
    while True:
        async with sessions() as db:
            entries, state = await log_service.entries_after(db, session_id, position)
        for entry in entries:
            yield ServerSentEventMessage(data=shape(entry), event="entry", id=entry.seq)
        if entries:
            position, idle = entries[-1].seq, 0.0
            continue
        if state not in (SessionState.open, SessionState.scheduled):
            yield ServerSentEventMessage(
                data=json.dumps({"state": state.value if state else None, "last_seq": position}),
                event="end",
            )
            return
        await anyio.sleep(STREAM_POLL_SECONDS)
        idle += STREAM_POLL_SECONDS
        if idle >= STREAM_KEEPALIVE_SECONDS:
            idle = 0.0
            yield ServerSentEventMessage(comment="keepalive")


# -- the session actions -----------------------------------------------------------------------


async def _present(call: ActionCall[SupervisionSession, Any], result: Any) -> SessionRead:
    return await present_session(call.session, call.resource, call.actor)


async def _open(call: ActionCall[SupervisionSession, None]) -> None:
    await oversight.open_session(call.session, call.resource.id, call.actor)


async def _close(call: ActionCall[SupervisionSession, None]) -> None:
    await oversight.close_session(call.session, call.resource.id, call.actor)


async def _seal(call: ActionCall[SupervisionSession, None]) -> None:
    await log_service.seal_session(call.session, call.resource.id, call.actor)


async def _cancel(call: ActionCall[SupervisionSession, SessionActionRequest | None]) -> None:
    reason = call.data.reason if call.data else None
    await oversight.cancel_session(call.session, call.resource.id, call.actor, reason)


SESSION_RESOURCE: ActionResource[SupervisionSession] = oversight_resource(
    "/oversight/sessions/{session_id:uuid}",
    locked(oversight.load_session),
    _present,
    SessionRead,
)

# The console's forms perform these same routes (service/web/oversight).
SESSION_ROUTES: dict[SessionAction, ActionRoute[SupervisionSession, Any]] = {
    SessionAction.open: ActionRoute(
        "open_session",
        _open,
        path="actions/open",
        summary="Open the session's log (an approved plan starts with its first session)",
        description=STATE_RULES,
    ),
    SessionAction.close: ActionRoute(
        "close_session",
        _close,
        path="actions/close",
        summary="Close the session: no entry is accepted after this",
        description=STATE_RULES,
    ),
    SessionAction.seal: ActionRoute(
        "seal_session",
        _seal,
        path="actions/seal",
        summary="Seal a closed session (computes and stores its manifest)",
        description=STATE_RULES,
    ),
    SessionAction.cancel: ActionRoute(
        "cancel_session",
        _cancel,
        body=SessionActionRequest | None,
        path="actions/cancel",
        summary="Cancel a scheduled session (a reason is required)",
        description=STATE_RULES,
    ),
}
SESSION_ACTIONS = action_handlers(SESSION_RESOURCE, list(SESSION_ROUTES.values()))
