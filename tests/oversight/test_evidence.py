"""Evidence of a supervision: direct streamed upload and presigned multipart upload (real
S3 endpoint), who may attach and see it, the chain of custody, and no deletion."""

import hashlib
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from service.oversight.models import SupervisionPlan, SupervisionSession
from tests.factories import login
from tests.oversight.conftest import World, approved_plan, open_session, write
from tests.storage.samples import MIB, exe, jpeg, mp4, pdf


async def _running(
    session: AsyncSession, world: World
) -> tuple[SupervisionPlan, SupervisionSession]:
    plan = await approved_plan(session, world)
    return plan, await open_session(session, world, plan)


class TestDirectUpload:
    async def test_a_member_uploads_a_photo_with_time_and_place(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan, _ = await _running(session, world)
        photo = jpeg(50_000)
        response = await client.post(
            f"/api/v1/oversight/plans/{plan.id}/evidence",
            params={
                "filename": "Công trình sai phép.jpg",
                "captured_at": "2026-04-02T09:30:00",  # no zone: Vietnamese local time
                "lat": 21.0287,
                "lon": 105.8523,
                "description": "Ảnh chụp hiện trạng",
            },
            content=photo,
            headers=await logins(world.member),
        )
        assert response.status_code == 201, response.text
        item = response.json()
        assert item["sha256"] == hashlib.sha256(photo).hexdigest()
        assert item["size_bytes"] == len(photo)
        assert item["content_type"] == "image/jpeg"
        assert item["name"] == "Công trình sai phép.jpg"
        captured = datetime.fromisoformat(item["captured_at"])
        assert captured == datetime(2026, 4, 2, 2, 30, tzinfo=UTC)
        assert (item["latitude"], item["longitude"]) == (21.0287, 105.8523)
        assert item["uploaded_by_user_id"] == str(world.member.id)
        assert item["session_id"] is None

    async def test_evidence_on_a_session_and_on_a_log_entry(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan, supervision_session = await _running(session, world)
        entry = await write(session, world, supervision_session, "Biên bản kiểm tra hiện trường")
        headers = await logins(world.secretary)
        on_session = await client.post(
            f"/api/v1/oversight/sessions/{supervision_session.id}/evidence",
            params={"filename": "bao-cao.pdf"},
            content=pdf(),
            headers=headers,
        )
        on_entry = await client.post(
            f"/api/v1/oversight/sessions/{supervision_session.id}/log/{entry.id}/evidence",
            headers={**headers, "Content-Disposition": 'attachment; filename="anh.jpg"'},
            content=jpeg(),
        )
        assert (on_session.status_code, on_entry.status_code) == (201, 201)
        assert on_entry.json()["log_entry_id"] == str(entry.id)
        assert on_entry.json()["name"] == "anh.jpg"
        session_items = (
            await client.get(
                f"/api/v1/oversight/sessions/{supervision_session.id}/evidence", headers=headers
            )
        ).json()
        assert {i["name"] for i in session_items} == {"bao-cao.pdf", "anh.jpg"}
        plan_items = (
            await client.get(f"/api/v1/oversight/plans/{plan.id}/evidence", headers=headers)
        ).json()
        assert len(plan_items) == 2

    async def test_a_refused_type_is_415_and_nothing_is_attached(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan, _ = await _running(session, world)
        headers = await logins(world.member)
        response = await client.post(
            f"/api/v1/oversight/plans/{plan.id}/evidence",
            params={"filename": "anh.jpg"},
            content=exe(),
            headers=headers,
        )
        assert response.status_code == 415
        listed = await client.get(f"/api/v1/oversight/plans/{plan.id}/evidence", headers=headers)
        assert listed.json() == []

    async def test_who_may_attach(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan, _ = await _running(session, world)
        url = f"/api/v1/oversight/plans/{plan.id}/evidence"
        expected = {
            "outsider": 404,  # a supervisor outside the plan does not see it
            "other_ward_officer": 404,
            "ward_officer": 403,  # sees the plan, is not a member
            "agency_officer": 403,  # not an oversight role at all
            "council_reader": 403,
        }
        for name, status in expected.items():
            response = await client.post(
                url,
                params={"filename": "a.jpg"},
                content=jpeg(),
                headers=await logins(getattr(world, name)),
            )
            assert response.status_code == status, (name, response.text)


class TestCustody:
    async def test_every_view_and_download_is_logged(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan, _ = await _running(session, world)
        uploaded = await client.post(
            f"/api/v1/oversight/plans/{plan.id}/evidence",
            params={"filename": "ghi-am.jpg"},
            content=jpeg(),
            headers=await logins(world.member),
        )
        evidence_id = uploaded.json()["evidence_id"]
        base = f"/api/v1/oversight/evidence/{evidence_id}"
        viewed = await client.get(base, headers=await logins(world.ward_officer))
        assert viewed.status_code == 200
        download = await client.get(f"{base}/download", headers=await logins(world.head))
        assert download.status_code == 307
        fetched = await client.get(download.headers["location"])
        assert fetched.status_code == 200
        assert hashlib.sha256(fetched.content).hexdigest() == uploaded.json()["sha256"]
        # An outsider's attempt is refused and leaves no trace of access.
        assert (await client.get(base, headers=await logins(world.outsider))).status_code == 404

        custody = await client.get(f"{base}/custody", headers=await logins(world.secretary))
        assert custody.status_code == 200
        entries = [(e["action"], e["actor_user_id"]) for e in custody.json()]
        assert entries == [
            ("upload", str(world.member.id)),
            ("view", str(world.ward_officer.id)),
            ("download", str(world.head.id)),
        ]

    async def test_evidence_is_never_unlinked_or_deleted_by_users(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan, _ = await _running(session, world)
        uploaded = await client.post(
            f"/api/v1/oversight/plans/{plan.id}/evidence",
            params={"filename": "a.pdf"},
            content=pdf(),
            headers=await logins(world.member),
        )
        evidence_id = uploaded.json()["evidence_id"]
        response = await client.delete(
            f"/api/v1/oversight/evidence/{evidence_id}", headers=await logins(world.admin)
        )
        assert response.status_code == 405
        with pytest.raises(DBAPIError, match="never changed or removed"):
            async with session.begin_nested():
                await session.execute(
                    text("DELETE FROM supervision_evidence WHERE evidence_id = :id"),
                    {"id": evidence_id},
                )


class TestMultipartOnS3:
    async def test_a_large_recording_by_presigned_parts_with_a_hash_check(
        self, s3_client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        plan, supervision_session = await _running(session, world)
        headers = await login(s3_client, world.secretary)
        video = mp4(9 * MIB)  # two parts: 8 MiB and 1 MiB
        started = await s3_client.post(
            f"/api/v1/oversight/plans/{plan.id}/evidence/multipart",
            json={
                "filename": "phien-giam-sat.mp4",
                "size": len(video),
                "sha256": hashlib.sha256(video).hexdigest(),
                "content_type": "video/mp4",
                "captured_at": "2026-04-02T09:00:00+07:00",
                "session_id": str(supervision_session.id),
            },
            headers=headers,
        )
        assert started.status_code == 201, started.text
        body = started.json()
        assert len(body["parts"]) == 2
        assert body["evidence"]["status"] == "pending_upload"
        # Not listed until verified.
        listed = await s3_client.get(
            f"/api/v1/oversight/sessions/{supervision_session.id}/evidence", headers=headers
        )
        assert listed.json() == []

        parts = []
        async with httpx.AsyncClient(timeout=60) as network:
            for part in body["parts"]:
                chunk = video[part["offset"] : part["offset"] + part["length"]]
                put = await network.put(part["url"], content=chunk)
                assert put.status_code == 200, put.text
                parts.append({"part_number": part["part_number"], "etag": put.headers["etag"]})
        evidence_id = body["evidence"]["evidence_id"]
        done = await s3_client.post(
            f"/api/v1/oversight/evidence/{evidence_id}/complete",
            json={"parts": parts},
            headers=headers,
        )
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "stored"
        assert done.json()["session_id"] == str(supervision_session.id)
        listed = await s3_client.get(
            f"/api/v1/oversight/sessions/{supervision_session.id}/evidence", headers=headers
        )
        assert [i["name"] for i in listed.json()] == ["phien-giam-sat.mp4"]

    async def test_bytes_that_do_not_match_the_declared_hash_are_refused(
        self, s3_client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        plan, _ = await _running(session, world)
        headers = await login(s3_client, world.member)
        video = mp4(200_000)
        started = await s3_client.post(
            f"/api/v1/oversight/plans/{plan.id}/evidence/multipart",
            json={
                "filename": "clip.mp4",
                "size": len(video),
                "sha256": hashlib.sha256(b"something else").hexdigest(),
                "content_type": "video/mp4",
            },
            headers=headers,
        )
        assert started.status_code == 201, started.text
        [part] = started.json()["parts"]
        async with httpx.AsyncClient(timeout=60) as network:
            assert (await network.put(part["url"], content=video)).status_code == 200
        evidence_id = started.json()["evidence"]["evidence_id"]
        done = await s3_client.post(
            f"/api/v1/oversight/evidence/{evidence_id}/complete", json={}, headers=headers
        )
        assert done.status_code == 422
        assert {e["field"] for e in done.json()["errors"]} == {"sha256"}
        listed = await s3_client.get(f"/api/v1/oversight/plans/{plan.id}/evidence", headers=headers)
        assert listed.json() == []

    async def test_only_the_uploader_who_may_attach_completes(
        self, s3_client: httpx.AsyncClient, session: AsyncSession, world: World
    ) -> None:
        plan, _ = await _running(session, world)
        video = mp4(100_000)
        started = await s3_client.post(
            f"/api/v1/oversight/plans/{plan.id}/evidence/multipart",
            json={
                "filename": "clip.mp4",
                "size": len(video),
                "sha256": hashlib.sha256(video).hexdigest(),
                "content_type": "video/mp4",
            },
            headers=await login(s3_client, world.member),
        )
        evidence_id = started.json()["evidence"]["evidence_id"]
        outsider = await s3_client.post(
            f"/api/v1/oversight/evidence/{evidence_id}/complete",
            json={},
            headers=await login(s3_client, world.outsider),
        )
        assert outsider.status_code == 404
