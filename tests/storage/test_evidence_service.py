"""Evidence operations against the database and both object stores."""

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.errors import (
    Invalid,
    NotFound,
    StateConflict,
    TooLarge,
    UnsupportedMediaType,
)
from service.storage import service, sniff
from service.storage.keys import content_key
from service.storage.models import CustodyAction, Evidence, EvidenceStatus
from service.storage.store import ObjectStore, UploadedPart
from tests.factories import create_api_client, create_user
from tests.storage import samples
from tests.storage.conftest import Fetch

MIB = samples.MIB


def staff(user: StaffUser) -> StaffPrincipal:
    return StaffPrincipal(user_id=user.id, username=user.username, role=Role(user.role))


async def stream(data: bytes) -> AsyncIterator[bytes]:
    for piece in samples.chunked(data):
        yield piece


@pytest.fixture
async def officer(session: AsyncSession, admin: StaffUser) -> StaffPrincipal:
    return staff(await create_user(session, Role.front_officer))


@pytest.fixture
def admin_principal(admin: StaffUser) -> StaffPrincipal:
    return staff(admin)


async def upload(
    session: AsyncSession, store: ObjectStore, uploader: StaffPrincipal | ClientPrincipal
) -> Evidence:
    return await service.create_evidence_from_stream(
        session,
        store,
        stream(samples.jpeg()),
        filename="ảnh hiện trường.jpg",
        uploader=uploader,
        max_bytes=MIB,
    )


async def put_parts(fetch: Fetch, urls: list[service.PartUrl], data: bytes) -> list[UploadedPart]:
    parts = []
    for target in urls:
        piece = data[target.offset : target.offset + target.length]
        response = await fetch("PUT", target.url, content=piece)
        assert response.status_code == 200, response.text
        parts.append(UploadedPart(target.part_number, response.headers["etag"]))
    return parts


class TestStreamedUpload:
    async def test_records_what_was_stored(
        self, session: AsyncSession, store: ObjectStore, officer: StaffPrincipal
    ) -> None:
        data = samples.jpeg(300_000)
        captured = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
        evidence = await service.create_evidence_from_stream(
            session,
            store,
            stream(data),
            filename="Ảnh đường ngập.PDF",
            uploader=officer,
            max_bytes=MIB,
            captured_at=captured,
            lat=21.0285,
            lon=105.8542,
        )
        digest = hashlib.sha256(data).hexdigest()
        assert evidence.sha256 == digest
        assert evidence.size_bytes == len(data)
        assert evidence.content_type == sniff.JPEG
        assert evidence.object_key == content_key(digest)
        assert evidence.status == EvidenceStatus.stored
        assert evidence.original_name == "Ảnh đường ngập.PDF"
        assert evidence.uploaded_by_user_id == officer.user_id
        assert evidence.captured_at == captured
        log = await service.custody_log(session, evidence.id)
        assert [(e.action, e.actor_user_id) for e in log] == [
            (CustodyAction.upload, officer.user_id)
        ]

    async def test_an_api_client_can_be_the_uploader(
        self, session: AsyncSession, local_store: ObjectStore
    ) -> None:
        client, _ = await create_api_client(session)
        principal = ClientPrincipal(client_id=client.id, name=client.name)
        evidence = await upload(session, local_store, principal)
        assert evidence.uploaded_by_client_id == client.id
        assert evidence.uploaded_by_user_id is None

    async def test_bad_coordinates_are_refused_before_reading(
        self, session: AsyncSession, local_store: ObjectStore, officer: StaffPrincipal
    ) -> None:
        consumed = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal consumed
            consumed += 1
            yield samples.jpeg()

        for lat, lon in ((21.0, None), (91.0, 105.0), (21.0, 181.0)):
            with pytest.raises(Invalid):
                await service.create_evidence_from_stream(
                    session,
                    local_store,
                    body(),
                    filename="a.jpg",
                    uploader=officer,
                    max_bytes=MIB,
                    lat=lat,
                    lon=lon,
                )
        future = datetime.now(UTC) + timedelta(days=2)
        with pytest.raises(Invalid):
            await service.create_evidence_from_stream(
                session,
                local_store,
                body(),
                filename="a.jpg",
                uploader=officer,
                max_bytes=MIB,
                captured_at=future,
            )
        assert consumed == 0


class TestMultipart:
    async def test_presigned_parts_then_completion(
        self, session: AsyncSession, store: ObjectStore, officer: StaffPrincipal, fetch: Fetch
    ) -> None:
        data = samples.mp4(9 * MIB)
        digest = hashlib.sha256(data).hexdigest()
        evidence, upload_id, urls = await service.start_multipart(
            session,
            store,
            filename="phiên giám sát.mp4",
            size=len(data),
            sha256=digest.upper(),
            content_type="video/mp4",
            uploader=officer,
        )
        assert upload_id
        assert evidence.status == EvidenceStatus.pending_upload
        assert [(u.part_number, u.offset, u.length) for u in urls] == [
            (1, 0, 8 * MIB),
            (2, 8 * MIB, MIB),
        ]
        pending = evidence.object_key
        await put_parts(fetch, urls, data)

        done = await service.complete_multipart(session, store, evidence.id, None, officer)
        assert done.status == EvidenceStatus.stored
        assert done.sha256 == digest
        assert done.object_key == content_key(digest)
        assert done.multipart_upload_id is None
        assert not await store.exists(pending)
        assert (await store.stat(done.object_key)).size == len(data)
        log = await service.custody_log(session, evidence.id)
        assert [e.action for e in log] == [CustodyAction.upload]

        with pytest.raises(StateConflict):
            await service.complete_multipart(session, store, evidence.id, None, officer)

    async def test_a_wrong_declared_hash_is_422_and_nothing_is_stored(
        self, session: AsyncSession, store: ObjectStore, officer: StaffPrincipal, fetch: Fetch
    ) -> None:
        data = samples.jpeg(200_000)
        evidence, _, urls = await service.start_multipart(
            session,
            store,
            filename="a.jpg",
            size=len(data),
            sha256="0" * 64,
            content_type=sniff.JPEG,
            uploader=officer,
        )
        parts = await put_parts(fetch, urls, data)
        with pytest.raises(Invalid) as caught:
            await service.complete_multipart(session, store, evidence.id, parts, officer)
        assert caught.value.status_code == 422
        assert [e["field"] for e in caught.value.extra["errors"]] == ["sha256"]
        assert evidence.status == EvidenceStatus.pending_upload
        assert not await store.exists(evidence.object_key)
        assert not await store.exists(content_key(hashlib.sha256(data).hexdigest()))

    async def test_a_wrong_declared_size_is_422(
        self, session: AsyncSession, store: ObjectStore, officer: StaffPrincipal, fetch: Fetch
    ) -> None:
        data = samples.jpeg(200_000)
        evidence, _, urls = await service.start_multipart(
            session,
            store,
            filename="a.jpg",
            size=len(data) + 10,
            sha256=hashlib.sha256(data).hexdigest(),
            content_type=sniff.JPEG,
            uploader=officer,
        )
        urls[0] = service.PartUrl(1, urls[0].url, 0, len(data))
        await put_parts(fetch, urls, data)
        with pytest.raises(Invalid) as caught:
            await service.complete_multipart(session, store, evidence.id, None, officer)
        assert [e["field"] for e in caught.value.extra["errors"]] == ["size"]

    async def test_the_assembled_bytes_are_sniffed_too(
        self, session: AsyncSession, store: ObjectStore, officer: StaffPrincipal, fetch: Fetch
    ) -> None:
        data = samples.exe(100_000)
        evidence, _, urls = await service.start_multipart(
            session,
            store,
            filename="clip.mp4",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content_type="video/mp4",
            uploader=officer,
        )
        await put_parts(fetch, urls, data)
        with pytest.raises(UnsupportedMediaType):
            await service.complete_multipart(session, store, evidence.id, None, officer)
        assert not await store.exists(evidence.object_key)

    async def test_start_checks_what_is_declared(
        self, session: AsyncSession, local_store: ObjectStore, officer: StaffPrincipal
    ) -> None:
        async def start(size: int, content_type: str, sha256: str = "a" * 64) -> None:
            await service.start_multipart(
                session,
                local_store,
                filename="a.mp4",
                size=size,
                sha256=sha256,
                content_type=content_type,
                uploader=officer,
            )

        with pytest.raises(UnsupportedMediaType):
            await start(10, "application/zip")
        with pytest.raises(TooLarge):
            await start(10**12, "video/mp4")
        with pytest.raises(Invalid):
            await start(10, "video/mp4", sha256="xyz")
        with pytest.raises(Invalid):
            await start(0, "video/mp4")

    async def test_only_the_uploader_completes(
        self, session: AsyncSession, local_store: ObjectStore, officer: StaffPrincipal
    ) -> None:
        evidence, _, _ = await service.start_multipart(
            session,
            local_store,
            filename="a.mp4",
            size=100,
            sha256="a" * 64,
            content_type="video/mp4",
            uploader=officer,
        )
        other = staff(await create_user(session, Role.front_officer))
        with pytest.raises(NotFound):
            await service.complete_multipart(session, local_store, evidence.id, None, other)

    async def test_a_pending_upload_cannot_be_downloaded(
        self, session: AsyncSession, local_store: ObjectStore, officer: StaffPrincipal
    ) -> None:
        evidence, _, _ = await service.start_multipart(
            session,
            local_store,
            filename="a.mp4",
            size=100,
            sha256="a" * 64,
            content_type="video/mp4",
            uploader=officer,
        )
        with pytest.raises(StateConflict):
            await service.download_url(session, local_store, evidence, officer)


class TestCustodyAndWithdrawal:
    async def test_views_and_downloads_are_logged(
        self, session: AsyncSession, store: ObjectStore, officer: StaffPrincipal, fetch: Fetch
    ) -> None:
        evidence = await upload(session, store, officer)
        await service.record_view(session, evidence, officer)
        url = await service.download_url(session, store, evidence, officer, ttl=60)
        response = await fetch("GET", url)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == evidence.sha256
        assert "filename*=UTF-8''%E1%BA%A3nh" in response.headers["content-disposition"]
        log = await service.custody_log(session, evidence.id)
        assert [e.action for e in log] == [
            CustodyAction.upload,
            CustodyAction.view,
            CustodyAction.download,
        ]
        assert {e.actor_user_id for e in log} == {officer.user_id}

    async def test_withdrawal_keeps_the_object_and_the_row(
        self,
        session: AsyncSession,
        store: ObjectStore,
        officer: StaffPrincipal,
        admin_principal: StaffPrincipal,
    ) -> None:
        evidence = await upload(session, store, officer)
        withdrawn = await service.withdraw(
            session, evidence.id, admin_principal, "  Ảnh chứa thông tin cá nhân  "
        )
        assert withdrawn.withdrawn_at is not None
        assert withdrawn.withdrawn_by == admin_principal.user_id
        assert withdrawn.withdrawn_reason == "Ảnh chứa thông tin cá nhân"
        assert await store.exists(evidence.object_key)
        assert (await service.get_evidence(session, evidence.id)).id == evidence.id

        with pytest.raises(StateConflict):
            await service.download_url(session, store, evidence, officer)
        assert await service.download_url(session, store, evidence, admin_principal)
        with pytest.raises(StateConflict):
            await service.withdraw(session, evidence.id, admin_principal, "again")

        log = await service.custody_log(session, evidence.id)
        assert [(e.action, e.note) for e in log] == [
            (CustodyAction.upload, None),
            (CustodyAction.withdraw, "Ảnh chứa thông tin cá nhân"),
            (CustodyAction.download, None),
        ]

    async def test_withdrawal_needs_a_reason(
        self,
        session: AsyncSession,
        local_store: ObjectStore,
        officer: StaffPrincipal,
        admin_principal: StaffPrincipal,
    ) -> None:
        evidence = await upload(session, local_store, officer)
        with pytest.raises(Invalid):
            await service.withdraw(session, evidence.id, admin_principal, "   ")

    async def test_dedupe_keeps_one_object_for_two_records(
        self, session: AsyncSession, store: ObjectStore, officer: StaffPrincipal
    ) -> None:
        data = samples.png(50_000)
        first = await service.create_evidence_from_stream(
            session, store, stream(data), filename="a.png", uploader=officer, max_bytes=MIB
        )
        second = await service.create_evidence_from_stream(
            session, store, stream(data), filename="b.png", uploader=officer, max_bytes=MIB
        )
        assert first.id != second.id
        assert first.object_key == second.object_key
        assert (first.original_name, second.original_name) == ("a.png", "b.png")
