"""A supervision session in the console (``/console/oversight/sessions/{id}``): attendance,
the append-only log with its input box and its live stream, evidence (uploaded by the
browser straight to the object store with a progress bar, ``static/web/oversight/upload.js``;
without JavaScript the same form posts the file to the console, which streams it through the
API's upload service, its size and type checks included), the session actions, and once
sealed the verification of the seal.

The live log is the API's stream (``live_log``) behind the console's cookie, each entry
written as the HTML fragment the page itself shows (``_entry.html``) for the htmx SSE
extension; a reconnecting browser sends ``Last-Event-ID`` and gets only what it missed.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect, ServerSentEvent
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import Invalid, NotFound, ServiceError
from service.http.params import DbSession, StaffRequest
from service.i18n import msg
from service.oversight import service as oversight
from service.oversight.controllers.common import GUARDS, present_session
from service.oversight.controllers.evidence import start_upload
from service.oversight.controllers.sessions import (
    SESSION_RESOURCE,
    SESSION_ROUTES,
    LastEventId,
    StreamAfter,
    open_stream,
)
from service.oversight.models import (
    AttendanceStatus,
    EntryKind,
    LogEntry,
    SessionState,
)
from service.oversight.schemas import (
    AttendanceIn,
    EntryCreate,
    EvidenceItem,
    EvidenceMultipartStart,
    EvidenceMultipartStarted,
    Input,
)
from service.oversight.service import evidence as evidence_service
from service.oversight.service import log as log_service
from service.settings import Settings
from service.storage.store import ObjectStore
from service.web.oversight.forms import ActionForms, empty_form, is_htmx, submit
from service.web.oversight.plans import BASE
from service.web.pages import Form, read_form, redirect, render
from service.web.records import RecordPage
from service.web.templating import page_locale
from service.web.uploads import FORM_OVERHEAD_BYTES, FORM_UPLOAD_MAX_BODY, form_file

ENTRY_TEMPLATE = "console/oversight/_entry.html"
ENTRY_FORM_TEMPLATE = "console/oversight/_entry_form.html"
# A reconnecting browser waits this long (the SSE ``retry`` field), well inside the 2 s in
# which every attendee must see an entry.
RECONNECT_MS = 500
LOG_PAGE = 1000


async def _session(
    request: StaffRequest, db_session: AsyncSession, session_id: uuid.UUID, forms: dict[str, Any]
) -> dict[str, Any]:
    supervision_session, plan, access = await oversight.load_session(
        db_session, session_id, request.user
    )
    view = await present_session(db_session, supervision_session, request.user)
    _, entries, more = await log_service.read_log(
        db_session, session_id, request.user, limit=LOG_PAGE
    )
    verification = None
    if view.state is SessionState.sealed:
        verification, _ = await log_service.verify_session(db_session, session_id, request.user)
    evidence = await evidence_service.list_evidence(db_session, request.user, session_id=session_id)
    # After a plain form's upload: the file just stored, with the SHA-256 the server computed.
    uploaded = forms.pop("uploaded", None)
    settings: Settings = request.app.state.settings
    form_limit = min(settings.max_upload_bytes, FORM_UPLOAD_MAX_BODY - FORM_OVERHEAD_BYTES)
    return {
        "session": view,
        "plan": plan,
        "is_member": access.is_member,
        "runs_sessions": access.runs_sessions,
        "attendance": await oversight.list_attendance(db_session, session_id, request.user),
        "entries": entries,
        "more_entries": more,
        "last_seq": entries[-1].seq if entries else 0,
        "evidence": evidence,
        "uploaded": next((item for item in evidence if item.evidence_id == uploaded), None),
        "max_upload_mb": form_limit // (1024 * 1024),
        "verification": verification,
        "kinds": list(EntryKind),
        "statuses": list(AttendanceStatus),
        "client_ref": uuid.uuid4().hex,
    }


session_page = RecordPage(
    f"{BASE}/sessions/{{}}",
    "console/oversight/session.html",
    ("action", "entry_form", "attendance_form", "evidence_form"),
    _session,
)
session_url = session_page.url


def _entry_html(request: StaffRequest, entry: LogEntry) -> str:
    template = request.app.template_engine.get_template(ENTRY_TEMPLATE)  # type: ignore[union-attr]
    return str(template.render(entry=entry, correctable=True, locale=page_locale(request)))


class SessionPages(Controller):
    path = "/oversight/sessions"
    guards = GUARDS

    @get("/{session_id:uuid}")
    async def session(
        self,
        request: StaffRequest,
        session_id: FromPath[uuid.UUID],
        db_session: DbSession,
        correct: Annotated[uuid.UUID | None, QueryParameter()] = None,
        uploaded: Annotated[uuid.UUID | None, QueryParameter()] = None,
    ) -> HTMXTemplate:
        # "Correct this entry" (a link, so it works without JavaScript): the input box
        # prepared for a correction of it; the service checks the target is of this session.
        forms: dict[str, Any] = {"uploaded": uploaded}
        if correct is not None:
            values = {"kind": EntryKind.correction.value, "corrects_entry_id": str(correct)}
            forms["entry_form"] = Form(values=values)
        return await session_page(request, db_session, session_id, **forms)

    @get("/{session_id:uuid}/log/stream")
    async def stream(
        self,
        session_id: FromPath[uuid.UUID],
        last_event_id: LastEventId,
        request: StaffRequest,
        db_session: DbSession,
        after: StreamAfter = 0,
    ) -> ServerSentEvent:
        """The API's stream behind the console's cookie, each entry as the page's fragment."""
        shape = partial(_entry_html, request)
        return await open_stream(
            request, db_session, session_id, after, last_event_id, shape, RECONNECT_MS
        )

    @post("/{session_id:uuid}/log", status_code=303)
    async def append(
        self, request: StaffRequest, session_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> Redirect | HTMXTemplate:
        """The input box: the entry reaches every attendee (this one too) by the stream, so
        an htmx post only gets a fresh form back."""

        async def run(data: EntryCreate) -> None:
            await log_service.append_entry(db_session, session_id, data, request.user)

        form, status = await submit(await read_form(request, EntryCreate), run)
        if is_htmx(request):
            done = status == 303
            return render(
                request,
                ENTRY_FORM_TEMPLATE,
                status_code=200 if done else status,
                session_id=session_id,
                entry_form=empty_form() if done else form,
                kinds=list(EntryKind),
                client_ref=uuid.uuid4().hex if done else form.values.get("client_ref", ""),
            )
        if status == 303:
            return redirect(f"{session_url(session_id)}#log", flash="web.oversight.entry_saved")
        return await session_page(request, db_session, session_id, status=status, entry_form=form)

    @post("/{session_id:uuid}/attendance", status_code=303)
    async def attendance(
        self, request: StaffRequest, session_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> Redirect | HTMXTemplate:
        async def run(data: AttendanceIn) -> None:
            await oversight.record_attendance(db_session, session_id, [data], request.user)

        return await session_page.of(request, db_session, session_id).submitted(
            await read_form(request, AttendanceIn),
            run,
            name="attendance_form",
            flash="web.oversight.attendance_saved",
        )

    @post(
        "/{session_id:uuid}/evidence",
        status_code=303,
        request_max_body_size=FORM_UPLOAD_MAX_BODY,
    )
    async def upload_evidence(
        self,
        request: StaffRequest,
        session_id: FromPath[uuid.UUID],
        db_session: DbSession,
        settings: NamedDependency[Settings],
        object_store: NamedDependency[ObjectStore],
    ) -> Redirect | HTMXTemplate:
        """The upload form without JavaScript: the file streamed through the API's upload
        service (``settings.max_upload_bytes``, the sniffed type: 413, 415), then the page
        with the stored file's SHA-256."""
        form = await read_form(request, EvidenceFormFields)
        chosen = await form_file(request)
        if form.data is None or chosen is None:
            errors = dict(form.errors)
            if chosen is None:
                errors["file"] = msg("web.oversight.evidence_file_missing")
            failed: Form[EvidenceFormFields] = Form(values=form.values, errors=errors)
            return await session_page(
                request, db_session, session_id, status=422, evidence_form=failed
            )
        try:
            stored = await evidence_service.upload_evidence(
                db_session,
                object_store,
                chosen.chunks(),
                request.user,
                session_id=session_id,
                filename=chosen.filename,
                max_bytes=settings.max_upload_bytes,
                description=form.data.description,
            )
        except NotFound:
            raise
        except ServiceError as exc:
            # The file's own faults (too large, a refused type) next to it; the others (not a
            # member, a sealed session) above the form, which the page may no longer show.
            field = "file" if exc.status_code in (413, 415, 422) else ""
            failed = Form[EvidenceFormFields](values=form.values, errors={field: exc.detail})
            return await session_page(
                request, db_session, session_id, status=exc.status_code, evidence_form=failed
            )
        return redirect(
            f"{session_url(session_id)}?uploaded={stored.evidence_id}#evidence",
            flash="web.oversight.evidence_saved",
        )

    # -- evidence, for the upload script: a form in (the console's way, with its CSRF
    # token), the API's JSON answer out --

    @post("/{session_id:uuid}/evidence/multipart", status_code=201)
    async def start_evidence(
        self,
        request: StaffRequest,
        session_id: FromPath[uuid.UUID],
        db_session: DbSession,
        object_store: NamedDependency[ObjectStore],
    ) -> EvidenceMultipartStarted:
        form = await read_form(request, EvidenceMultipartStart)
        if form.data is None:
            field, message = next(iter(form.errors.items()))
            raise Invalid(message, field=field or None)
        _, plan, _ = await oversight.load_session(db_session, session_id, request.user)
        announced = form.data.model_copy(update={"session_id": session_id})
        return await start_upload(db_session, object_store, request.user, plan.id, announced)

    @post("/{session_id:uuid}/evidence/{evidence_id:uuid}/complete", status_code=200)
    async def complete_evidence(
        self,
        request: StaffRequest,
        session_id: FromPath[uuid.UUID],
        evidence_id: FromPath[uuid.UUID],
        db_session: DbSession,
        object_store: NamedDependency[ObjectStore],
    ) -> EvidenceItem:
        """The store lists the parts itself (the browser cannot read S3's ETags)."""
        await oversight.load_session(db_session, session_id, request.user)
        return await evidence_service.complete_evidence_upload(
            db_session, object_store, evidence_id, None, request.user
        )


class EvidenceFormFields(Input):
    """What the upload form says of its file besides the file (the API's ``description``
    query parameter)."""

    description: str | None = Field(default=None, max_length=1000)


# The session's workflow actions as forms (``POST …/actions/<action>``), the API's routes.
session_action = ActionForms(
    SESSION_RESOURCE, SESSION_ROUTES, lambda target: session_url(target.id), session_page
).handler(f"{BASE.removeprefix('/console')}/sessions", GUARDS)
