"""A meeting's page (``/console/voter-meetings/meetings/<id>``): its opinions, typing one in,
and uploading the minutes spreadsheet; an import's page (``…/imports/<id>``): every row with
its errors before anything is saved, confirming or rejecting it, then the rows saved as the
job goes (an HTMX poll of the progress fragment every second; without JavaScript, a refresh
link). Each form calls what the API's route calls (``service.voters.service``)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import NotFound, ServiceError
from service.http.params import DbSession, StaffRequest
from service.voters import service as voters
from service.voters.controllers import IMPORT, IMPORT_ACTIONS
from service.voters.models import ImportState, VoterImport
from service.voters.schemas import ImportRead, OpinionCreate
from service.web.oversight.forms import ActionForms, empty_form, is_htmx
from service.web.pages import Form, HTMXTemplate, read_form, redirect, render
from service.web.records import RecordPage
from service.web.templating import page_locale
from service.web.uploads import form_file
from service.web.voters.forms import (
    IMPORT_FORM_MAX_BODY,
    read_sheet,
    unit_choices,
)
from service.web.voters.sessions import BASE, GUARDS

PROGRESS = "console/voters/_import_progress.html"


def import_url(import_id: uuid.UUID) -> str:
    return f"{BASE}/imports/{import_id}"


async def _meeting(
    request: StaffRequest, db_session: AsyncSession, meeting_id: uuid.UUID, _: dict[str, Any]
) -> dict[str, Any]:
    meeting = await voters.load_meeting(db_session, meeting_id, request.user)
    council_session = await voters.load_council_session(
        db_session, meeting.council_session_id, request.user
    )
    return {
        "meeting": meeting,
        "council_session": council_session,
        "unit_names": dict(await unit_choices(db_session, request.user)),
        "opinions": await voters.list_meeting_opinions(db_session, meeting_id, request.user),
    }


meeting_page = RecordPage(
    f"{BASE}/meetings/{{}}", "console/voters/meeting.html", ("opinion", "upload"), _meeting
)


def sheet_rows(found: VoterImport, read: ImportRead) -> list[dict[str, Any]]:
    """Every row of the file in its order: the values it will save, or its errors."""
    rows: dict[int, dict[str, Any]] = {
        int(row["row"]): {"row": int(row["row"]), "values": row, "errors": []} for row in found.rows
    }
    for error in read.errors:
        rows.setdefault(error.row, {"row": error.row, "values": None, "errors": []})
        rows[error.row]["errors"].append(error)
    return [rows[number] for number in sorted(rows)]


async def import_page(
    request: StaffRequest,
    db_session: AsyncSession,
    import_id: uuid.UUID,
    *,
    status: int = 200,
    action: Form[Any] | None = None,
) -> HTMXTemplate:
    found = await voters.load_import(db_session, import_id, request.user)
    read = voters.import_read(found, page_locale(request))
    context: dict[str, Any] = {
        "found": read,
        "running": found.state == ImportState.queued,
        "saved_rows": found.total_rows - found.error_rows,
    }
    if is_htmx(request):
        return render(request, PROGRESS, **context)
    meeting = await voters.load_meeting(db_session, found.meeting_id, request.user)
    return render(
        request,
        "console/voters/import.html",
        status_code=status,
        meeting=meeting,
        rows=sheet_rows(found, read),
        actions=voters.import_actions(found),
        action=action or empty_form(),
        **context,
    )


class VoterMeetingPages(Controller):
    path = "/voter-meetings"
    guards = GUARDS

    meeting = meeting_page.route("/meetings/{meeting_id:uuid}")

    @post("/meetings/{meeting_id:uuid}/opinions", status_code=303)
    async def add_opinion(
        self, request: StaffRequest, db_session: DbSession, meeting_id: FromPath[uuid.UUID]
    ) -> Redirect | HTMXTemplate:
        async def run(data: OpinionCreate) -> None:
            await voters.add_opinion(db_session, meeting_id, data, request.user)

        return await meeting_page.of(request, db_session, meeting_id).submitted(
            await read_form(request, OpinionCreate),
            run,
            name="opinion",
            flash="web.voters.opinion_added",
            anchor="#opinions",
        )

    @post(
        "/meetings/{meeting_id:uuid}/imports",
        status_code=303,
        request_max_body_size=IMPORT_FORM_MAX_BODY,
    )
    async def upload(
        self, request: StaffRequest, db_session: DbSession, meeting_id: FromPath[uuid.UUID]
    ) -> Redirect | HTMXTemplate:
        """The minutes spreadsheet read and validated (nothing saved but the import), then
        its preview; a file that cannot be read comes back next to the file field."""
        await voters.load_meeting(db_session, meeting_id, request.user)
        chosen = await form_file(request)
        try:
            data = await read_sheet(chosen)
            found, _ = await voters.preview_import(
                db_session, meeting_id, data, chosen.filename if chosen else None, request.user
            )
        except NotFound:
            raise
        except ServiceError as exc:
            field = "file" if exc.status_code in (413, 415, 422) else ""
            failed: Form[Any] = Form(values={}, errors={field: exc.detail})
            return await meeting_page(
                request, db_session, meeting_id, status=exc.status_code, upload=failed
            )
        return redirect(import_url(found.id))

    @get("/imports/{import_id:uuid}")
    async def preview(
        self, request: StaffRequest, db_session: DbSession, import_id: FromPath[uuid.UUID]
    ) -> HTMXTemplate:
        """The import's page; to HTMX (the page polling while the rows are saved), its
        progress."""
        return await import_page(request, db_session, import_id)


# Confirming (the job then saves the rows, the page showing their progress) or rejecting a
# previewed import: the API's routes as forms (``POST …/imports/<id>/actions/<action>``).
import_action = ActionForms(
    IMPORT,
    {route.name: route for route in IMPORT_ACTIONS},
    lambda found: import_url(found.id),
    import_page,
    flashes={"confirm": "web.voters.import_confirmed", "reject": "web.voters.import_rejected"},
).handler("/voter-meetings/imports", GUARDS)
