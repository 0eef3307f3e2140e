"""The session's two documents from the console: the compiled report and the report back to
voters, the API's PDFs (``reports.voters``: the same data, layout and renderer) behind the
console's cookie; the signer's name comes from a GET form on the session's page."""

from __future__ import annotations

import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
from litestar import Controller, Response, get
from litestar.params import FromPath
from pydantic import Field

from reports.render import render_pdf
from reports.voters import VoterDocument, build_document, document_data
from service.i18n import READERS_TIMEZONE
from service.text import OptionalText, Text, text_field
from service.voters import service as voters
from service.voters.repository import session_figures
from service.voters.schemas import Input
from service.web.pages import HTMXTemplate, read_query
from service.web.voters.sessions import GUARDS, DbSession, StaffRequest, session_page

DEFAULT_NUMBER = "   /BC-MTTQ"


class DocumentForm(Input):
    """The API's query parameters: who signs, and the number and symbol line."""

    signer_name: Text = text_field(min_length=2, max_length=200)
    number_symbol: OptionalText = Field(default=None, max_length=40)


class VoterDocumentPages(Controller):
    path = "/voter-meetings"
    guards = GUARDS

    @get("/{session_id:uuid}/documents/{kind:str}")
    async def document(
        self,
        request: StaffRequest,
        db_session: DbSession,
        session_id: FromPath[uuid.UUID],
        kind: FromPath[VoterDocument],
    ) -> Response[bytes] | HTMXTemplate:
        council_session = await voters.load_council_session(db_session, session_id, request.user)
        form = read_query(request, DocumentForm)
        if form.data is None:
            return await session_page(request, db_session, session_id, status=422, document=form)
        reads, agencies, unit_name = await document_data(db_session, council_session, request.user)
        document = build_document(
            kind,
            council_session,
            unit_name,
            reads,
            agencies,
            await session_figures(db_session, council_session.id),
            signer_name=form.data.signer_name,
            number_symbol=form.data.number_symbol or DEFAULT_NUMBER,
            issue_date=datetime.now(ZoneInfo(READERS_TIMEZONE)).date(),
        )

        def render() -> bytes:
            with tempfile.TemporaryDirectory(prefix="giamsat-voters-") as scratch:
                out = Path(scratch) / "document.pdf"
                render_pdf(document, out, chunk_rows=None)
                return out.read_bytes()

        name = f"{kind.value}-{council_session.term}-{council_session.number}.pdf"
        return Response(
            await anyio.to_thread.run_sync(render),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
