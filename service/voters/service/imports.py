"""The minutes spreadsheet: preview, confirmation, the job's batches, progress."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.errors import Invalid, NotFound, StateConflict
from service.i18n import msg, translate
from service.jobs.outbox import enqueue
from service.voters import repository
from service.voters.models import (
    ImportState,
    VoterImport,
)
from service.voters.schemas import (
    ImportRead,
    RowError,
    read_of,
)
from service.voters.service.common import (
    IMPORT_AUDIT,
    IMPORT_BATCH_ROWS,
    MAX_STORED_ERRORS,
    PREVIEW_ROWS,
    SAVE_IMPORT_JOB,
    load_meeting,
)
from service.voters.spreadsheet import ReadSheet, read_minutes

# -- imports ---------------------------------------------------------------------------------


def _row_values(read: ReadSheet) -> list[dict[str, Any]]:
    return [{"row": row.row_number, **row.values} for row in read.rows if not row.errors]


def _row_errors(read: ReadSheet) -> list[dict[str, Any]]:
    found = [{"row": row.row_number, **error} for row in read.rows for error in row.errors]
    return found[:MAX_STORED_ERRORS]


async def preview_import(
    session: AsyncSession,
    meeting_id: uuid.UUID,
    data: bytes,
    filename: str | None,
    actor: StaffPrincipal,
) -> tuple[VoterImport, bool]:
    """Read and validate the file; nothing but the import itself is saved. The same file for
    the same meeting is the same import (``created`` False)."""
    meeting = await load_meeting(session, meeting_id, actor)
    sha256 = hashlib.sha256(data).hexdigest()
    existing = await repository.import_of_file(session, meeting.id, sha256)
    if existing is not None:
        return existing, False
    read = read_minutes(data, filename)
    values = {
        "id": uuid.uuid4(),
        "meeting_id": meeting.id,
        "sha256": sha256,
        "filename": filename[:255] if filename else None,
        "file_format": read.file_format,
        "encoding": read.encoding,
        "state": ImportState.previewed.value,
        "total_rows": len(read.rows),
        "error_rows": read.error_rows,
        "rows": _row_values(read),
        "errors": _row_errors(read),
        "created_by": actor.user_id,
    }
    created = await repository.insert_import(session, values)
    if created is None:  # the same file, stored by a concurrent upload
        again = await repository.import_of_file(session, meeting.id, sha256)
        assert again is not None
        return again, False
    await IMPORT_AUDIT.audit(
        session,
        actor,
        created,
        "voters.import.previewed",
        None,
        sha256=sha256,
        rows=created.total_rows,
        error_rows=created.error_rows,
    )
    return created, True


async def load_import(
    session: AsyncSession, import_id: uuid.UUID, viewer: StaffPrincipal, *, for_update: bool = False
) -> VoterImport:
    found = await repository.get_import(session, import_id, for_update=for_update)
    if found is None:
        raise NotFound(msg("voters_import_not_found"))
    try:
        await load_meeting(session, found.meeting_id, viewer)
    except NotFound:
        raise NotFound(msg("voters_import_not_found")) from None
    return found


def import_actions(found: VoterImport) -> list[str]:
    if found.state != ImportState.previewed:
        return []
    return ["confirm", "reject"] if found.error_rows == 0 and found.total_rows else ["reject"]


def _require_previewed(found: VoterImport) -> None:
    if found.state != ImportState.previewed:
        raise StateConflict(
            msg("voters_import_state", state=ImportState(found.state)),
            state=found.state,
            allowed_actions=import_actions(found),
        )


async def confirm_import(
    session: AsyncSession, found: VoterImport, actor: StaffPrincipal
) -> VoterImport:
    """The officer saw the preview: the rows are saved by a job (progress on the import)."""
    _require_previewed(found)
    if found.error_rows or not found.total_rows:
        raise Invalid(msg("voters_import_has_errors", count=found.error_rows), field="file")
    before = {"state": found.state}
    found.state = ImportState.queued
    await enqueue(
        session, SAVE_IMPORT_JOB, {"import_id": found.id}, dedupe_key=f"voters-import:{found.id}"
    )
    return await IMPORT_AUDIT.changed(
        session, actor, found, "voters.import.confirmed", before, rows=found.total_rows
    )


async def reject_import(
    session: AsyncSession, found: VoterImport, actor: StaffPrincipal
) -> VoterImport:
    _require_previewed(found)
    before = {"state": found.state}
    found.state = ImportState.rejected
    found.rows = []
    return await IMPORT_AUDIT.changed(session, actor, found, "voters.import.rejected", before)


async def save_import_batch(
    session: AsyncSession, import_id: uuid.UUID, *, batch_rows: int = IMPORT_BATCH_ROWS
) -> bool:
    """Save the next batch of a confirmed import's rows; True when nothing is left. Each row
    is inserted once (``(import_id, row_number)`` is unique), so a repeated batch adds none."""
    found = await repository.get_import(session, import_id, for_update=True)
    if found is None or found.state != ImportState.queued:
        return True
    meeting = await repository.get_meeting(session, found.meeting_id)
    assert meeting is not None
    start = found.processed_rows
    chunk = found.rows[start : start + batch_rows]
    await repository.insert_imported_opinions(
        session,
        [
            {
                "id": uuid.uuid4(),
                "meeting_id": meeting.id,
                "council_session_id": meeting.council_session_id,
                "text": row["text"],
                "topic": row.get("topic"),
                "suggested_agency": row.get("agency"),
                "voters_count": int(row.get("voters") or 1),
                "import_id": found.id,
                "row_number": int(row["row"]),
                "created_by": found.created_by,
            }
            for row in chunk
        ],
    )
    found.processed_rows = start + len(chunk)
    finished = found.processed_rows >= len(found.rows)
    if finished:
        found.state = ImportState.done
        found.finished_at = utcnow()
        found.rows = []
        rows = found.processed_rows
        await IMPORT_AUDIT.audit(session, None, found, "voters.import.saved", None, rows=rows)
    IMPORT_AUDIT.touch(found)
    await session.flush()
    return finished


def import_read(found: VoterImport, locale: str) -> ImportRead:
    total = found.total_rows - found.error_rows
    if found.state == ImportState.done:
        progress = 100
    elif found.state == ImportState.queued and total:
        progress = min(99, found.processed_rows * 100 // total)
    else:
        progress = 0
    errors = [
        RowError(
            row=int(e["row"]),
            field=str(e["field"]),
            code=str(e["code"]),
            message=translate(str(e["code"]), locale, **dict(e.get("params") or {})),
        )
        for e in found.errors
    ]
    preview = found.rows[:PREVIEW_ROWS]
    return read_of(ImportRead, found, progress=progress, errors=errors, preview=preview)
