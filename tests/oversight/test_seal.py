"""Closing and sealing a session: the manifest, its verification, and tamper detection
(the test bypasses the append-only trigger the way an attacker with database access would)."""

import hashlib
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import StateConflict
from service.oversight import manifest as manifests
from service.oversight import repository
from service.oversight import service as plans
from service.oversight.models import (
    Attendance,
    AttendanceStatus,
    EntryKind,
    LogEntry,
    SupervisionSession,
)
from service.oversight.schemas import AttendanceIn
from service.oversight.service import log as log_service
from service.settings import Settings
from service.storage.models import Evidence
from tests.oversight.conftest import World, approved_plan, open_session, write
from tests.storage.samples import jpeg


async def _tamper(session: AsyncSession, statement: str, **params: Any) -> None:
    """Change a row behind the application's back, with triggers switched off."""
    await session.execute(text("SET LOCAL session_replication_role = replica"))
    await session.execute(text(statement), params)
    await session.execute(text("SET LOCAL session_replication_role = origin"))
    # Forget the cached rows the statement may have changed (a new request would not have them).
    for instance in list(session.identity_map.values()):
        if isinstance(instance, LogEntry | Attendance | Evidence | SupervisionSession):
            session.expire(instance)


async def _sealed_session(
    session: AsyncSession, world: World, client: httpx.AsyncClient, logins: Any
) -> SupervisionSession:
    plan = await approved_plan(session, world)
    supervision_session = await open_session(session, world, plan)
    await plans.record_attendance(
        session,
        supervision_session.id,
        [
            AttendanceIn(user_id=world.head.id, capacity="Trưởng đoàn", status="attended"),
            AttendanceIn(
                name="Lê Văn C",
                organisation="UBND phường",
                capacity="Chủ tịch UBND phường",
                status=AttendanceStatus.attended,
            ),
        ],
        world.p("secretary"),
    )
    first = await write(session, world, supervision_session, "UBND phường báo cáo kết quả")
    await write(
        session, world, supervision_session, "Vì sao 5 vụ chưa xử lý?", kind=EntryKind.question
    )
    await write(
        session,
        world,
        supervision_session,
        "Sửa: 6 vụ",
        kind=EntryKind.correction,
        corrects_entry_id=first.id,
        by="member",
    )
    upload = await client.post(
        f"/api/v1/oversight/sessions/{supervision_session.id}/log/{first.id}/evidence",
        params={"filename": "bien-ban.jpg"},
        content=jpeg(),
        headers=await logins(world.secretary),
    )
    assert upload.status_code == 201, upload.text
    await plans.close_session(session, supervision_session.id, world.p("secretary"))
    return await log_service.seal_session(session, supervision_session.id, world.p("head"))


class TestSeal:
    async def test_sealing_stores_a_manifest_over_entries_attendance_and_evidence(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        supervision_session = await _sealed_session(session, world, client, logins)
        response = await client.get(
            f"/api/v1/oversight/sessions/{supervision_session.id}/manifest",
            headers=await logins(world.member),
        )
        assert response.status_code == 200
        body = response.json()
        manifest = body["manifest"]
        assert body["manifest_sha256"] == manifests.manifest_hash(manifest)
        assert [e["seq"] for e in manifest["entries"]] == [1, 2, 3]
        assert len(manifest["attendance"]) == 2
        assert len(manifest["evidence"]) == 1
        # Anyone holding the rows can recompute an entry's hash from its canonical JSON.
        entries = await repository.log_entries(session, supervision_session.id)
        canonical = manifests.canonical_json(manifests.entry_document(entries[0]))
        assert manifest["entries"][0]["sha256"] == hashlib.sha256(canonical).hexdigest()

        verify = await client.get(
            f"/api/v1/oversight/sessions/{supervision_session.id}/verify",
            headers=await logins(world.head),
        )
        assert verify.status_code == 200
        assert verify.json()["ok"] is True
        assert verify.json()["differing_parts"] == []

        seals = await client.get(
            f"/api/v1/oversight/plans/{supervision_session.plan_id}/manifests",
            headers=await logins(world.ward_officer),
        )
        assert [m["manifest_sha256"] for m in seals.json()] == [body["manifest_sha256"]]

    async def test_only_a_closed_session_is_sealed(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await approved_plan(session, world)
        supervision_session = await open_session(session, world, plan)
        with pytest.raises(StateConflict) as conflict:
            await log_service.seal_session(session, supervision_session.id, world.p("head"))
        assert conflict.value.extra["allowed_actions"] == ["close"]

    async def test_nothing_is_added_to_a_sealed_session(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        supervision_session = await _sealed_session(session, world, client, logins)
        headers = await logins(world.secretary)
        attendance = await client.post(
            f"/api/v1/oversight/sessions/{supervision_session.id}/attendance",
            json=[{"name": "Muộn", "capacity": "Khách", "status": "attended"}],
            headers=headers,
        )
        assert attendance.status_code == 409
        evidence = await client.post(
            f"/api/v1/oversight/sessions/{supervision_session.id}/evidence",
            params={"filename": "sau.jpg"},
            content=jpeg(),
            headers=headers,
        )
        assert evidence.status_code == 409
        entry = await client.post(
            f"/api/v1/oversight/sessions/{supervision_session.id}/log",
            json={"kind": "note", "text": "Sau khi niêm phong"},
            headers=headers,
        )
        assert entry.status_code == 409

    async def test_the_database_refuses_to_change_a_seal(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        supervision_session = await _sealed_session(session, world, client, logins)
        with pytest.raises(DBAPIError, match="cannot change"):
            async with session.begin_nested():
                await session.execute(
                    text("UPDATE supervision_session SET manifest_sha256 = :h WHERE id = :id"),
                    {"h": "0" * 64, "id": supervision_session.id},
                )


class TestTampering:
    async def test_an_edited_entry_is_found(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        supervision_session = await _sealed_session(session, world, client, logins)
        sid = supervision_session.id
        await _tamper(
            session,
            "UPDATE supervision_log_entry SET text = 'Không có vi phạm nào' "
            "WHERE session_id = :sid AND seq = 2",
            sid=sid,
        )
        response = await client.get(
            f"/api/v1/oversight/sessions/{sid}/verify", headers=await logins(world.head)
        )
        body = response.json()
        assert body["ok"] is False
        assert body["differing_parts"] == ["entries"]
        assert [e["seq"] for e in body["changed_entries"]] == [2]
        assert body["recomputed_sha256"] != body["stored_sha256"]

    async def test_a_deleted_entry_is_found(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        supervision_session = await _sealed_session(session, world, client, logins)
        sid = supervision_session.id
        await _tamper(
            session,
            "DELETE FROM supervision_log_entry WHERE session_id = :sid AND seq = 2",
            sid=sid,
        )
        result, _ = await log_service.verify_session(session, sid, world.p("member"))
        assert result.ok is False
        assert [e["seq"] for e in result.missing_entries] == [2]

    async def test_changed_attendance_and_evidence_hashes_are_found(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        supervision_session = await _sealed_session(session, world, client, logins)
        sid = supervision_session.id
        await _tamper(
            session,
            "UPDATE supervision_attendance SET status = 'absent', reason = 'x' "
            "WHERE session_id = :sid AND user_id IS NULL",
            sid=sid,
        )
        await _tamper(
            session,
            "UPDATE evidence SET sha256 = :h WHERE id IN "
            "(SELECT evidence_id FROM supervision_evidence WHERE session_id = :sid)",
            sid=sid,
            h="f" * 64,
        )
        result, _ = await log_service.verify_session(session, sid, world.p("head"))
        assert result.ok is False
        assert result.differing_parts == ["attendance", "evidence"]
        assert len(result.changed_attendance) == 1
        assert len(result.changed_evidence) == 1

    async def test_a_rewritten_manifest_is_found(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        """Rewriting entry, manifest and hash together is caught by the audit log's copy."""
        supervision_session = await _sealed_session(session, world, client, logins)
        sid = supervision_session.id
        await _tamper(
            session,
            "UPDATE supervision_log_entry SET text = 'Đã sửa lén' "
            "WHERE session_id = :sid AND seq = 1",
            sid=sid,
        )
        refreshed = await repository.get_session(session, sid)
        assert refreshed is not None
        forged = await log_service.current_manifest(session, refreshed)
        await _tamper(
            session,
            "UPDATE supervision_session SET manifest = CAST(:m AS jsonb), manifest_sha256 = :h "
            "WHERE id = :id",
            m=manifests.canonical_json(forged).decode(),
            h=manifests.manifest_hash(forged),
            id=sid,
        )
        result, _ = await log_service.verify_session(session, sid, world.p("head"))
        assert result.ok is False
        assert result.differing_parts == ["audit"]

    async def test_deep_verification_rereads_the_evidence_bytes(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        logins: Any,
        settings: Settings,
    ) -> None:
        supervision_session = await _sealed_session(session, world, client, logins)
        sid = supervision_session.id
        url = f"/api/v1/oversight/sessions/{sid}/verify"
        headers = await logins(world.head)
        deep = (await client.get(url, params={"deep": "true"}, headers=headers)).json()
        assert deep["ok"] is True
        assert deep["corrupted_objects"] == []
        [item] = await repository.session_evidence(session, sid)
        evidence = item[0]
        path = settings.objects_root / evidence.object_key
        original = path.read_bytes()
        try:
            path.write_bytes(b"\xff\xd8\xff" + b"0" * 100)
            broken = (await client.get(url, params={"deep": "true"}, headers=headers)).json()
        finally:
            path.write_bytes(original)
        assert broken["ok"] is False
        assert broken["corrupted_objects"] == [str(evidence.id)]
        assert "evidence_objects" in broken["differing_parts"]
