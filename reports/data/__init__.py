"""Data gathering: one package per report (``council``, ``supervision``, ``scorecard``), each
cut the same way: ``queries`` (the SQL), ``facts`` (runs it: the report's figures and lists as
one dataclass the tests reconcile), ``sections`` (and ``appendices``: how they are printed),
and ``<kind>_document`` in the package turning them into a `ReportDocument` for
`reports.render`. What they share (labels, formats, the document frame, numbered and
streamed tables, figures) is in `common`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from reports.data import council, criticism, scorecard, supervision
from reports.data.common import Building, DocumentFrame
from reports.document import ReportDocument
from service.storage.store import ObjectStore

TypedParameters = (
    council.CouncilParameters
    | supervision.SupervisionParameters
    | scorecard.ScorecardParameters
    | criticism.CriticismParameters
)


async def build_document(
    session: AsyncSession,
    parameters: TypedParameters,
    frame: DocumentFrame,
    *,
    now: datetime,
    title: str | None = None,
    store: ObjectStore | None = None,
) -> ReportDocument:
    """The document for ``parameters``. Its long tables stream from ``session`` while it is
    rendered, so keep the session open until `reports.streaming.render_in_thread` returns.
    With ``store``, evidence files a report lists are re-read and their SHA-256 checked."""
    build = Building(session, frame, now, title, store)
    if isinstance(parameters, council.CouncilParameters):
        return await council.council_document(parameters, build)
    if isinstance(parameters, supervision.SupervisionParameters):
        return await supervision.supervision_document(parameters, build)
    if isinstance(parameters, criticism.CriticismParameters):
        return await criticism.criticism_document(parameters, build)
    return await scorecard.scorecard_document(parameters, build)
