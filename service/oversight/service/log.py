"""The session log: append-only entries with a per-session sequence, the reconnect cursor,
and the seal (manifest) with its verification.

Ordering under concurrency: a writer first locks the session row (``SELECT ... FOR
UPDATE``), then takes ``log_seq + 1`` with ``UPDATE ... RETURNING``. The lock is held until
the writer's transaction ends, so writers of one session queue, every committed entry gets
the next number, nothing is lost, and entries become visible in ``seq`` order: a reader
that saw ``seq`` n never later finds a new entry below n (the cursor is safe). A writer
that rolls back releases its number with its lock. Closing takes the same lock, so no
entry lands after the close. Writers of different sessions never wait for each other.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.errors import Invalid, NotFound, StateConflict
from service.i18n import msg
from service.oversight import manifest as manifests
from service.oversight import repository
from service.oversight.models import LogEntry, SessionState, SupervisionSession
from service.oversight.schemas import EntryCreate
from service.oversight.service.sessions import (
    SESSION,
    SESSION_AUDIT,
    load_for_step,
    load_session,
    session_snapshot,
)
from service.oversight.workflow import SessionAction, allowed_session_actions
from service.storage.store import ObjectNotFound, ObjectStore

SEALED_ACTION = "oversight.session.sealed"


async def append_entry(
    session: AsyncSession, session_id: uuid.UUID, data: EntryCreate, actor: StaffPrincipal
) -> tuple[LogEntry, bool]:
    """Add an entry to an open session's log. Returns (entry, created); ``created`` is False
    when ``client_ref`` names an entry this session already has (a retried write)."""
    supervision_session, _, access = await load_session(session, session_id, actor)
    access.require_member(msg("what_write_log"))
    state = await repository.lock_session_state(session, supervision_session.id)
    if state is not SessionState.open:
        assert state is not None
        raise StateConflict(
            msg("session_log_closed"),
            state=state,
            allowed_actions=allowed_session_actions(state),
        )
    if data.client_ref is not None:
        existing = await repository.entry_by_client_ref(
            session, supervision_session.id, data.client_ref
        )
        if existing is not None:
            return existing, False
    if data.corrects_entry_id is not None:
        target = await repository.get_entry(session, data.corrects_entry_id)
        if target is None or target.session_id != supervision_session.id:
            raise Invalid(msg("correction_other_session"), field="corrects_entry_id")
    speaker_name, speaker_organisation = data.speaker_name, data.speaker_organisation
    speaker_user_id = data.speaker_user_id
    if speaker_user_id is None and speaker_name is None:
        speaker_user_id = actor.user_id
    if speaker_user_id is not None:
        users = await repository.users_by_id(session, [speaker_user_id])
        if speaker_user_id not in users:
            raise Invalid(msg("speaker_unknown"), field="speaker_user_id")
        speaker_name = speaker_name or users[speaker_user_id].full_name
    assert speaker_name is not None
    seq = await repository.take_next_seq(session, supervision_session.id)
    # The entry's own fields as sent; the speaker as resolved above.
    as_sent = data.model_dump(include={"kind", "text", "corrects_entry_id", "client_ref"})
    entry = LogEntry(
        session_id=supervision_session.id,
        seq=seq,
        **as_sent,
        speaker_user_id=speaker_user_id,
        speaker_name=speaker_name,
        speaker_organisation=speaker_organisation,
        author_id=actor.user_id,
        created_at=utcnow(),
    )
    session.add(entry)
    await session.flush()
    return entry, True


async def read_log(
    session: AsyncSession,
    session_id: uuid.UUID,
    viewer: StaffPrincipal,
    *,
    after: int = 0,
    limit: int = 200,
) -> tuple[SupervisionSession, list[LogEntry], bool]:
    """Entries after the cursor, in order; the flag says whether more follow."""
    supervision_session, _, _ = await load_session(session, session_id, viewer)
    entries = await repository.log_entries(
        session, supervision_session.id, after=after, limit=limit + 1
    )
    return supervision_session, entries[:limit], len(entries) > limit


# -- seal ------------------------------------------------------------------------------------


async def entries_after(
    db: AsyncSession, session_id: uuid.UUID, after: int, limit: int = 200
) -> tuple[list[LogEntry], SessionState | None]:
    """For a live view (the caller was authorised when it connected): the entries after
    ``after`` and the session's state now (None if it no longer exists)."""
    entries = await repository.log_entries(db, session_id, after=after, limit=limit)
    supervision_session = await repository.get_session(db, session_id)
    state = SessionState(supervision_session.state) if supervision_session else None
    return entries, state


async def current_manifest(
    session: AsyncSession, supervision_session: SupervisionSession
) -> dict[str, Any]:
    entries = [e async for e in repository.stream_log_entries(session, supervision_session.id)]
    attendance = await repository.attendance_for_session(session, supervision_session.id)
    evidence = await repository.session_evidence(session, supervision_session.id)
    return manifests.build_manifest(
        session_id=supervision_session.id,
        plan_id=supervision_session.plan_id,
        entries=entries,
        attendance=attendance,
        evidence=evidence,
    )


async def seal_session(
    session: AsyncSession, session_id: uuid.UUID, actor: StaffPrincipal
) -> SupervisionSession:
    """Compute and store the manifest of a closed session. After this nothing of the
    session changes: no entries, attendance or evidence (and the database refuses a change
    of the seal itself)."""
    supervision_session, _, _ = await load_for_step(
        session, session_id, actor, SessionAction.seal, conflict=msg("seal_not_closed")
    )
    before = session_snapshot(supervision_session)
    manifest = await current_manifest(session, supervision_session)
    supervision_session.manifest = manifest
    supervision_session.manifest_sha256 = manifests.manifest_hash(manifest)
    supervision_session.sealed_at = utcnow()
    supervision_session.sealed_by = actor.user_id
    supervision_session.state = SessionState.sealed
    # The audit log is hash-chained: the seal's hash recorded there is a second witness.
    return await SESSION_AUDIT.changed(
        session,
        actor,
        supervision_session,
        SEALED_ACTION,
        before,
        manifest_sha256=supervision_session.manifest_sha256,
        entries_root=manifest["entries_root"],
        evidence_root=manifest["evidence_root"],
    )


async def _audited_seal(session: AsyncSession, session_id: uuid.UUID) -> str | None:
    """The seal's hash as the (hash-chained) audit log recorded it when the session was sealed."""
    after = await repository.latest_audit_after(session, SESSION, session_id, SEALED_ACTION)
    if not isinstance(after, dict):
        return None
    value = after.get("manifest_sha256")
    return value if isinstance(value, str) else None


async def rehash_object(store: ObjectStore, key: str) -> str | None:
    """The SHA-256 of the object's bytes as stored now (None when it is gone)."""
    digest = hashlib.sha256()
    try:
        stream = await store.open(key)
    except ObjectNotFound:
        return None
    async for chunk in stream:
        digest.update(chunk)
    return digest.hexdigest()


async def verify_session(
    session: AsyncSession,
    session_id: uuid.UUID,
    viewer: StaffPrincipal,
    *,
    store: ObjectStore | None = None,
) -> tuple[manifests.Verification, list[uuid.UUID] | None]:
    """Recompute the manifest from the rows as they are now and compare it with the seal.
    With ``store``, also re-read every evidence object and check its bytes (deep)."""
    supervision_session, _, _ = await load_session(session, session_id, viewer)
    if (
        supervision_session.state != SessionState.sealed
        or supervision_session.manifest is None
        or not supervision_session.manifest_sha256
    ):
        raise StateConflict(
            msg("session_not_sealed"),
            state=supervision_session.state,
            allowed_actions=allowed_session_actions(SessionState(supervision_session.state)),
        )
    return await check_seal(session, supervision_session, store=store)


async def check_seal(
    session: AsyncSession,
    supervision_session: SupervisionSession,
    *,
    store: ObjectStore | None = None,
) -> tuple[manifests.Verification, list[uuid.UUID] | None]:
    """The verification itself, for a sealed session already loaded (and authorised): the
    verify route and every report that prints a seal run this same check."""
    assert supervision_session.manifest is not None
    assert supervision_session.manifest_sha256 is not None
    current = await current_manifest(session, supervision_session)
    result = manifests.compare(
        supervision_session.manifest,
        supervision_session.manifest_sha256,
        current,
        audit_sha256=await _audited_seal(session, supervision_session.id),
    )
    corrupted: list[uuid.UUID] | None = None
    if store is not None:
        corrupted = []
        for evidence, _ in await repository.session_evidence(session, supervision_session.id):
            if await rehash_object(store, evidence.object_key) != evidence.sha256:
                corrupted.append(evidence.id)
        if corrupted:
            result.ok = False
            if "evidence_objects" not in result.differing_parts:
                result.differing_parts.append("evidence_objects")
    return result, corrupted


async def get_manifest(
    session: AsyncSession, session_id: uuid.UUID, viewer: StaffPrincipal
) -> SupervisionSession:
    supervision_session, _, _ = await load_session(session, session_id, viewer)
    if supervision_session.state != SessionState.sealed:
        raise NotFound(msg("session_no_manifest"))
    return supervision_session
