"""The supervision API under ``/api/v1/oversight``: plans, sessions, the live log, seals,
evidence, findings, recommendations and implementation checks.

Staff only: supervisors, Front officers and admins pass the guard; which plan they may see
or change is decided per plan (``access.py``; 404 for a plan that is not theirs). Agency
officers answer recommendations through the replies inbox, not here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import anyio
from litestar import Controller, Request, Response, get, patch, post
from litestar.openapi import ResponseSpec
from litestar.params import Parameter
from litestar.response import Redirect, ServerSentEvent
from litestar.response.sse import ServerSentEventMessage
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_307_TEMPORARY_REDIRECT
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.errors import Invalid, NotFound
from service.i18n import msg
from service.oversight import evidence as evidence_service
from service.oversight import log as log_service
from service.oversight import recommendations as rec_service
from service.oversight import repository
from service.oversight import service as plans
from service.oversight.access import PlanAccess
from service.oversight.models import (
    PlanForm,
    PlanState,
    SessionState,
    SupervisionPlan,
    SupervisionSession,
)
from service.oversight.repository import EvidenceView, RecommendationView
from service.oversight.schemas import (
    AgencyRef,
    AttendanceIn,
    AttendanceRead,
    CheckCreate,
    CheckRead,
    CustodyRead,
    EntryCreate,
    EntryRead,
    EvidenceItem,
    EvidenceMultipartComplete,
    EvidenceMultipartStart,
    EvidenceMultipartStarted,
    FindingCreate,
    FindingRead,
    FindingUpdate,
    LogPage,
    ManifestRead,
    MemberRead,
    ParticipantRead,
    PartTarget,
    PlanActionRequest,
    PlanCreate,
    PlanPage,
    PlanRead,
    PlanSummary,
    PlanUpdate,
    RecommendationCreate,
    RecommendationIssue,
    RecommendationRead,
    RecommendationUpdate,
    RecommendationWithdraw,
    SessionActionRequest,
    SessionCreate,
    SessionRead,
    SessionUpdate,
    VerificationRead,
    has_nul,
)
from service.settings import Settings
from service.storage import service as storage
from service.storage.http import (
    filename_from_disposition,
    request_chunks,
    size_hint,
)
from service.storage.store import ObjectStore, UploadedPart

OVERSIGHT_ROLES = (Role.supervisor, Role.front_officer)
STREAM_POLL_SECONDS = 0.5
STREAM_KEEPALIVE_SECONDS = 15.0

IfMatch = Parameter(header="If-Match", default=None, required=False)


def _aware(moment: datetime | None, settings: Settings) -> datetime | None:
    """A time without a zone is Vietnamese local time (the edges speak Asia/Ho_Chi_Minh)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=ZoneInfo(settings.timezone))


def _filename(request: Request[Any, Any, Any], filename: str | None) -> str | None:
    return filename or filename_from_disposition(request.headers.get("content-disposition"))


def _text_param(value: str | None, name: str) -> str | None:
    if value is not None and has_nul(value):
        raise Invalid(msg("text_has_nul"), field=name)
    return value


# -- shaping responses -------------------------------------------------------------------------


def _summary(plan: SupervisionPlan) -> PlanSummary:
    return PlanSummary(
        id=plan.id,
        code=plan.code,
        subject=plan.subject,
        form=PlanForm(plan.form),
        unit_code=plan.unit_code,
        period_start=plan.period_start,
        period_end=plan.period_end,
        state=PlanState(plan.state),
        submitted=plan.submitted_at is not None,
        created_at=plan.created_at,
        version=plan.version,
    )


async def _plan_read(
    db_session: AsyncSession, plan: SupervisionPlan, access: PlanAccess
) -> Response[PlanRead]:
    detail = await repository.plan_detail(db_session, plan.id)
    assert detail is not None
    body = PlanRead(
        **_summary(plan).model_dump(),
        legal_basis=plan.legal_basis,
        description=plan.description,
        petition_ids=list(plan.petition_ids),
        submitted_at=plan.submitted_at,
        approved_at=plan.approved_at,
        approved_by=plan.approved_by,
        conclusion=plan.conclusion,
        concluded_at=plan.concluded_at,
        archived_at=plan.archived_at,
        created_by=plan.created_by,
        updated_at=plan.updated_at,
        agencies=[
            AgencyRef(id=a.id, code=a.code, name=a.name, unit_code=a.unit_code)
            for a in detail.agencies
        ],
        members=[
            MemberRead(user_id=m.user_id, username=m.username, full_name=m.full_name, role=m.role)
            for m in detail.members
        ],
        participants=[ParticipantRead.model_validate(p) for p in detail.participants],
        my_role=access.member_role,
        allowed_actions=plans.plan_actions_for(plan, access),
    )
    return Response(body, headers={"ETag": plans.etag(plan.version)})


def _session_read(sess: SupervisionSession, access: PlanAccess) -> SessionRead:
    return SessionRead(
        id=sess.id,
        plan_id=sess.plan_id,
        number=sess.number,
        title=sess.title,
        mode=sess.mode,
        state=SessionState(sess.state),
        scheduled_start=sess.scheduled_start,
        scheduled_end=sess.scheduled_end,
        place=sess.place,
        meeting_link=sess.meeting_link,
        agenda=list(sess.agenda),
        invited=list(sess.invited),
        resupervision_of=list(sess.resupervision_of),
        entry_count=sess.log_seq,
        opened_at=sess.opened_at,
        closed_at=sess.closed_at,
        sealed_at=sess.sealed_at,
        manifest_sha256=sess.manifest_sha256,
        cancelled_reason=sess.cancelled_reason,
        version=sess.version,
        allowed_actions=plans.session_allowed_actions(sess, access),
    )


def _session_response(sess: SupervisionSession, access: PlanAccess) -> Response[SessionRead]:
    return Response(_session_read(sess, access), headers={"ETag": plans.etag(sess.version)})


def _evidence_item(view: EvidenceView) -> EvidenceItem:
    return EvidenceItem(**view.__dict__)


def _recommendation(view: RecommendationView) -> RecommendationRead:
    return RecommendationRead(**view.__dict__)


def _cursor(plan: SupervisionPlan) -> str:
    return f"{plan.created_at.isoformat()}|{plan.id}"


def _parse_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        moment, _, ident = cursor.partition("|")
        return datetime.fromisoformat(moment), uuid.UUID(ident)
    except ValueError:
        raise Invalid(msg("cursor_invalid"), field="cursor") from None


# -- plans -------------------------------------------------------------------------------------


class PlanController(Controller):
    path = "/oversight/plans"
    tags = ["oversight"]
    guards = [staff(*OVERSIGHT_ROLES)]

    @get("/", summary="Supervision plans the caller may see (newest first, keyset pages)")
    async def list_plans(
        self,
        request: Request[StaffPrincipal, Any, Any],
        db_session: AsyncSession,
        plan_state: list[PlanState] | None = Parameter(query="state", default=None),
        unit_code: str | None = Parameter(default=None, max_length=16),
        form: PlanForm | None = Parameter(default=None),
        cursor: str | None = Parameter(default=None, max_length=200),
        limit: int = Parameter(default=50, ge=1, le=200),
    ) -> PlanPage:
        rows = await repository.list_plans(
            db_session,
            request.user,
            states=plan_state,
            unit_code=unit_code,
            form=form,
            before=_parse_cursor(cursor),
            limit=limit + 1,
        )
        page = rows[:limit]
        return PlanPage(
            items=[_summary(p) for p in page],
            next_cursor=_cursor(page[-1]) if len(rows) > limit else None,
        )

    @post("/", status_code=HTTP_201_CREATED, summary="Create a draft supervision plan")
    async def create_plan(
        self, request: Request[StaffPrincipal, Any, Any], data: PlanCreate, db_session: AsyncSession
    ) -> Response[PlanRead]:
        plan = await plans.create_plan(db_session, data, request.user)
        _, access = await plans.load_plan(db_session, plan.id, request.user)
        response = await _plan_read(db_session, plan, access)
        response.status_code = HTTP_201_CREATED
        return response

    @get("/{plan_id:uuid}", summary="A plan with members, agencies and allowed actions (ETag)")
    async def get_plan(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> Response[PlanRead]:
        plan, access = await plans.load_plan(db_session, plan_id, request.user)
        return await _plan_read(db_session, plan, access)

    @patch("/{plan_id:uuid}", summary="Edit a plan (If-Match required)")
    async def update_plan(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        data: PlanUpdate,
        db_session: AsyncSession,
        if_match: str | None = IfMatch,
    ) -> Response[PlanRead]:
        plan = await plans.update_plan(
            db_session, plan_id, data, request.user, expected_version=plans.parse_etag(if_match)
        )
        plan, access = await plans.load_plan(db_session, plan.id, request.user)
        return await _plan_read(db_session, plan, access)

    @post(
        "/{plan_id:uuid}/actions/{action:str}",
        status_code=HTTP_200_OK,
        summary="submit | return | approve | revise | start | conclude | reopen | archive",
        description="409 with `allowed_actions` when the action does not fit the state.",
    )
    async def plan_action(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        action: str,
        db_session: AsyncSession,
        data: PlanActionRequest | None = None,
        if_match: str | None = IfMatch,
    ) -> Response[PlanRead]:
        plan = await plans.transition_plan(
            db_session,
            plan_id,
            action,
            request.user,
            data,
            expected_version=plans.parse_etag(if_match),
        )
        plan, access = await plans.load_plan(db_session, plan.id, request.user)
        return await _plan_read(db_session, plan, access)

    # -- sessions of a plan --

    @get("/{plan_id:uuid}/sessions", summary="The plan's sessions in order")
    async def list_sessions(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> list[SessionRead]:
        _, access = await plans.load_plan(db_session, plan_id, request.user)
        return [
            _session_read(s, access)
            for s in await repository.sessions_for_plan(db_session, plan_id)
        ]

    @post("/{plan_id:uuid}/sessions", status_code=HTTP_201_CREATED, summary="Schedule a session")
    async def schedule_session(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        data: SessionCreate,
        db_session: AsyncSession,
    ) -> Response[SessionRead]:
        sess = await plans.schedule_session(db_session, plan_id, data, request.user)
        _, _, access = await plans.load_session(db_session, sess.id, request.user)
        response = _session_response(sess, access)
        response.status_code = HTTP_201_CREATED
        return response

    # -- evidence of a plan --

    @get("/{plan_id:uuid}/evidence", summary="Evidence of the plan, its sessions and entries")
    async def list_evidence(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> list[EvidenceItem]:
        views = await evidence_service.list_evidence(db_session, request.user, plan_id=plan_id)
        return [_evidence_item(v) for v in views]

    @post(
        "/{plan_id:uuid}/evidence",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Upload evidence for the plan (raw body, streamed)",
        description="The file is the request body; its name from `?filename=` or "
        "Content-Disposition. 413 above the size limit, 415 for a refused type.",
    )
    async def upload_plan_evidence(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
        object_store: ObjectStore,
        filename: str | None = Parameter(default=None, max_length=255),
        captured_at: datetime | None = Parameter(default=None),
        lat: float | None = Parameter(default=None, ge=-90, le=90),
        lon: float | None = Parameter(default=None, ge=-180, le=180),
        description: str | None = Parameter(default=None, max_length=1000),
    ) -> EvidenceItem:
        view = await evidence_service.upload_evidence(
            db_session,
            object_store,
            request_chunks(request),
            request.user,
            plan_id=plan_id,
            filename=_filename(request, filename),
            max_bytes=settings.max_upload_bytes,
            captured_at=_aware(captured_at, settings),
            lat=lat,
            lon=lon,
            size_hint=size_hint(request),
            description=_text_param(description, "description"),
        )
        return _evidence_item(view)

    @post(
        "/{plan_id:uuid}/evidence/multipart",
        status_code=HTTP_201_CREATED,
        summary="Start a presigned multipart upload (large recordings)",
        description="PUT each part to its URL, then POST /oversight/evidence/{id}/complete.",
    )
    async def start_multipart(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        data: EvidenceMultipartStart,
        db_session: AsyncSession,
        object_store: ObjectStore,
    ) -> EvidenceMultipartStarted:
        view, upload_id, urls = await evidence_service.start_evidence_upload(
            db_session,
            object_store,
            request.user,
            plan_id=plan_id,
            session_id=data.session_id,
            log_entry_id=data.log_entry_id,
            filename=data.filename,
            size=data.size,
            sha256=data.sha256,
            content_type=data.content_type,
            captured_at=data.captured_at,
            lat=data.latitude,
            lon=data.longitude,
            description=data.description,
        )
        return EvidenceMultipartStarted(
            evidence=_evidence_item(view),
            upload_id=upload_id,
            part_size=storage.plan_parts(data.size)[0],
            parts=[
                PartTarget(part_number=u.part_number, url=u.url, offset=u.offset, length=u.length)
                for u in urls
            ],
            expires_at=utcnow() + timedelta(seconds=storage.PART_URL_TTL_SECONDS),
        )

    # -- findings and recommendations of a plan --

    @get("/{plan_id:uuid}/findings", summary="The plan's findings")
    async def list_findings(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> list[FindingRead]:
        found = await rec_service.list_findings(db_session, plan_id, request.user)
        return [FindingRead.model_validate(f) for f in found]

    @post("/{plan_id:uuid}/findings", status_code=HTTP_201_CREATED, summary="Record a finding")
    async def create_finding(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        data: FindingCreate,
        db_session: AsyncSession,
    ) -> FindingRead:
        finding = await rec_service.create_finding(db_session, plan_id, data, request.user)
        return FindingRead.model_validate(finding)

    @get("/{plan_id:uuid}/recommendations", summary="The plan's recommendations")
    async def list_recommendations(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> list[RecommendationRead]:
        views = await rec_service.list_plan_recommendations(db_session, plan_id, request.user)
        return [_recommendation(v) for v in views]

    @post(
        "/{plan_id:uuid}/recommendations",
        status_code=HTTP_201_CREATED,
        summary="Draft a recommendation to one agency",
    )
    async def create_recommendation(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        data: RecommendationCreate,
        db_session: AsyncSession,
    ) -> RecommendationRead:
        rec = await rec_service.create_recommendation(db_session, plan_id, data, request.user)
        view, _ = await rec_service.get_recommendation_view(db_session, rec.id, request.user)
        return _recommendation(view)

    @get("/{plan_id:uuid}/manifests", summary="Seals of the plan's sealed sessions")
    async def list_manifests(
        self,
        request: Request[StaffPrincipal, Any, Any],
        plan_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> list[ManifestRead]:
        await plans.load_plan(db_session, plan_id, request.user)
        return [
            ManifestRead(
                session_id=m.session_id,
                sealed_at=m.sealed_at,
                manifest_sha256=m.manifest_sha256,
                manifest=m.manifest,
            )
            for m in await repository.manifests(db_session, plan_id)
        ]


# -- sessions ----------------------------------------------------------------------------------


class SessionController(Controller):
    path = "/oversight/sessions"
    tags = ["oversight"]
    guards = [staff(*OVERSIGHT_ROLES)]

    @get("/{session_id:uuid}", summary="A session (ETag)")
    async def get_session(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> Response[SessionRead]:
        sess, _, access = await plans.load_session(db_session, session_id, request.user)
        return _session_response(sess, access)

    @patch("/{session_id:uuid}", summary="Reschedule a session not yet opened (If-Match)")
    async def update_session(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        data: SessionUpdate,
        db_session: AsyncSession,
        if_match: str | None = IfMatch,
    ) -> Response[SessionRead]:
        sess = await plans.update_session(
            db_session, session_id, data, request.user, expected_version=plans.parse_etag(if_match)
        )
        _, _, access = await plans.load_session(db_session, sess.id, request.user)
        return _session_response(sess, access)

    @post(
        "/{session_id:uuid}/actions/{action:str}",
        status_code=HTTP_200_OK,
        summary="open | close | seal | cancel",
        description="Sealing computes the manifest; 409 with `allowed_actions` otherwise.",
    )
    async def session_action(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        action: str,
        db_session: AsyncSession,
        data: SessionActionRequest | None = None,
    ) -> Response[SessionRead]:
        actor = request.user
        if action == "open":
            sess = await plans.open_session(db_session, session_id, actor)
        elif action == "close":
            sess = await plans.close_session(db_session, session_id, actor)
        elif action == "seal":
            sess = await log_service.seal_session(db_session, session_id, actor)
        elif action == "cancel":
            sess = await plans.cancel_session(
                db_session, session_id, actor, data.reason if data else None
            )
        else:
            raise NotFound(msg("session_action_unknown", action=action))
        _, _, access = await plans.load_session(db_session, sess.id, actor)
        return _session_response(sess, access)

    # -- attendance --

    @get("/{session_id:uuid}/attendance", summary="Who attended, late or absent, and why")
    async def list_attendance(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> list[AttendanceRead]:
        sess, _, _ = await plans.load_session(db_session, session_id, request.user)
        rows = await repository.attendance_for_session(db_session, sess.id)
        return [AttendanceRead.model_validate(r) for r in rows]

    @post(
        "/{session_id:uuid}/attendance",
        status_code=HTTP_200_OK,
        summary="Record or correct attendance (one record per person)",
    )
    async def record_attendance(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        data: list[AttendanceIn],
        db_session: AsyncSession,
    ) -> list[AttendanceRead]:
        rows = await plans.record_attendance(db_session, session_id, data, request.user)
        return [AttendanceRead.model_validate(r) for r in rows]

    # -- the log --

    @get(
        "/{session_id:uuid}/log",
        summary="Log entries after a cursor (reconnecting clients pass the last seq they saw)",
    )
    async def read_log(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        db_session: AsyncSession,
        after: int = Parameter(default=0, ge=0, le=2**31 - 1),
        limit: int = Parameter(default=200, ge=1, le=1000),
    ) -> LogPage:
        sess, entries, more = await log_service.read_log(
            db_session, session_id, request.user, after=after, limit=limit
        )
        return LogPage(
            session_id=sess.id,
            session_state=SessionState(sess.state),
            entries=[EntryRead.model_validate(e) for e in entries],
            next_after=entries[-1].seq if entries else after,
            has_more=more,
        )

    @post(
        "/{session_id:uuid}/log",
        status_code=HTTP_201_CREATED,
        summary="Append an entry (plan members only; 409 once the session is closed)",
        description="A correction is a new entry of kind `correction` naming `corrects_entry_id`."
        " A retry with the same `client_ref` returns the entry already written (200).",
    )
    async def append_entry(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        data: EntryCreate,
        db_session: AsyncSession,
    ) -> Response[EntryRead]:
        entry, created = await log_service.append_entry(db_session, session_id, data, request.user)
        return Response(
            EntryRead.model_validate(entry),
            status_code=HTTP_201_CREATED if created else HTTP_200_OK,
        )

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
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        db_session: AsyncSession,
        after: int = Parameter(default=0, ge=0, le=2**31 - 1),
        last_event_id: str | None = Parameter(header="Last-Event-ID", default=None),
    ) -> ServerSentEvent:
        await plans.load_session(db_session, session_id, request.user)
        if last_event_id and last_event_id.isascii() and last_event_id.isdigit():
            after = max(after, min(int(last_event_id), 2**31 - 1))
        sessions = request.app.state.sessions
        return ServerSentEvent(_live_log(sessions, session_id, after))

    # -- seal --

    @get("/{session_id:uuid}/manifest", summary="The seal of a sealed session")
    async def manifest(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> ManifestRead:
        sess = await log_service.get_manifest(db_session, session_id, request.user)
        assert sess.sealed_at is not None
        assert sess.manifest_sha256 is not None
        assert sess.manifest is not None
        return ManifestRead(
            session_id=sess.id,
            sealed_at=sess.sealed_at,
            manifest_sha256=sess.manifest_sha256,
            manifest=sess.manifest,
        )

    @get(
        "/{session_id:uuid}/verify",
        summary="Recompute the seal and say whether, and where, the record differs",
        description="`deep=true` also re-reads every evidence object and checks its bytes.",
    )
    async def verify(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        db_session: AsyncSession,
        object_store: ObjectStore,
        deep: bool = Parameter(default=False),
    ) -> VerificationRead:
        result, corrupted = await log_service.verify_session(
            db_session, session_id, request.user, store=object_store if deep else None
        )
        return VerificationRead(
            session_id=session_id, corrupted_objects=corrupted, **result.__dict__
        )

    # -- evidence --

    @get("/{session_id:uuid}/evidence", summary="Evidence of the session and its entries")
    async def list_evidence(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> list[EvidenceItem]:
        sess, _, _ = await plans.load_session(db_session, session_id, request.user)
        views = await evidence_service.list_evidence(
            db_session, request.user, plan_id=sess.plan_id, session_id=sess.id
        )
        return [_evidence_item(v) for v in views]

    @post(
        "/{session_id:uuid}/evidence",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Upload evidence for the session (raw body, streamed)",
    )
    async def upload_session_evidence(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
        object_store: ObjectStore,
        filename: str | None = Parameter(default=None, max_length=255),
        captured_at: datetime | None = Parameter(default=None),
        lat: float | None = Parameter(default=None, ge=-90, le=90),
        lon: float | None = Parameter(default=None, ge=-180, le=180),
        description: str | None = Parameter(default=None, max_length=1000),
    ) -> EvidenceItem:
        view = await evidence_service.upload_evidence(
            db_session,
            object_store,
            request_chunks(request),
            request.user,
            session_id=session_id,
            filename=_filename(request, filename),
            max_bytes=settings.max_upload_bytes,
            captured_at=_aware(captured_at, settings),
            lat=lat,
            lon=lon,
            size_hint=size_hint(request),
            description=_text_param(description, "description"),
        )
        return _evidence_item(view)

    @post(
        "/{session_id:uuid}/log/{entry_id:uuid}/evidence",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Upload evidence for one log entry (raw body, streamed)",
    )
    async def upload_entry_evidence(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        entry_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
        object_store: ObjectStore,
        filename: str | None = Parameter(default=None, max_length=255),
        captured_at: datetime | None = Parameter(default=None),
        lat: float | None = Parameter(default=None, ge=-90, le=90),
        lon: float | None = Parameter(default=None, ge=-180, le=180),
        description: str | None = Parameter(default=None, max_length=1000),
    ) -> EvidenceItem:
        view = await evidence_service.upload_evidence(
            db_session,
            object_store,
            request_chunks(request),
            request.user,
            session_id=session_id,
            log_entry_id=entry_id,
            filename=_filename(request, filename),
            max_bytes=settings.max_upload_bytes,
            captured_at=_aware(captured_at, settings),
            lat=lat,
            lon=lon,
            size_hint=size_hint(request),
            description=_text_param(description, "description"),
        )
        return _evidence_item(view)

    # -- re-supervision --

    @get("/{session_id:uuid}/checks", summary="Implementation checks recorded in the session")
    async def list_checks(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> list[CheckRead]:
        checks = await rec_service.list_checks(db_session, session_id, request.user)
        return [CheckRead.model_validate(c) for c in checks]

    @post(
        "/{session_id:uuid}/checks",
        status_code=HTTP_201_CREATED,
        summary="Record an implementation check of a recommendation (re-supervision)",
    )
    async def record_check(
        self,
        request: Request[StaffPrincipal, Any, Any],
        session_id: uuid.UUID,
        data: CheckCreate,
        db_session: AsyncSession,
    ) -> CheckRead:
        check = await rec_service.record_check(db_session, session_id, data, request.user)
        return CheckRead.model_validate(check)


async def _live_log(
    sessions: Any, session_id: uuid.UUID, after: int
) -> AsyncIterator[ServerSentEventMessage]:
    """Poll for new entries in short read-only sessions (no transaction stays open while the
    client listens); end once the session is no longer open or scheduled."""
    cursor = after
    idle = 0.0
    while True:
        async with sessions() as db:
            entries = await repository.log_entries(db, session_id, after=cursor, limit=200)
            sess = await repository.get_session(db, session_id)
        for entry in entries:
            yield ServerSentEventMessage(
                data=EntryRead.model_validate(entry).model_dump_json(),
                event="entry",
                id=entry.seq,
            )
        if entries:
            cursor, idle = entries[-1].seq, 0.0
            continue
        state = SessionState(sess.state) if sess is not None else None
        if state not in (SessionState.open, SessionState.scheduled):
            yield ServerSentEventMessage(
                data=json.dumps({"state": state.value if state else None, "last_seq": cursor}),
                event="end",
            )
            return
        await anyio.sleep(STREAM_POLL_SECONDS)
        idle += STREAM_POLL_SECONDS
        if idle >= STREAM_KEEPALIVE_SECONDS:
            idle = 0.0
            yield ServerSentEventMessage(comment="keepalive")


# -- evidence, findings, recommendations by id ---------------------------------------------------


class EvidenceController(Controller):
    path = "/oversight/evidence"
    tags = ["oversight"]
    guards = [staff(*OVERSIGHT_ROLES)]

    @get("/{evidence_id:uuid}", summary="An evidence record (logged in the chain of custody)")
    async def view(
        self,
        request: Request[StaffPrincipal, Any, Any],
        evidence_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> EvidenceItem:
        return _evidence_item(
            await evidence_service.view_evidence(db_session, evidence_id, request.user)
        )

    @get(
        "/{evidence_id:uuid}/download",
        status_code=HTTP_307_TEMPORARY_REDIRECT,
        summary="Redirect to a short-lived download URL (logged in the chain of custody)",
    )
    async def download(
        self,
        request: Request[StaffPrincipal, Any, Any],
        evidence_id: uuid.UUID,
        db_session: AsyncSession,
        settings: Settings,
        object_store: ObjectStore,
    ) -> Redirect:
        url = await evidence_service.evidence_download_url(
            db_session,
            object_store,
            evidence_id,
            request.user,
            ttl=settings.download_url_ttl_seconds,
        )
        return Redirect(url, status_code=HTTP_307_TEMPORARY_REDIRECT)

    @get("/{evidence_id:uuid}/custody", summary="The chain of custody of one item")
    async def custody(
        self,
        request: Request[StaffPrincipal, Any, Any],
        evidence_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> list[CustodyRead]:
        entries = await evidence_service.evidence_custody(db_session, evidence_id, request.user)
        return [CustodyRead.model_validate(e) for e in entries]

    @post(
        "/{evidence_id:uuid}/complete",
        status_code=HTTP_200_OK,
        summary="Complete a multipart upload (checks size, SHA-256 and type)",
    )
    async def complete(
        self,
        request: Request[StaffPrincipal, Any, Any],
        evidence_id: uuid.UUID,
        data: EvidenceMultipartComplete,
        db_session: AsyncSession,
        object_store: ObjectStore,
    ) -> EvidenceItem:
        parts = (
            None
            if data.parts is None
            else [UploadedPart(p.part_number, p.etag) for p in data.parts]
        )
        view = await evidence_service.complete_evidence_upload(
            db_session, object_store, evidence_id, parts, request.user
        )
        return _evidence_item(view)


class FindingController(Controller):
    path = "/oversight/findings"
    tags = ["oversight"]
    guards = [staff(*OVERSIGHT_ROLES)]

    @patch("/{finding_id:uuid}", summary="Edit a finding (If-Match)")
    async def update_finding(
        self,
        request: Request[StaffPrincipal, Any, Any],
        finding_id: uuid.UUID,
        data: FindingUpdate,
        db_session: AsyncSession,
        if_match: str | None = IfMatch,
    ) -> Response[FindingRead]:
        finding = await rec_service.update_finding(
            db_session, finding_id, data, request.user, expected_version=plans.parse_etag(if_match)
        )
        return Response(
            FindingRead.model_validate(finding), headers={"ETag": plans.etag(finding.version)}
        )


class RecommendationController(Controller):
    path = "/oversight/recommendations"
    tags = ["oversight"]
    guards = [staff(*OVERSIGHT_ROLES)]

    @get("/{recommendation_id:uuid}", summary="A recommendation with its state and due date")
    async def get_recommendation(
        self,
        request: Request[StaffPrincipal, Any, Any],
        recommendation_id: uuid.UUID,
        db_session: AsyncSession,
    ) -> Response[RecommendationRead]:
        view, _ = await rec_service.get_recommendation_view(
            db_session, recommendation_id, request.user
        )
        return Response(_recommendation(view), headers={"ETag": plans.etag(view.version)})

    @patch("/{recommendation_id:uuid}", summary="Edit a draft recommendation (If-Match)")
    async def update_recommendation(
        self,
        request: Request[StaffPrincipal, Any, Any],
        recommendation_id: uuid.UUID,
        data: RecommendationUpdate,
        db_session: AsyncSession,
        if_match: str | None = IfMatch,
    ) -> Response[RecommendationRead]:
        rec = await rec_service.update_recommendation(
            db_session,
            recommendation_id,
            data,
            request.user,
            expected_version=plans.parse_etag(if_match),
        )
        view, _ = await rec_service.get_recommendation_view(db_session, rec.id, request.user)
        return Response(_recommendation(view), headers={"ETag": plans.etag(view.version)})

    @post(
        "/{recommendation_id:uuid}/issue",
        status_code=HTTP_200_OK,
        summary="Issue to the agency (creates a referral; due date from policy)",
    )
    async def issue(
        self,
        request: Request[StaffPrincipal, Any, Any],
        recommendation_id: uuid.UUID,
        db_session: AsyncSession,
        data: RecommendationIssue | None = None,
        if_match: str | None = IfMatch,
    ) -> RecommendationRead:
        data = data or RecommendationIssue()
        rec = await rec_service.issue_recommendation(
            db_session,
            recommendation_id,
            request.user,
            note=data.note,
            agency_id=data.agency_id,
            expected_version=plans.parse_etag(if_match),
        )
        view, _ = await rec_service.get_recommendation_view(db_session, rec.id, request.user)
        return _recommendation(view)

    @post(
        "/{recommendation_id:uuid}/withdraw",
        status_code=HTTP_200_OK,
        summary="Withdraw a draft or unanswered recommendation (cancels its referral)",
    )
    async def withdraw(
        self,
        request: Request[StaffPrincipal, Any, Any],
        recommendation_id: uuid.UUID,
        data: RecommendationWithdraw,
        db_session: AsyncSession,
        if_match: str | None = IfMatch,
    ) -> RecommendationRead:
        rec = await rec_service.withdraw_recommendation(
            db_session,
            recommendation_id,
            request.user,
            reason=data.reason,
            expected_version=plans.parse_etag(if_match),
        )
        view, _ = await rec_service.get_recommendation_view(db_session, rec.id, request.user)
        return _recommendation(view)


controllers = [
    PlanController,
    SessionController,
    EvidenceController,
    FindingController,
    RecommendationController,
]
