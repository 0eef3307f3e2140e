"""The evidence API: streamed upload, metadata, download redirect, custody, withdrawal,
multipart (on S3), and problem+json errors."""

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.settings import Settings
from service.storage import sniff
from tests.factories import create_agency, create_api_client, create_user, login
from tests.storage import samples
from tests.storage.conftest import ClientFor, Fetch

PROBLEM = "application/problem+json"


async def body(data: bytes, chunk: int = 32 * 1024) -> AsyncIterator[bytes]:
    for piece in samples.chunked(data, chunk):
        yield piece


@pytest.fixture
async def officer(session: AsyncSession, admin: StaffUser) -> StaffUser:
    return await create_user(session, Role.front_officer)


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], data: bytes, name: str = "ảnh.jpg"
) -> httpx.Response:
    return await client.post(
        "/api/v1/evidence", params={"filename": name}, content=body(data), headers=headers
    )


class TestUpload:
    async def test_streamed_upload_returns_the_metadata(
        self, client: httpx.AsyncClient, officer: StaffUser
    ) -> None:
        headers = await login(client, officer)
        data = samples.jpeg(400_000)
        response = await client.post(
            "/api/v1/evidence",
            params={
                "filename": "Ngập nước phố Huế.jpg",
                "captured_at": "2026-09-02T07:15:00",
                "lat": "21.0122",
                "lon": "105.8516",
            },
            content=body(data),
            headers=headers,
        )
        assert response.status_code == 201, response.text
        evidence = response.json()
        assert evidence["sha256"] == hashlib.sha256(data).hexdigest()
        assert evidence["size_bytes"] == len(data)
        assert evidence["content_type"] == sniff.JPEG
        assert evidence["original_name"] == "Ngập nước phố Huế.jpg"
        assert evidence["status"] == "stored"
        assert evidence["uploaded_by_user_id"] == str(officer.id)
        # A time without a zone is Hanoi time.
        captured = datetime.fromisoformat(evidence["captured_at"])
        assert captured == datetime(2026, 9, 2, 0, 15, tzinfo=UTC)
        assert evidence["latitude"] == pytest.approx(21.0122)
        assert "object_key" not in evidence

    async def test_the_name_can_come_from_content_disposition(
        self, client: httpx.AsyncClient, officer: StaffUser
    ) -> None:
        headers = await login(client, officer)
        disposition = f"attachment; filename*=UTF-8''{quote('Biên bản làm việc.pdf')}"
        response = await client.post(
            "/api/v1/evidence",
            content=body(samples.pdf()),
            headers={**headers, "Content-Disposition": disposition},
        )
        assert response.status_code == 201, response.text
        assert response.json()["original_name"] == "Biên bản làm việc.pdf"

    async def test_an_executable_named_pdf_is_415(
        self, client: httpx.AsyncClient, officer: StaffUser
    ) -> None:
        headers = await login(client, officer)
        response = await upload(client, headers, samples.exe(), "hoa-don.pdf")
        assert response.status_code == 415
        assert response.headers["content-type"].startswith(PROBLEM)
        problem = response.json()
        assert problem["type"].endswith("/unsupported-media-type")
        assert problem["detected_type"] == "application/x-msdownload"
        assert "pdf" in problem["accepted"]

    async def test_an_empty_body_is_422(
        self, client: httpx.AsyncClient, officer: StaffUser
    ) -> None:
        headers = await login(client, officer)
        response = await client.post("/api/v1/evidence?filename=a.pdf", headers=headers)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith(PROBLEM)

    async def test_above_the_limit_is_413(
        self, client_for: ClientFor, settings: Settings, officer: StaffUser
    ) -> None:
        small = await client_for(settings.model_copy(update={"max_upload_bytes": 100_000}))
        headers = await login(small, officer)
        streamed = await upload(small, headers, samples.jpeg(300_000))
        assert streamed.status_code == 413
        assert streamed.headers["content-type"].startswith(PROBLEM)
        assert streamed.json()["max_bytes"] == 100_000
        announced = await small.post(
            "/api/v1/evidence?filename=a.jpg", content=samples.jpeg(300_000), headers=headers
        )
        assert announced.status_code == 413

    async def test_the_upload_limit_is_not_the_json_body_limit(
        self, client_for: ClientFor, settings: Settings, officer: StaffUser
    ) -> None:
        roomy = await client_for(settings.model_copy(update={"max_request_body_bytes": 10_000}))
        headers = await login(roomy, officer)
        response = await upload(roomy, headers, samples.png(500_000), "so-do.png")
        assert response.status_code == 201, response.text

    async def test_staff_only(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        anonymous = await upload(client, {}, samples.jpeg())
        assert anonymous.status_code == 401
        _, key = await create_api_client(session)
        as_app = await upload(client, {"X-API-Key": key}, samples.jpeg())
        assert as_app.status_code == 403


class TestReading:
    async def test_metadata_download_and_custody(
        self,
        client: httpx.AsyncClient,
        fetch: Fetch,
        session: AsyncSession,
        officer: StaffUser,
    ) -> None:
        headers = await login(client, officer)
        data = samples.pdf(120_000)
        evidence = (await upload(client, headers, data, "to-trinh.pdf")).json()

        assert (await client.get(f"/api/v1/evidence/{evidence['id']}", headers=headers)).json()[
            "sha256"
        ] == evidence["sha256"]
        redirect = await client.get(f"/api/v1/evidence/{evidence['id']}/download", headers=headers)
        assert redirect.status_code == 307
        downloaded = await fetch("GET", redirect.headers["location"])
        assert downloaded.status_code == 200
        assert downloaded.content == data

        admin = await create_user(session, Role.admin)
        custody = await client.get(
            f"/api/v1/evidence/{evidence['id']}/custody", headers=await login(client, admin)
        )
        assert custody.status_code == 200
        entries = custody.json()
        assert [e["action"] for e in entries] == ["upload", "view", "download"]
        assert all(e["actor_user_id"] == str(officer.id) for e in entries)
        assert all(e["request_id"] for e in entries)

        forbidden = await client.get(f"/api/v1/evidence/{evidence['id']}/custody", headers=headers)
        assert forbidden.status_code == 403

    async def test_who_may_see_evidence(
        self, client: httpx.AsyncClient, session: AsyncSession, officer: StaffUser
    ) -> None:
        agency = await create_agency(session)
        agency_officer = await create_user(session, Role.agency_officer, agency=agency)
        own_headers = await login(client, agency_officer)
        own = (await upload(client, own_headers, samples.jpeg())).json()
        assert (
            await client.get(f"/api/v1/evidence/{own['id']}", headers=own_headers)
        ).status_code == 200

        someone_elses = (await upload(client, await login(client, officer), samples.png())).json()
        for path in ("", "/download"):
            hidden = await client.get(
                f"/api/v1/evidence/{someone_elses['id']}{path}", headers=own_headers
            )
            assert hidden.status_code == 404
            assert hidden.headers["content-type"].startswith(PROBLEM)
        # Front officers and supervisors of another ward, and council readers, reach evidence
        # only through the petition or supervision that holds it.
        for role in (Role.council_reader, Role.supervisor, Role.front_officer):
            other = await create_user(session, role)
            hidden = await client.get(
                f"/api/v1/evidence/{someone_elses['id']}", headers=await login(client, other)
            )
            assert hidden.status_code == 404, role

    async def test_unknown_and_malformed_ids(
        self, client: httpx.AsyncClient, officer: StaffUser
    ) -> None:
        headers = await login(client, officer)
        missing = await client.get(
            "/api/v1/evidence/00000000-0000-0000-0000-000000000000", headers=headers
        )
        assert missing.status_code == 404
        malformed = await client.get("/api/v1/evidence/not-a-uuid", headers=headers)
        assert 400 <= malformed.status_code < 500


class TestWithdrawal:
    async def test_admin_withdraws_with_a_reason(
        self, client: httpx.AsyncClient, officer: StaffUser, admin: StaffUser
    ) -> None:
        headers = await login(client, officer)
        evidence = (await upload(client, headers, samples.jpeg())).json()
        path = f"/api/v1/evidence/{evidence['id']}"

        not_admin = await client.post(f"{path}/withdraw", json={"reason": "nhầm"}, headers=headers)
        assert not_admin.status_code == 403
        admin_headers = await login(client, admin)
        no_reason = await client.post(f"{path}/withdraw", json={}, headers=admin_headers)
        assert no_reason.status_code == 422
        assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]

        done = await client.post(
            f"{path}/withdraw", json={"reason": "Tải nhầm tệp"}, headers=admin_headers
        )
        assert done.status_code == 200
        assert done.json()["withdrawn_reason"] == "Tải nhầm tệp"
        again = await client.post(
            f"{path}/withdraw", json={"reason": "Tải nhầm tệp"}, headers=admin_headers
        )
        assert again.status_code == 409

        still_there = await client.get(path, headers=headers)
        assert still_there.status_code == 200
        assert still_there.json()["withdrawn_at"] is not None
        blocked = await client.get(f"{path}/download", headers=headers)
        assert blocked.status_code == 409
        assert (await client.get(f"{path}/download", headers=admin_headers)).status_code == 307


class TestOnS3:
    async def test_ready_checks_the_object_store(
        self, client: httpx.AsyncClient, client_for: ClientFor, s3_settings: Settings
    ) -> None:
        assert (await client.get("/ready")).json()["checks"]["object_store"] == "ok"
        s3 = await client_for(s3_settings)
        assert (await s3.get("/ready")).json()["checks"]["object_store"] == "ok"

    async def test_an_unreachable_store_makes_the_app_unready_not_dead(
        self, client_for: ClientFor, s3_settings: Settings
    ) -> None:
        dead = await client_for(s3_settings.model_copy(update={"s3_endpoint": "127.0.0.1:9"}))
        assert (await dead.get("/health")).status_code == 200
        ready = await dead.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"]["object_store"].startswith("unavailable")

    async def test_streamed_upload_and_presigned_download(
        self, client_for: ClientFor, s3_settings: Settings, officer: StaffUser
    ) -> None:
        s3 = await client_for(s3_settings)
        headers = await login(s3, officer)
        data = samples.iso_media(b"M4A ", (b"M4A ", b"isom"), 700_000)
        created = await upload(s3, headers, data, "ghi âm buổi tiếp dân.m4a")
        assert created.status_code == 201, created.text
        assert created.json()["content_type"] == sniff.M4A
        redirect = await s3.get(
            f"/api/v1/evidence/{created.json()['id']}/download", headers=headers
        )
        assert redirect.status_code == 307
        location = redirect.headers["location"]
        assert location.startswith(f"http://{s3_settings.s3_endpoint}/{s3_settings.s3_bucket}/")
        async with httpx.AsyncClient() as network:
            downloaded = await network.get(location)
        assert downloaded.content == data
        assert downloaded.headers["content-type"] == sniff.M4A

    async def test_multipart_upload_through_presigned_part_urls(
        self, client_for: ClientFor, s3_settings: Settings, officer: StaffUser
    ) -> None:
        s3 = await client_for(s3_settings)
        headers = await login(s3, officer)
        data = samples.mp4(9 * samples.MIB)
        started = await s3.post(
            "/api/v1/evidence/multipart",
            json={
                "filename": "Phiên giám sát 12.mp4",
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "content_type": "video/mp4",
                "captured_at": "2026-10-01T09:00:00+07:00",
            },
            headers=headers,
        )
        assert started.status_code == 201, started.text
        plan = started.json()
        assert plan["evidence"]["status"] == "pending_upload"
        assert plan["part_size"] == 8 * samples.MIB
        parts = []
        async with httpx.AsyncClient(timeout=60) as network:
            for part in plan["parts"]:
                piece = data[part["offset"] : part["offset"] + part["length"]]
                put = await network.put(part["url"], content=piece)
                assert put.status_code == 200
                parts.append({"part_number": part["part_number"], "etag": put.headers["etag"]})
        evidence_id = plan["evidence"]["id"]
        done = await s3.post(
            f"/api/v1/evidence/{evidence_id}/complete", json={"parts": parts}, headers=headers
        )
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "stored"
        assert done.json()["size_bytes"] == len(data)
        again = await s3.post(f"/api/v1/evidence/{evidence_id}/complete", json={}, headers=headers)
        assert again.status_code == 409

    async def test_multipart_with_a_wrong_hash_is_422(
        self, client_for: ClientFor, s3_settings: Settings, officer: StaffUser
    ) -> None:
        s3 = await client_for(s3_settings)
        headers = await login(s3, officer)
        data = samples.pdf(300_000)
        started = await s3.post(
            "/api/v1/evidence/multipart",
            json={
                "filename": "a.pdf",
                "size": len(data),
                "sha256": hashlib.sha256(b"something else").hexdigest(),
                "content_type": "application/pdf",
            },
            headers=headers,
        )
        plan = started.json()
        async with httpx.AsyncClient() as network:
            assert (await network.put(plan["parts"][0]["url"], content=data)).status_code == 200
        evidence_id = plan["evidence"]["id"]
        done = await s3.post(f"/api/v1/evidence/{evidence_id}/complete", json={}, headers=headers)
        assert done.status_code == 422
        assert done.headers["content-type"].startswith(PROBLEM)
        assert [e["field"] for e in done.json()["errors"]] == ["sha256"]
        after = await s3.get(f"/api/v1/evidence/{evidence_id}", headers=headers)
        assert after.json()["status"] == "pending_upload"

    async def test_local_object_routes_are_absent_on_s3(
        self, client_for: ClientFor, s3_settings: Settings
    ) -> None:
        s3 = await client_for(s3_settings)
        response = await s3.get("/api/v1/objects/sha256/aa/bb/x?expires=1&signature=x")
        assert response.status_code == 404


async def test_a_multipart_start_with_a_refused_type_is_415(
    client: httpx.AsyncClient, officer: StaffUser
) -> None:
    response = await client.post(
        "/api/v1/evidence/multipart",
        json={
            "filename": "a.exe",
            "size": 10,
            "sha256": "a" * 64,
            "content_type": "application/x-msdownload",
        },
        headers=await login(client, officer),
    )
    assert response.status_code == 415
    assert response.headers["content-type"].startswith(PROBLEM)
