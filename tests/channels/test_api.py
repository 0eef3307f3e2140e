"""The channels API through HTTP on the real database: accounts (admin; tokens encrypted,
never answered), announcements and publications (Front officers, by area), retries, the
portal's list, and bad input as problem+json."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.auth.models import Role, StaffUser
from service.channels.models import ChannelAccount, Publication, PublicationStatus
from service.channels.service import decrypt_token
from service.db import utcnow
from service.directory.models import AdminUnit
from service.jobs.models import OutboxMessage
from service.settings import Settings
from service.storage.models import Evidence
from tests.channels.conftest import FB_TOKEN, PAGE_ID, ZALO_TOKEN
from tests.factories import BA_DINH, HOAN_KIEM, create_user, login

API = "/api/v1"


@pytest.fixture
async def ward_officer(session: AsyncSession, hanoi: AdminUnit) -> StaffUser:
    return await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)


@pytest.fixture
async def city_officer(session: AsyncSession, hanoi: AdminUnit) -> StaffUser:
    return await create_user(session, Role.front_officer)


async def create_announcement(
    client: httpx.AsyncClient, headers: dict[str, str], **body: object
) -> dict[str, object]:
    response = await client.post(
        f"{API}/announcements",
        headers=headers,
        json={
            "title": "Ngày chủ nhật xanh",
            "body": "Mời bà con tổ dân phố số 5 cùng dọn vệ sinh ngõ phố.",
            "target_units": [HOAN_KIEM],
            "target_groups": ["Tổ dân phố số 5"],
            **body,
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def outbox_jobs(session: AsyncSession) -> list[OutboxMessage]:
    rows = await session.execute(
        select(OutboxMessage).where(col(OutboxMessage.job_name) == "channels.publish")
    )
    return list(rows.scalars())


class TestAccounts:
    async def test_a_token_is_stored_encrypted_and_never_answered(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: StaffUser, settings: Settings
    ) -> None:
        headers = await login(client, admin)
        response = await client.put(
            f"{API}/admin/channel-accounts/{HOAN_KIEM}/facebook",
            headers=headers,
            json={"external_id": PAGE_ID, "token": FB_TOKEN},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert FB_TOKEN not in response.text
        assert body["token_set"] is True
        assert body["token_last4"] == FB_TOKEN[-4:]
        assert body["needs_token"] is False
        listed = await client.get(f"{API}/admin/channel-accounts", headers=headers)
        assert FB_TOKEN not in listed.text
        assert [a["channel"] for a in listed.json()] == ["facebook"]
        stored = (
            await session.execute(text("SELECT token_ciphertext FROM channel_account"))
        ).scalar_one()
        assert FB_TOKEN not in stored
        assert decrypt_token(settings, stored) == FB_TOKEN
        audit = (
            await session.execute(
                text("SELECT after::text FROM audit_event WHERE action = 'channel_account.set'")
            )
        ).scalar_one()
        assert FB_TOKEN not in audit

    async def test_changing_the_id_keeps_the_token_and_a_new_token_clears_needs_token(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: StaffUser, settings: Settings
    ) -> None:
        headers = await login(client, admin)
        path = f"{API}/admin/channel-accounts/{HOAN_KIEM}/zalo"
        await client.put(path, headers=headers, json={"external_id": "111", "token": ZALO_TOKEN})
        account = (await session.execute(select(ChannelAccount))).scalar_one()
        account.needs_token = True
        await session.flush()
        kept = await client.put(path, headers=headers, json={"external_id": "222"})
        assert kept.json()["external_id"] == "222"
        assert kept.json()["needs_token"] is True
        renewed = await client.put(
            path, headers=headers, json={"external_id": "222", "token": "a-new-zalo-token-0042"}
        )
        assert renewed.json() | {"updated_at": None} == {
            "unit_code": HOAN_KIEM,
            "channel": "zalo",
            "external_id": "222",
            "token_set": True,
            "token_last4": "0042",
            "needs_token": False,
            "updated_at": None,
        }

    async def test_bad_input(
        self, client: httpx.AsyncClient, admin: StaffUser, ward_officer: StaffUser
    ) -> None:
        headers = await login(client, admin)
        base = f"{API}/admin/channel-accounts"
        no_token = await client.put(
            f"{base}/{HOAN_KIEM}/zalo", headers=headers, json={"external_id": "1"}
        )
        assert no_token.status_code == 422
        assert no_token.headers["content-type"].startswith("application/problem+json")
        portal = await client.put(
            f"{base}/{HOAN_KIEM}/portal",
            headers=headers,
            json={"external_id": "1", "token": "x" * 10},
        )
        assert portal.status_code == 422
        # not http(s); a host that does not parse (it was stored, and crashed a URL parser
        # reading the answer); no host; a space inside
        for url in ("ftp://bot", "http://[", "https://", "https://bot example.vn/hook"):
            bad_url = await client.put(
                f"{base}/{HOAN_KIEM}/webhook",
                headers=headers,
                json={"external_id": url, "token": "x" * 10},
            )
            assert bad_url.status_code == 422, url
        unknown = await client.put(
            f"{base}/99999/zalo", headers=headers, json={"external_id": "1", "token": "x" * 10}
        )
        assert unknown.status_code == 422
        officer = await login(client, ward_officer)
        assert (await client.get(base, headers=officer)).status_code == 403


class TestAnnouncementsAndPublishing:
    async def test_publish_to_portal_and_zalo(
        self, client: httpx.AsyncClient, session: AsyncSession, ward_officer: StaffUser
    ) -> None:
        headers = await login(client, ward_officer)
        created = await create_announcement(client, headers)
        assert created["unit_code"] == HOAN_KIEM
        assert created["target_groups"] == ["Tổ dân phố số 5"]
        published = await client.post(
            f"{API}/publications",
            headers=headers,
            json={
                "item_type": "announcement",
                "item_id": created["id"],
                "channels": ["portal", "zalo"],
            },
        )
        assert published.status_code == 201, published.text
        by_channel = {p["channel"]: p for p in published.json()}
        assert by_channel["portal"]["status"] == "sent"
        assert by_channel["zalo"]["status"] == "pending"
        jobs = await outbox_jobs(session)
        assert [job.payload for job in jobs] == [{"publication_id": by_channel["zalo"]["id"]}]
        # Publishing again sends nothing twice: the same rows, no new job.
        again = await client.post(
            f"{API}/publications",
            headers=headers,
            json={"item_type": "announcement", "item_id": created["id"], "channels": ["zalo"]},
        )
        assert [p["id"] for p in again.json()] == [by_channel["zalo"]["id"]]
        assert len(await outbox_jobs(session)) == 1
        listed = await client.get(
            f"{API}/publications", headers=headers, params={"item_id": created["id"]}
        )
        assert {p["channel"]: p["status"] for p in listed.json()["items"]} == {
            "portal": "sent",
            "zalo": "pending",
        }
        # On the portal: its list, its page and the home page.
        portal = await client.get("/thong-bao")
        assert "Ngày chủ nhật xanh" in portal.text
        page = await client.get(f"/thong-bao/{created['id']}")
        assert page.status_code == 200
        assert "Tổ dân phố số 5" in page.text
        assert "Ngày chủ nhật xanh" in (await client.get("/")).text

    async def test_a_scheduled_announcement_waits(
        self, client: httpx.AsyncClient, session: AsyncSession, ward_officer: StaffUser
    ) -> None:
        headers = await login(client, ward_officer)
        later = (utcnow() + timedelta(days=2)).isoformat()
        created = await create_announcement(client, headers, scheduled_at=later)
        await client.post(
            f"{API}/publications",
            headers=headers,
            json={
                "item_type": "announcement",
                "item_id": created["id"],
                "channels": ["portal", "facebook"],
            },
        )
        assert "Ngày chủ nhật xanh" not in (await client.get("/thong-bao")).text
        assert (await client.get(f"/thong-bao/{created['id']}")).status_code == 404
        [job] = await outbox_jobs(session)
        assert job.available_at > utcnow() + timedelta(days=1)

    async def test_areas(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        ward_officer: StaffUser,
        city_officer: StaffUser,
    ) -> None:
        other = await create_user(session, Role.front_officer, unit_code=BA_DINH)
        mine = await create_announcement(client, await login(client, ward_officer))
        theirs = await login(client, other)
        assert (
            await client.get(f"{API}/announcements/{mine['id']}", headers=theirs)
        ).status_code == 404
        refused = await client.post(
            f"{API}/publications",
            headers=theirs,
            json={"item_type": "announcement", "item_id": mine["id"], "channels": ["zalo"]},
        )
        assert refused.status_code == 404
        assert (await client.get(f"{API}/announcements", headers=theirs)).json()["items"] == []
        city = await login(client, city_officer)
        no_unit = await client.post(
            f"{API}/publications",
            headers=city,
            json={"item_type": "announcement", "item_id": mine["id"], "channels": ["zalo"]},
        )
        assert no_unit.status_code == 422
        named = await client.post(
            f"{API}/publications",
            headers=city,
            json={
                "item_type": "announcement",
                "item_id": mine["id"],
                "channels": ["zalo"],
                "unit_code": HOAN_KIEM,
            },
        )
        assert named.status_code == 201
        assert [
            i["id"]
            for i in (await client.get(f"{API}/announcements", headers=city)).json()["items"]
        ] == [mine["id"]]
        agency = await create_user(session, Role.council_reader)
        assert (
            await client.get(f"{API}/publications", headers=await login(client, agency))
        ).status_code == 403

    async def test_bad_input(
        self, client: httpx.AsyncClient, session: AsyncSession, ward_officer: StaffUser
    ) -> None:
        headers = await login(client, ward_officer)
        created = await create_announcement(client, headers)
        cases = [
            {"item_type": "announcement", "item_id": created["id"], "channels": []},
            {"item_type": "announcement", "item_id": created["id"], "channels": ["telegram"]},
            {"item_type": "answer", "item_id": str(uuid.uuid4()), "channels": ["portal"]},
            {"item_type": "poster", "item_id": created["id"], "channels": ["zalo"]},
            {"item_type": "announcement", "item_id": "not-a-uuid", "channels": ["zalo"]},
        ]
        for body in cases:
            response = await client.post(f"{API}/publications", headers=headers, json=body)
            assert response.status_code in {400, 422}, (body, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
        missing = await client.post(
            f"{API}/publications",
            headers=headers,
            json={"item_type": "answer", "item_id": str(uuid.uuid4()), "channels": ["zalo"]},
        )
        assert missing.status_code == 404
        for body in (
            {"title": "", "body": "Nội dung đủ dài"},
            {"title": "Tiêu đề", "body": "Nội dung", "target_units": ["99999"]},
            {"title": "Tiêu đề", "body": "Nội dung", "scheduled_at": "2026-12-24T08:00:00"},
        ):
            response = await client.post(f"{API}/announcements", headers=headers, json=body)
            assert response.status_code in {400, 422}, (body, response.text)

    async def test_the_image_must_be_an_image_the_officer_uploaded(
        self, client: httpx.AsyncClient, session: AsyncSession, ward_officer: StaffUser
    ) -> None:
        def evidence(content_type: str, uploader: uuid.UUID) -> Evidence:
            return Evidence(
                sha256="a" * 64,
                size_bytes=10,
                content_type=content_type,
                original_name="anh.png",
                object_key=f"sha256/{uuid.uuid4().hex}",
                uploaded_by_user_id=uploader,
            )

        other = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
        pdf, foreign, image = (
            evidence("application/pdf", ward_officer.id),
            evidence("image/png", other.id),
            evidence("image/png", ward_officer.id),
        )
        session.add_all([pdf, foreign, image])
        await session.flush()
        headers = await login(client, ward_officer)
        body = {"title": "Họp tổ dân phố", "body": "Họp lúc 19 giờ tại nhà văn hóa."}
        for refused in (pdf, foreign):
            response = await client.post(
                f"{API}/announcements",
                headers=headers,
                json={**body, "image_evidence_id": str(refused.id)},
            )
            assert response.status_code == 422, response.text
        ok = await client.post(
            f"{API}/announcements",
            headers=headers,
            json={**body, "image_evidence_id": str(image.id)},
        )
        assert ok.status_code == 201


class TestRetry:
    async def test_only_a_failed_publication_is_retried(
        self, client: httpx.AsyncClient, session: AsyncSession, ward_officer: StaffUser
    ) -> None:
        headers = await login(client, ward_officer)
        created = await create_announcement(client, headers)
        [zalo] = (
            await client.post(
                f"{API}/publications",
                headers=headers,
                json={"item_type": "announcement", "item_id": created["id"], "channels": ["zalo"]},
            )
        ).json()
        pending = await client.post(f"{API}/publications/{zalo['id']}/retry", headers=headers)
        assert pending.status_code == 409
        assert pending.json()["state"] == "pending"
        row = await session.get(Publication, uuid.UUID(zalo["id"]))
        assert row is not None
        row.status, row.attempts, row.last_error = PublicationStatus.failed, 3, "zalo: HTTP 503"
        await session.flush()
        retried = await client.post(f"{API}/publications/{zalo['id']}/retry", headers=headers)
        assert retried.status_code == 200, retried.text
        assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
        assert len(await outbox_jobs(session)) == 2
        other = await create_user(session, Role.front_officer, unit_code=BA_DINH)
        hidden = await client.post(
            f"{API}/publications/{zalo['id']}/retry", headers=await login(client, other)
        )
        assert hidden.status_code == 404


class TestPortalImage:
    async def test_the_image_of_a_published_announcement_is_public(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        ward_officer: StaffUser,
        settings: Settings,
    ) -> None:
        from service.storage.backends import build_object_store

        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
        key = f"test/{uuid.uuid4().hex}.png"
        store = build_object_store(settings)
        await store.start()

        async def chunks() -> AsyncIterator[bytes]:
            yield png

        await store.put_stream(key, chunks(), len(png), "image/png")
        image = Evidence(
            sha256="b" * 64,
            size_bytes=len(png),
            content_type="image/png",
            original_name="chu-nhat-xanh.png",
            object_key=key,
            uploaded_by_user_id=ward_officer.id,
        )
        session.add(image)
        await session.flush()
        headers = await login(client, ward_officer)
        created = await create_announcement(client, headers, image_evidence_id=str(image.id))
        url = f"/thong-bao/{created['id']}/anh"
        assert (await client.get(url)).status_code == 404  # not on the portal yet
        await client.post(
            f"{API}/publications",
            headers=headers,
            json={"item_type": "announcement", "item_id": created["id"], "channels": ["portal"]},
        )
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert response.content == png
        page = await client.get(f"/thong-bao/{created['id']}")
        assert f'src="{url}"' in page.text


class TestPages:
    async def test_announcements_and_publications_page_by_cursor(
        self, client: httpx.AsyncClient, ward_officer: StaffUser
    ) -> None:
        headers = await login(client, ward_officer)
        made = [
            await create_announcement(client, headers, title=f"Thông báo số {n}") for n in range(3)
        ]
        for item in made:
            await client.post(
                f"{API}/publications",
                headers=headers,
                json={"item_type": "announcement", "item_id": item["id"], "channels": ["webhook"]},
            )
        seen: list[str] = []
        for path in ("announcements", "publications"):
            first = (await client.get(f"{API}/{path}", headers=headers, params={"limit": 2})).json()
            assert len(first["items"]) == 2
            assert first["next_cursor"]
            rest = (
                await client.get(
                    f"{API}/{path}",
                    headers=headers,
                    params={"limit": 2, "cursor": first["next_cursor"]},
                )
            ).json()
            assert len(rest["items"]) == 1
            assert rest["next_cursor"] is None
            seen = [i["id"] for i in first["items"] + rest["items"]]
            assert len(set(seen)) == 3
        bad = await client.get(f"{API}/publications", headers=headers, params={"cursor": "garbage"})
        assert bad.status_code in {400, 422}


class TestAuditEvents:
    async def test_each_event_names_its_entity(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        admin: StaffUser,
        ward_officer: StaffUser,
    ) -> None:
        """Every channels event is recorded on the row it is about, with that row's type."""
        account = await client.put(
            f"{API}/admin/channel-accounts/{HOAN_KIEM}/zalo",
            headers=await login(client, admin),
            json={"external_id": "111", "token": ZALO_TOKEN},
        )
        assert account.status_code == 200, account.text
        headers = await login(client, ward_officer)
        created = await create_announcement(client, headers)
        [zalo] = (
            await client.post(
                f"{API}/publications",
                headers=headers,
                json={"item_type": "announcement", "item_id": created["id"], "channels": ["zalo"]},
            )
        ).json()
        row = await session.get(Publication, uuid.UUID(zalo["id"]))
        assert row is not None
        row.status = PublicationStatus.failed
        await session.flush()
        retried = await client.post(f"{API}/publications/{zalo['id']}/retry", headers=headers)
        assert retried.status_code == 200, retried.text
        stored = (await session.execute(select(ChannelAccount))).scalar_one()
        events = (
            await session.execute(
                text("SELECT action, entity_type, entity_id FROM audit_event ORDER BY id")
            )
        ).all()
        assert [
            tuple(event)
            for event in events
            if event[0].split(".")[0] in {"channel_account", "announcement", "publication"}
        ] == [
            ("channel_account.set", "channel_account", str(stored.id)),
            ("announcement.created", "announcement", created["id"]),
            ("publication.created", "publication", zalo["id"]),
            ("publication.retried", "publication", zalo["id"]),
        ]
