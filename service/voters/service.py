"""The operations of the voters domain: sessions, meetings, opinions, minutes imports,
compilation into recommendations, referral to agencies and following the referral.

Who may do what (404 for what one may not see, as everywhere):
- a city-level Front officer (or an admin) sees and manages everything;
- a ward's Front officer sees the city's sessions and their ward's, records meetings and
  opinions in their ward only, and compiles and refers only for their ward's sessions
  (the city's compilation is the city Front's).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import record
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.deadlines.models import ItemKind, Urgency
from service.directory.models import Agency, UnitLevel
from service.errors import Conflict, Forbidden, Invalid, NotFound, StateConflict
from service.i18n import msg, translate
from service.jobs.outbox import enqueue
from service.replies import events
from service.replies import service as replies
from service.replies.events import ReferralEvent
from service.storage.models import Evidence
from service.voters import repository
from service.voters.models import (
    CouncilSession,
    ImportState,
    SessionLevel,
    VoterImport,
    VoterMeeting,
    VoterOpinion,
    VoterRecommendation,
    VoterRecommendationState,
)
from service.voters.schemas import (
    CouncilSessionCreate,
    ImportRead,
    MeetingCreate,
    OpinionCreate,
    RecommendationCreate,
    RecommendationRead,
    ReferRequest,
    RowError,
    Source,
    SuggestedOpinion,
    Suggestion,
)
from service.voters.spreadsheet import ReadSheet, read_minutes

ITEM_TYPE = "voter_recommendation"
SAVE_IMPORT_JOB = "voters.save_import"
IMPORT_BATCH_ROWS = 500
PREVIEW_ROWS = 20
MAX_STORED_ERRORS = 1000
REFERABLE = frozenset({VoterRecommendationState.draft, VoterRecommendationState.declined})
MERGEABLE = frozenset(
    {
        VoterRecommendationState.draft,
        VoterRecommendationState.referred,
        VoterRecommendationState.acknowledged,
        VoterRecommendationState.declined,
    }
)
OPEN_STATES = frozenset(
    {
        VoterRecommendationState.referred,
        VoterRecommendationState.acknowledged,
        VoterRecommendationState.overdue,
    }
)


# -- access ----------------------------------------------------------------------------------


def _is_city(viewer: StaffPrincipal) -> bool:
    return viewer.role is Role.admin or viewer.unit_code is None


def sees_session(viewer: StaffPrincipal, council_session: CouncilSession) -> bool:
    return (
        _is_city(viewer)
        or council_session.level == SessionLevel.city
        or viewer.sees_unit(council_session.unit_code)
    )


def manages_session(viewer: StaffPrincipal, council_session: CouncilSession) -> bool:
    return _is_city(viewer) or viewer.sees_unit(council_session.unit_code)


def _require_manager(viewer: StaffPrincipal, council_session: CouncilSession) -> None:
    if not manages_session(viewer, council_session):
        raise Forbidden(msg("voters_not_manager"))


async def load_council_session(
    session: AsyncSession,
    session_id: uuid.UUID,
    viewer: StaffPrincipal,
    *,
    for_update: bool = False,
) -> CouncilSession:
    found = await repository.get_council_session(session, session_id, for_update=for_update)
    if found is None or not sees_session(viewer, found):
        raise NotFound(msg("voters_session_not_found"))
    return found


async def load_meeting(
    session: AsyncSession,
    meeting_id: uuid.UUID,
    viewer: StaffPrincipal,
    *,
    for_update: bool = False,
) -> VoterMeeting:
    meeting = await repository.get_meeting(session, meeting_id, for_update=for_update)
    if meeting is None or not (_is_city(viewer) or viewer.sees_unit(meeting.unit_code)):
        raise NotFound(msg("voters_meeting_not_found"))
    return meeting


async def load_recommendation(
    session: AsyncSession,
    recommendation_id: uuid.UUID,
    viewer: StaffPrincipal,
    *,
    for_update: bool = False,
) -> tuple[VoterRecommendation, CouncilSession]:
    rec = await repository.get_recommendation(session, recommendation_id, for_update=for_update)
    if rec is None:
        raise NotFound(msg("voters_recommendation_not_found"))
    council_session = await repository.get_council_session(session, rec.council_session_id)
    if council_session is None or not sees_session(viewer, council_session):
        raise NotFound(msg("voters_recommendation_not_found"))
    return rec, council_session


def _touch(row: Any) -> None:
    row.version += 1
    if hasattr(row, "updated_at"):
        row.updated_at = utcnow()


# -- sessions and meetings -------------------------------------------------------------------


async def create_council_session(
    session: AsyncSession, data: CouncilSessionCreate, actor: StaffPrincipal
) -> CouncilSession:
    unit = await repository.get_unit(session, data.unit_code)
    if unit is None:
        raise Invalid(msg("unit_not_found"), field="unit_code")
    expected = UnitLevel.province if data.level is SessionLevel.city else UnitLevel.commune
    if unit.level != expected:
        raise Invalid(msg("voters_session_level_unit"), field="unit_code")
    if not (_is_city(actor) or actor.sees_unit(data.unit_code)):
        raise Forbidden(msg("voters_not_manager"))
    if await repository.session_number_taken(session, data.unit_code, data.term, data.number):
        raise Conflict(msg("voters_session_number_taken", number=data.number, term=data.term))
    council_session = CouncilSession(**data.model_dump(), created_by=actor.user_id)
    session.add(council_session)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="voters.session.created",
        entity_type="voter_council_session",
        entity_id=council_session.id,
        after=data.model_dump(mode="json"),
    )
    return council_session


async def list_council_sessions(
    session: AsyncSession, viewer: StaffPrincipal, *, cursor: str | None, limit: int
) -> tuple[list[CouncilSession], str | None]:
    unit = None if _is_city(viewer) else viewer.unit_code
    return await repository.list_council_sessions(
        session, unit_code=unit, after=cursor, limit=limit
    )


async def create_meeting(
    session: AsyncSession, session_id: uuid.UUID, data: MeetingCreate, actor: StaffPrincipal
) -> VoterMeeting:
    council_session = await load_council_session(session, session_id, actor)
    unit = await repository.get_unit(session, data.unit_code)
    if unit is None:
        raise Invalid(msg("unit_not_found"), field="unit_code")
    belongs = (
        unit.code == council_session.unit_code
        if council_session.level == SessionLevel.ward
        else unit.parent_code == council_session.unit_code
    )
    if not belongs:
        raise Invalid(msg("voters_meeting_unit"), field="unit_code")
    if not (_is_city(actor) or actor.sees_unit(unit.code)):
        raise Forbidden(msg("voters_not_ward"))
    if data.minutes_evidence_id is not None:
        await _check_evidence(session, data.minutes_evidence_id)
    meeting = VoterMeeting(
        **data.model_dump(), council_session_id=council_session.id, created_by=actor.user_id
    )
    session.add(meeting)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="voters.meeting.created",
        entity_type="voter_meeting",
        entity_id=meeting.id,
        after=data.model_dump(mode="json"),
    )
    return meeting


async def _check_evidence(session: AsyncSession, evidence_id: uuid.UUID) -> None:
    if await session.get(Evidence, evidence_id) is None:
        raise Invalid(msg("voters_evidence_unknown"), field="minutes_evidence_id")


async def attach_minutes(
    session: AsyncSession, meeting: VoterMeeting, evidence: Evidence, actor: StaffPrincipal
) -> VoterMeeting:
    """The stored minutes (already uploaded through storage) become the meeting's."""
    before = {"minutes_evidence_id": meeting.minutes_evidence_id}
    meeting.minutes_evidence_id = evidence.id
    _touch(meeting)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="voters.meeting.minutes_attached",
        entity_type="voter_meeting",
        entity_id=meeting.id,
        before=before,
        after={"minutes_evidence_id": evidence.id},
    )
    return meeting


async def list_meetings(
    session: AsyncSession, session_id: uuid.UUID, viewer: StaffPrincipal
) -> list[VoterMeeting]:
    council_session = await load_council_session(session, session_id, viewer)
    unit = None if _is_city(viewer) else viewer.unit_code
    return await repository.list_meetings(session, council_session.id, unit)


# -- opinions --------------------------------------------------------------------------------


async def add_opinion(
    session: AsyncSession, meeting_id: uuid.UUID, data: OpinionCreate, actor: StaffPrincipal
) -> VoterOpinion:
    meeting = await load_meeting(session, meeting_id, actor)
    opinion = VoterOpinion(
        **data.model_dump(),
        meeting_id=meeting.id,
        council_session_id=meeting.council_session_id,
        created_by=actor.user_id,
    )
    session.add(opinion)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="voters.opinion.added",
        entity_type="voter_opinion",
        entity_id=opinion.id,
        after={"meeting_id": meeting.id, "voters_count": opinion.voters_count},
    )
    return opinion


async def list_meeting_opinions(
    session: AsyncSession, meeting_id: uuid.UUID, viewer: StaffPrincipal
) -> list[VoterOpinion]:
    meeting = await load_meeting(session, meeting_id, viewer)
    return await repository.list_opinions(session, meeting_id=meeting.id)


async def list_session_opinions(
    session: AsyncSession, session_id: uuid.UUID, viewer: StaffPrincipal
) -> list[VoterOpinion]:
    council_session = await load_council_session(session, session_id, viewer)
    unit = None if _is_city(viewer) else viewer.unit_code
    if manages_session(viewer, council_session):
        unit = None
    return await repository.list_opinions(
        session, council_session_id=council_session.id, unit_code=unit
    )


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
    await record(
        session,
        actor=actor,
        action="voters.import.previewed",
        entity_type="voter_import",
        entity_id=created.id,
        after={"sha256": sha256, "rows": created.total_rows, "error_rows": created.error_rows},
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


async def confirm_import(
    session: AsyncSession, found: VoterImport, actor: StaffPrincipal
) -> VoterImport:
    """The officer saw the preview: the rows are saved by a job (progress on the import)."""
    if found.state != ImportState.previewed:
        raise StateConflict(
            msg("voters_import_state", state=ImportState(found.state)),
            state=found.state,
            allowed_actions=import_actions(found),
        )
    if found.error_rows or not found.total_rows:
        raise Invalid(msg("voters_import_has_errors", count=found.error_rows), field="file")
    found.state = ImportState.queued
    found.version += 1
    await session.flush()
    await enqueue(
        session, SAVE_IMPORT_JOB, {"import_id": found.id}, dedupe_key=f"voters-import:{found.id}"
    )
    await record(
        session,
        actor=actor,
        action="voters.import.confirmed",
        entity_type="voter_import",
        entity_id=found.id,
        after={"rows": found.total_rows},
    )
    return found


async def reject_import(
    session: AsyncSession, found: VoterImport, actor: StaffPrincipal
) -> VoterImport:
    if found.state != ImportState.previewed:
        raise StateConflict(
            msg("voters_import_state", state=ImportState(found.state)),
            state=found.state,
            allowed_actions=import_actions(found),
        )
    found.state = ImportState.rejected
    found.rows = []
    found.version += 1
    await session.flush()
    await record(
        session,
        actor=actor,
        action="voters.import.rejected",
        entity_type="voter_import",
        entity_id=found.id,
    )
    return found


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
        await record(
            session,
            actor=None,
            action="voters.import.saved",
            entity_type="voter_import",
            entity_id=found.id,
            after={"rows": found.processed_rows},
        )
    found.version += 1
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
    return ImportRead(
        id=found.id,
        meeting_id=found.meeting_id,
        sha256=found.sha256,
        filename=found.filename,
        file_format=found.file_format,
        encoding=found.encoding,
        state=ImportState(found.state),
        total_rows=found.total_rows,
        error_rows=found.error_rows,
        processed_rows=found.processed_rows,
        progress=progress,
        errors=errors,
        preview=found.rows[:PREVIEW_ROWS],
        version=found.version,
        created_at=found.created_at,
    )


# -- compilation -----------------------------------------------------------------------------


async def suggestions(
    session: AsyncSession, session_id: uuid.UUID, viewer: StaffPrincipal
) -> list[Suggestion]:
    """Groups of opinions not yet compiled that read alike (connected by pairs above the
    duplicate search's similarity bar), largest first; the officer confirms each merge."""
    council_session = await load_council_session(session, session_id, viewer)
    _require_manager(viewer, council_session)
    pairs = await repository.similar_pairs(session, council_session.id)
    parent: dict[uuid.UUID, uuid.UUID] = {}

    def root(item: uuid.UUID) -> uuid.UUID:
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    best: dict[uuid.UUID, float] = {}
    for pair in pairs:
        a, b = root(pair.left), root(pair.right)
        if a != b:
            parent[b] = a
    for pair in pairs:
        group = root(pair.left)
        best[group] = max(best.get(group, 0.0), pair.score)
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    for item in parent:
        members.setdefault(root(item), []).append(item)
    ids = [item for group in members.values() for item in group]
    opinions = {o.id: o for o in await repository.list_opinions(session, ids=ids)}
    meetings = {m.id: m for m in await repository.list_meetings(session, council_session.id, None)}
    found = []
    for group, items in members.items():
        rows = sorted((opinions[i] for i in items if i in opinions), key=lambda o: o.created_at)
        found.append(
            Suggestion(
                score=best.get(group, 0.0),
                opinions=[
                    SuggestedOpinion(
                        opinion_id=o.id,
                        meeting_id=o.meeting_id,
                        unit_code=meetings[o.meeting_id].unit_code,
                        voters_count=o.voters_count,
                        text=o.text,
                    )
                    for o in rows
                ],
            )
        )
    found.sort(key=lambda s: (-len(s.opinions), -s.score))
    return found


async def _take_opinions(
    session: AsyncSession, council_session: CouncilSession, ids: Sequence[uuid.UUID]
) -> list[VoterOpinion]:
    wanted = list(dict.fromkeys(ids))
    opinions = await repository.lock_opinions(session, wanted)
    by_id = {o.id: o for o in opinions}
    for index, opinion_id in enumerate(ids):
        opinion = by_id.get(opinion_id)
        if opinion is None or opinion.council_session_id != council_session.id:
            raise Invalid(msg("voters_opinion_not_of_session"), field=f"opinion_ids[{index}]")
        if opinion.recommendation_id is not None:
            raise Conflict(msg("voters_opinion_compiled"), field=f"opinion_ids[{index}]")
    return opinions


async def _check_agency(session: AsyncSession, agency_id: uuid.UUID) -> None:
    agency = await session.get(Agency, agency_id)
    if agency is None or not agency.active:
        raise Invalid(msg("agency_not_active"), field="agency_id")


async def create_recommendation(
    session: AsyncSession, session_id: uuid.UUID, data: RecommendationCreate, actor: StaffPrincipal
) -> VoterRecommendation:
    council_session = await load_council_session(session, session_id, actor, for_update=True)
    _require_manager(actor, council_session)
    if data.agency_id is not None:
        await _check_agency(session, data.agency_id)
    opinions = await _take_opinions(session, council_session, data.opinion_ids)
    rec = VoterRecommendation(
        council_session_id=council_session.id,
        title=data.title,
        text=data.text,
        agency_id=data.agency_id,
        created_by=actor.user_id,
    )
    session.add(rec)
    await session.flush()
    for opinion in opinions:
        opinion.recommendation_id = rec.id
    await session.flush()
    await record(
        session,
        actor=actor,
        action="voters.recommendation.compiled",
        entity_type="voter_recommendation",
        entity_id=rec.id,
        after={"title": rec.title, "opinion_ids": [o.id for o in opinions]},
    )
    return rec


async def merge_opinions(
    session: AsyncSession,
    rec: VoterRecommendation,
    council_session: CouncilSession,
    opinion_ids: Sequence[uuid.UUID],
    actor: StaffPrincipal,
) -> VoterRecommendation:
    """More sources of the same matter join the recommendation (the officer confirmed)."""
    _require_manager(actor, council_session)
    state = VoterRecommendationState(rec.state)
    if state not in MERGEABLE:
        raise StateConflict(
            msg("voters_recommendation_state", state=state),
            state=state,
            allowed_actions=recommendation_actions(rec, actor, council_session),
        )
    opinions = await _take_opinions(session, council_session, opinion_ids)
    for opinion in opinions:
        opinion.recommendation_id = rec.id
    _touch(rec)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="voters.recommendation.merged",
        entity_type="voter_recommendation",
        entity_id=rec.id,
        after={"opinion_ids": [o.id for o in opinions]},
    )
    return rec


def recommendation_actions(
    rec: VoterRecommendation, viewer: StaffPrincipal, council_session: CouncilSession
) -> list[str]:
    if not manages_session(viewer, council_session):
        return []
    state = VoterRecommendationState(rec.state)
    actions = []
    if state in MERGEABLE:
        actions.append("merge")
    if state in REFERABLE:
        actions.append("refer")
    return actions


async def refer_recommendation(
    session: AsyncSession,
    rec: VoterRecommendation,
    council_session: CouncilSession,
    data: ReferRequest,
    actor: StaffPrincipal,
) -> VoterRecommendation:
    """Send the recommendation to its agency as a referral (replies' workflow and deadlines)."""
    _require_manager(actor, council_session)
    state = VoterRecommendationState(rec.state)
    if state not in REFERABLE:
        raise StateConflict(
            msg("voters_recommendation_state", state=state),
            state=state,
            allowed_actions=recommendation_actions(rec, actor, council_session),
        )
    if data.agency_id is not None:
        await _check_agency(session, data.agency_id)
        rec.agency_id = data.agency_id
    elif rec.agency_id is None or state is VoterRecommendationState.declined:
        raise Invalid(msg("voters_agency_required"), field="agency_id")
    assert rec.agency_id is not None
    referral = await replies.create_referral(
        session,
        item_type=ITEM_TYPE,
        item_id=rec.id,
        item_kind=ItemKind.voter_recommendation,
        urgency=Urgency.normal,
        agency_id=rec.agency_id,
        unit_code=council_session.unit_code,
        title=rec.title,
        actor=actor,
        note=data.note,
    )
    rec.referral_id = referral.id
    rec.state = VoterRecommendationState.referred
    rec.referred_at = utcnow()
    rec.answered_at = rec.answer_outcome = rec.answer_summary = None
    _touch(rec)
    await session.flush()
    await record(
        session,
        actor=actor,
        action="voters.recommendation.referred",
        entity_type="voter_recommendation",
        entity_id=rec.id,
        after={"agency_id": rec.agency_id, "referral_id": referral.id},
    )
    return rec


async def list_recommendations(
    session: AsyncSession, session_id: uuid.UUID, viewer: StaffPrincipal
) -> list[VoterRecommendation]:
    council_session = await load_council_session(session, session_id, viewer)
    return await repository.list_recommendations(session, council_session.id)


async def recommendation_reads(
    session: AsyncSession, recs: Sequence[VoterRecommendation]
) -> list[RecommendationRead]:
    rows = await repository.sources(session, [r.id for r in recs])
    by_rec: dict[uuid.UUID, list[Source]] = {}
    for row in rows:
        assert row.recommendation_id is not None
        by_rec.setdefault(row.recommendation_id, []).append(
            Source(
                opinion_id=row.opinion_id,
                meeting_id=row.meeting_id,
                unit_code=row.unit_code,
                unit_name=row.unit_name,
                held_on=row.held_on,
                voters_count=row.voters_count,
                text=row.text,
            )
        )
    reads = []
    for rec in recs:
        sources = by_rec.get(rec.id, [])
        reads.append(
            RecommendationRead(
                id=rec.id,
                council_session_id=rec.council_session_id,
                title=rec.title,
                text=rec.text,
                agency_id=rec.agency_id,
                state=VoterRecommendationState(rec.state),
                referral_id=rec.referral_id,
                referred_at=rec.referred_at,
                answered_at=rec.answered_at,
                answer_outcome=rec.answer_outcome,
                answer_summary=rec.answer_summary,
                sources=sources,
                meetings=len({s.meeting_id for s in sources}),
                voters_total=sum(s.voters_count for s in sources),
                version=rec.version,
            )
        )
    return reads


# -- following the referral ------------------------------------------------------------------


async def apply_referral_event(session: AsyncSession, event: ReferralEvent) -> None:
    """Mirror what happened to a recommendation's referral, in the same transaction."""
    if event.item_type != ITEM_TYPE:
        return
    rec = await repository.get_recommendation(session, event.item_id, for_update=True)
    if rec is None or rec.referral_id != event.referral_id:
        return
    state = VoterRecommendationState(rec.state)
    new_state = state
    data = event.data
    if event.name == events.ACKNOWLEDGED:
        if state in OPEN_STATES:
            new_state = VoterRecommendationState.acknowledged
    elif event.name == events.DECLINED:
        new_state = VoterRecommendationState.declined
    elif event.name == events.EXTENSION_GRANTED:
        if state is VoterRecommendationState.overdue:
            new_state = VoterRecommendationState.acknowledged
    elif event.name == events.ANSWER_PUBLISHED:
        new_state = VoterRecommendationState.answered
        rec.answered_at = utcnow()
        outcome = data.get("outcome")
        rec.answer_outcome = str(outcome) if outcome else None
        summary = data.get("summary")
        rec.answer_summary = str(summary) if summary is not None else None
    elif event.name == events.REOPENED:
        new_state = VoterRecommendationState.acknowledged
        rec.answered_at = rec.answer_outcome = rec.answer_summary = None
    elif event.name == events.OVERDUE:
        if state in (VoterRecommendationState.referred, VoterRecommendationState.acknowledged):
            new_state = VoterRecommendationState.overdue
    elif event.name == events.ESCALATED:
        new_referral = data.get("new_referral_id")
        new_agency = data.get("new_agency_id")
        if new_referral and new_agency:
            rec.referral_id = uuid.UUID(str(new_referral))
            rec.agency_id = uuid.UUID(str(new_agency))
            new_state = VoterRecommendationState.referred
    elif event.name == events.CANCELLED:
        if state is not VoterRecommendationState.answered:
            new_state = VoterRecommendationState.withdrawn
    else:
        return
    before = {"state": state}
    rec.state = new_state
    _touch(rec)
    await session.flush()
    await record(
        session,
        actor=event.actor,
        action=f"voters.recommendation.{event.name.removeprefix('referral.')}",
        entity_type="voter_recommendation",
        entity_id=rec.id,
        before=before,
        after={"state": new_state, "referral_id": event.referral_id},
    )
