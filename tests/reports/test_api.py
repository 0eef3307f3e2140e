"""The reports API end to end: a request answers 202 and writes an outbox job in the same
transaction; the relay publishes it to a (stub) broker; a worker renders, stores and issues
the report; the API then shows it issued, redirects its download to a signed URL, and the
public verification answers its SHA-256. Deliveries are recorded per recipient."""

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col, select

from reports.delivery import DeliveryFailed, deliver
from reports.models import DeliveryState, Report, ReportDelivery, ReportState
from reports.pipeline import ProgressWriter, render_report
from reports.repository import claim
from reports.tasks import QUEUE
from service.auth.models import Role, StaffUser
from service.db import session_scope
from service.jobs.broker import broker_queue, setup_broker, start_worker
from service.jobs.models import OutboxMessage
from service.jobs.relay import relay_once
from service.kernel.wiring import Wiring
from service.mail import RecordingMailer
from service.settings import Settings
from service.storage.backends import build_object_store
from service.storage.local import LocalObjectStore
from service.storage.store import ObjectStore
from service.wiring import build_wiring
from tests.factories import BA_DINH, HOAN_KIEM, create_user, login
from tests.mail.smtp_server import smtp_server
from tests.reports.world import supervision_world, tamper_with_log, today


@pytest.fixture
def sessions(committed_engine: AsyncEngine, wiring: Wiring) -> async_sessionmaker[AsyncSession]:
    return wiring.sessions(committed_engine)


@pytest.fixture
def live(real_client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The app committing for real (the worker reads from other connections)."""
    return real_client


@pytest.fixture
async def store(settings: Settings) -> ObjectStore:
    store = build_object_store(settings)
    await store.start()
    return store


async def committed_user(
    sessions: async_sessionmaker[AsyncSession], role: Role, unit_code: str | None = None
) -> StaffUser:
    async with session_scope(sessions) as session:
        return await create_user(session, role, unit_code=unit_code)


def council_request(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "council_periodic",
        "parameters": {
            "from": (today() - timedelta(days=30)).isoformat(),
            "to": today().isoformat(),
            "unit_code": HOAN_KIEM,
        },
        "number_symbol": "7/BC-MTTQ",
        "signer_name": "Nguyễn Thị Ký",
        "recipients": [
            {"name": "Thường trực HĐND Thành phố", "email": "thuongtruc@hdnd.example.vn"},
            {"name": "UBND Thành phố"},
        ],
    }
    body.update(changes)
    return body


async def run_worker(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Relay every pending outbox row and let a worker run the reports queue until idle,
    twice: the render's deliveries are enqueued by the render itself."""
    broker = setup_broker(settings, build_wiring(settings))
    worker = start_worker(broker, threads=1, queues={QUEUE})
    try:
        for _ in range(2):
            await relay_once(sessions, broker, 100)
            await asyncio.to_thread(
                broker.join, broker_queue(broker, QUEUE), timeout=120_000, fail_fast=False
            )  # type: ignore[call-arg]
    finally:
        await asyncio.to_thread(worker.stop, 10_000)


async def outbox_jobs(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(select(col(OutboxMessage.job_name)))
        return list(rows.scalars())


class TestRequestToIssue:
    async def test_request_render_download_verify(
        self,
        live: httpx.AsyncClient,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        seeded: Any,
    ) -> None:
        officer = await committed_user(sessions, Role.front_officer, HOAN_KIEM)
        reader = await committed_user(sessions, Role.council_reader)
        headers = await login(live, officer)

        created = await live.post("/api/v1/reports", json=council_request(), headers=headers)
        assert created.status_code == 202, created.text
        report = created.json()
        assert report["state"] == "queued"
        assert report["version"] == 1
        assert created.headers["location"] == f"/api/v1/reports/{report['id']}"
        # The render job was written in the request's transaction; nothing rendered yet.
        assert await outbox_jobs(sessions) == ["reports.render"]
        pending = await live.get(f"/api/v1/reports/{report['id']}", headers=headers)
        assert pending.json()["state"] == "queued"
        assert pending.json()["sha256"] is None
        early = await live.get(f"/api/v1/reports/{report['id']}/download", headers=headers)
        assert early.status_code == 409

        await run_worker(settings, sessions)

        issued = (await live.get(f"/api/v1/reports/{report['id']}", headers=headers)).json()
        assert issued["state"] == "issued", issued
        assert issued["stage"] == "issued"
        assert issued["percent"] == 100
        assert issued["page_count"] >= 2
        assert issued["allowed_actions"] == ["download", "regenerate"]
        # One delivery per recipient: without SMTP the emailed one is skipped, with why.
        deliveries = issued["deliveries"]
        assert [d["recipient_name"] for d in deliveries] == [
            "Thường trực HĐND Thành phố",
            "UBND Thành phố",
        ]
        assert [d["state"] for d in deliveries] == ["skipped", "skipped"]
        assert "SMTP" in deliveries[0]["last_error"]
        assert deliveries[1]["last_error"] == "no email address on the recipient list"

        # Download: a redirect to a short-lived signed URL serving exactly the issued file.
        redirect = await live.get(
            f"/api/v1/reports/{report['id']}/download", headers=await login(live, reader)
        )
        assert redirect.status_code == 307
        location = urlsplit(redirect.headers["location"])
        pdf = await live.get(f"{location.path}?{location.query}")
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF-")
        assert hashlib.sha256(pdf.content).hexdigest() == issued["sha256"]
        assert len(pdf.content) == issued["size_bytes"]

        # Anyone may check a printed copy by its code: the hash, and nothing else.
        verified = await live.get(f"/api/v1/reports/verify/{issued['verification_code']}")
        assert verified.status_code == 200
        assert verified.json() == {
            "kind": "council_periodic",
            "version": 1,
            "issued_at": verified.json()["issued_at"],
            "sha256": issued["sha256"],
        }
        lower = issued["verification_code"].replace("-", "").lower()
        assert (await live.get(f"/api/v1/reports/verify/{lower}")).status_code == 200
        assert (await live.get("/api/v1/reports/verify/ZZZZ-ZZZZ")).status_code == 404

        # An issued report is not rendered again, and cannot be retried; regenerating makes
        # a new version with its own code, the first stays as issued.
        assert (
            await live.post(f"/api/v1/reports/{report['id']}/retry", headers=headers)
        ).status_code == 409
        again = await live.post(f"/api/v1/reports/{report['id']}/regenerate", headers=headers)
        assert again.status_code == 202, again.text
        second = again.json()
        assert second["version"] == 2
        assert second["series_id"] == report["id"]
        assert second["verification_code"] != issued["verification_code"]
        outcome = await render_report(
            sessions, settings, build_object_store(settings), uuid.UUID(report["id"])
        )
        assert outcome.state is None
        first = (await live.get(f"/api/v1/reports/{report['id']}", headers=headers)).json()
        assert first["sha256"] == issued["sha256"]
        assert first["allowed_actions"] == ["download"]
        listing = await live.get(
            "/api/v1/reports", params={"series_id": report["id"]}, headers=headers
        )
        assert [item["version"] for item in listing.json()["items"]] == [2, 1]

    async def test_an_issued_row_cannot_be_changed_in_the_database(
        self,
        live: httpx.AsyncClient,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        store: ObjectStore,
        seeded: Any,
    ) -> None:
        officer = await committed_user(sessions, Role.front_officer)
        created = await live.post(
            "/api/v1/reports", json=council_request(), headers=await login(live, officer)
        )
        report_id = uuid.UUID(created.json()["id"])
        assert (await render_report(sessions, settings, store, report_id)).state == (
            ReportState.issued
        )
        with pytest.raises(DBAPIError, match="cannot change"):
            async with session_scope(sessions) as session:
                await session.execute(
                    sa.update(Report).where(col(Report.id) == report_id).values(sha256="0" * 64)
                )


class TestFailureAndRetry:
    async def test_a_failed_render_records_why_and_can_be_retried(
        self,
        live: httpx.AsyncClient,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        store: ObjectStore,
        seeded: Any,
        tmp_path: Path,
    ) -> None:
        officer = await committed_user(sessions, Role.front_officer, HOAN_KIEM)
        headers = await login(live, officer)
        created = await live.post("/api/v1/reports", json=council_request(), headers=headers)
        report_id = uuid.UUID(created.json()["id"])

        # The object store is unusable (its root is a file): the upload fails.
        blocked = tmp_path / "not-a-directory"
        blocked.write_text("x")
        broken = LocalObjectStore.from_settings(
            settings.model_copy(update={"storage_local_root": blocked})
        )
        outcome = await render_report(sessions, settings, broken, report_id)
        assert outcome.state is ReportState.failed
        failed = (await live.get(f"/api/v1/reports/{report_id}", headers=headers)).json()
        assert failed["state"] == "failed"
        assert failed["stage"] == "uploading"
        assert failed["error"].startswith("uploading: ")
        assert failed["allowed_actions"] == ["retry", "regenerate"]

        retried = await live.post(f"/api/v1/reports/{report_id}/retry", headers=headers)
        assert retried.status_code == 202
        assert retried.json()["state"] == "queued"
        assert (await render_report(sessions, settings, store, report_id)).state == (
            ReportState.issued
        )
        issued = (await live.get(f"/api/v1/reports/{report_id}", headers=headers)).json()
        assert issued["state"] == "issued"
        assert issued["attempts"] == 2
        assert issued["error"] is None


class TestSealedMaterial:
    async def test_a_report_on_an_altered_sealed_session_is_not_issued(
        self,
        live: httpx.AsyncClient,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        store: ObjectStore,
        seeded: Any,
    ) -> None:
        async with session_scope(sessions) as session:
            world = await supervision_world(session, settings, store)
        headers = await login(live, world.head)
        body = {"kind": "supervision_result", "parameters": {"plan_code": world.plan_code}}

        # Intact: issued.
        first = (await live.post("/api/v1/reports", json=body, headers=headers)).json()
        outcome = await render_report(sessions, settings, store, uuid.UUID(first["id"]))
        assert outcome.state is ReportState.issued, outcome.error

        # Altered behind the application's back: the seal's own check fails...
        async with session_scope(sessions) as session:
            await tamper_with_log(session, world.plan_id)
            session_id = (
                await session.execute(
                    sa.text("SELECT id FROM supervision_session WHERE plan_id = :plan"),
                    {"plan": world.plan_id},
                )
            ).scalar_one()
        verified = await live.get(
            f"/api/v1/oversight/sessions/{session_id}/verify", headers=headers
        )
        assert verified.json()["ok"] is False

        # ...and so the report refuses to issue, saying why in Vietnamese.
        again = await live.post("/api/v1/reports", json=body, headers=headers)
        report_id = again.json()["id"]
        outcome = await render_report(sessions, settings, store, uuid.UUID(report_id))
        assert outcome.state is ReportState.failed
        failed = (await live.get(f"/api/v1/reports/{report_id}", headers=headers)).json()
        assert failed["state"] == "failed"
        assert failed["stage"] == "verifying"
        assert failed["sha256"] is None
        assert failed["error"].startswith(
            "Không phát hành báo cáo: dữ liệu đã niêm phong hoặc đã ghi mã SHA-256 không còn "
            "nguyên vẹn. Buổi làm việc số 1"
        )
        assert "1 nội dung bị sửa, 1 nội dung bị xóa" in failed["error"]
        assert failed["deliveries"] == []
        # Nothing was stored or delivered; the refusal is audited.
        assert not await store.exists(f"reports/{uuid.UUID(report_id).hex}.pdf")
        async with sessions() as session:
            audited = (
                await session.execute(
                    sa.text(
                        "SELECT count(*) FROM audit_event WHERE entity_id = :id "
                        "AND action = 'report.integrity_refused'"
                    ),
                    {"id": report_id},
                )
            ).scalar_one()
        assert audited == 1
        # A retry checks again (and refuses again while the record stays altered).
        assert (
            await live.post(f"/api/v1/reports/{report_id}/retry", headers=headers)
        ).status_code == 202
        outcome = await render_report(sessions, settings, store, uuid.UUID(report_id))
        assert outcome.state is ReportState.failed


class TestDelivery:
    async def test_sent_by_email_attachment_and_link(
        self,
        live: httpx.AsyncClient,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        store: ObjectStore,
        seeded: Any,
    ) -> None:
        officer = await committed_user(sessions, Role.front_officer)
        body = council_request(
            recipients=[
                {"name": "Thường trực HĐND Thành phố", "email": "thuongtruc@hdnd.example.vn"},
                {
                    "name": "UBND Thành phố",
                    "email": "vanthu@ubnd.example.vn",
                    "channel": "email_link",
                },
                {"name": "Lưu: VT, BTT"},
            ]
        )
        created = await live.post("/api/v1/reports", json=body, headers=await login(live, officer))
        report_id = uuid.UUID(created.json()["id"])
        with smtp_server() as mailbox:
            mail_settings = settings.model_copy(
                update={"smtp_host": "127.0.0.1", "smtp_port": mailbox.port}
            )
            await run_worker(mail_settings, sessions)
            async with sessions() as session:
                report = await session.get(Report, report_id)
                deliveries = list(
                    (
                        await session.execute(
                            select(ReportDelivery)
                            .where(col(ReportDelivery.report_id) == report_id)
                            .order_by(col(ReportDelivery.position))
                        )
                    ).scalars()
                )
        assert report is not None
        assert report.state == ReportState.issued
        assert [(d.channel, d.state) for d in deliveries] == [
            ("email_attachment", DeliveryState.sent),
            ("email_link", DeliveryState.sent),
            ("email_attachment", DeliveryState.skipped),
        ]
        assert all(d.sent_at is not None for d in deliveries[:2])
        by_recipient = {m.recipients[0]: m.message for m in mailbox.messages}
        assert set(by_recipient) == {"thuongtruc@hdnd.example.vn", "vanthu@ubnd.example.vn"}
        attached = by_recipient["thuongtruc@hdnd.example.vn"]
        pdfs = [part for part in attached.walk() if part.get_content_type() == "application/pdf"]
        assert len(pdfs) == 1
        payload = pdfs[0].get_payload(decode=True)
        assert isinstance(payload, bytes)
        assert hashlib.sha256(payload).hexdigest() == report.sha256
        assert report.verification_code in _text(attached)
        linked = _text(by_recipient["vanthu@ubnd.example.vn"])
        assert "/api/v1/objects/" in linked
        assert report.sha256 is not None
        assert report.sha256 in linked
        assert not [p for p in by_recipient["vanthu@ubnd.example.vn"].walk() if p.get_filename()]

    async def test_an_altered_stored_file_is_never_sent(
        self,
        live: httpx.AsyncClient,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        store: ObjectStore,
        seeded: Any,
    ) -> None:
        officer = await committed_user(sessions, Role.front_officer)
        body = council_request(
            recipients=[
                {"name": "Thường trực HĐND Thành phố", "email": "thuongtruc@hdnd.example.vn"},
                {"name": "UBND Thành phố", "email": "vt@ubnd.example.vn", "channel": "email_link"},
            ]
        )
        created = await live.post("/api/v1/reports", json=body, headers=await login(live, officer))
        report_id = uuid.UUID(created.json()["id"])
        assert (await render_report(sessions, settings, store, report_id)).state == (
            ReportState.issued
        )

        async def forged() -> AsyncIterator[bytes]:
            yield b"%PDF-1.7\n% not the issued report\n"

        await store.put_stream(
            f"reports/{report_id.hex}.pdf", forged(), content_type="application/pdf"
        )
        async with sessions() as session:
            deliveries = list(
                (
                    await session.execute(
                        select(ReportDelivery).where(col(ReportDelivery.report_id) == report_id)
                    )
                ).scalars()
            )
        with smtp_server() as mailbox:
            mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": mailbox.port})
            for delivery in deliveries:
                # Failed at once: retrying would send the same altered file.
                assert await deliver(sessions, mail, store, delivery.id) == DeliveryState.failed
            assert mailbox.messages == []
        async with sessions() as session:
            for delivery in deliveries:
                row = await session.get(ReportDelivery, delivery.id)
                assert row is not None
                assert row.attempts == 1
                assert row.last_error is not None
                assert row.last_error.startswith("Tệp báo cáo trong kho lưu trữ không còn khớp")

    async def test_a_refused_email_is_retried_then_failed(
        self,
        live: httpx.AsyncClient,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        store: ObjectStore,
        seeded: Any,
    ) -> None:
        officer = await committed_user(sessions, Role.front_officer)
        created = await live.post(
            "/api/v1/reports", json=council_request(), headers=await login(live, officer)
        )
        report_id = uuid.UUID(created.json()["id"])
        assert (await render_report(sessions, settings, store, report_id)).state == (
            ReportState.issued
        )
        async with sessions() as session:
            delivery = (
                await session.execute(
                    select(ReportDelivery).where(
                        col(ReportDelivery.report_id) == report_id,
                        col(ReportDelivery.email).is_not(None),
                    )
                )
            ).scalar_one()
        # Nobody listens on this port: every attempt fails and is recorded.
        dead = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": 1, "report_delivery_max_attempts": 2}
        )
        with pytest.raises(DeliveryFailed):
            await deliver(sessions, dead, store, delivery.id)
        async with sessions() as session:
            first = await session.get(ReportDelivery, delivery.id)
            assert first is not None
            assert (first.state, first.attempts) == (DeliveryState.pending, 1)
            assert first.last_error
        assert await deliver(sessions, dead, store, delivery.id) == DeliveryState.failed
        assert await deliver(sessions, dead, store, delivery.id) == DeliveryState.failed

    async def test_a_refusal_for_good_fails_at_once(
        self,
        live: httpx.AsyncClient,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        store: ObjectStore,
        seeded: Any,
    ) -> None:
        officer = await committed_user(sessions, Role.front_officer)
        created = await live.post(
            "/api/v1/reports", json=council_request(), headers=await login(live, officer)
        )
        report_id = uuid.UUID(created.json()["id"])
        assert (await render_report(sessions, settings, store, report_id)).state == (
            ReportState.issued
        )
        async with sessions() as session:
            delivery = (
                await session.execute(
                    select(ReportDelivery).where(
                        col(ReportDelivery.report_id) == report_id,
                        col(ReportDelivery.email).is_not(None),
                    )
                )
            ).scalar_one()
        assert delivery.email is not None
        # The server answers 550 for the address: failed on the first attempt, not retried.
        refusing = RecordingMailer(refuse=frozenset({delivery.email}))
        assert await deliver(sessions, settings, store, delivery.id, refusing) == (
            DeliveryState.failed
        )
        working = RecordingMailer()
        assert await deliver(sessions, settings, store, delivery.id, working) == (
            DeliveryState.failed
        )
        assert working.letters == []
        async with sessions() as session:
            row = await session.get(ReportDelivery, delivery.id)
            assert row is not None
            assert (row.attempts, row.last_error) == (1, "SMTPRecipientsRefused (550)")


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


class TestAccess:
    async def test_who_may_request_and_see(
        self, client: httpx.AsyncClient, session: AsyncSession, seeded: Any
    ) -> None:
        ward = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
        other_ward = await create_user(session, Role.front_officer, unit_code=BA_DINH)
        reader = await create_user(session, Role.council_reader, unit_code=BA_DINH)
        supervisor = await create_user(session, Role.supervisor, unit_code=HOAN_KIEM)
        ward_headers = await login(client, ward)

        # A ward officer's council report is about their ward by default.
        params = {"from": "2026-01-01", "to": "2026-06-30"}
        created = await client.post(
            "/api/v1/reports",
            json={"kind": "council_periodic", "parameters": params},
            headers=ward_headers,
        )
        assert created.status_code == 202, created.text
        report = created.json()
        assert report["unit_code"] == HOAN_KIEM
        assert report["parameters"]["unit_name"] == "Phường Hoàn Kiếm"

        # Another ward: may not request it (outside their area: 404), does not see it; nor
        # does its council reader.
        outside = await client.post(
            "/api/v1/reports",
            json={"kind": "council_periodic", "parameters": {**params, "unit_code": HOAN_KIEM}},
            headers=await login(client, other_ward),
        )
        assert outside.status_code == 404
        for user in (other_ward, reader):
            headers = await login(client, user)
            assert (
                await client.get(f"/api/v1/reports/{report['id']}", headers=headers)
            ).status_code == 404
            assert (await client.get("/api/v1/reports", headers=headers)).json()["items"] == []
        # Supervisors request only their supervision.
        assert (
            await client.post(
                "/api/v1/reports",
                json={"kind": "council_periodic", "parameters": params},
                headers=await login(client, supervisor),
            )
        ).status_code == 403
        # The public verification of a report not issued yet knows nothing.
        assert (
            await client.get(f"/api/v1/reports/verify/{report['verification_code']}")
        ).status_code == 404

    async def test_bad_requests_are_problems_with_field_paths(
        self, client: httpx.AsyncClient, session: AsyncSession, seeded: Any
    ) -> None:
        admin = await create_user(session, Role.admin)
        headers = await login(client, admin)

        async def problem(body: dict[str, Any]) -> dict[str, Any]:
            response = await client.post("/api/v1/reports", json=body, headers=headers)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            result: dict[str, Any] = response.json()
            return result

        reversed_period = await problem(
            {"kind": "council_periodic", "parameters": {"from": "2026-06-30", "to": "2026-01-01"}}
        )
        assert reversed_period["errors"][0]["field"] == "parameters"
        missing = await problem({"kind": "council_periodic", "parameters": {"to": "2026-01-01"}})
        assert missing["errors"][0]["field"] == "parameters.from"
        unknown_unit = await problem(
            {
                "kind": "council_periodic",
                "parameters": {"from": "2026-01-01", "to": "2026-01-31", "unit_code": "99999"},
            }
        )
        assert unknown_unit["errors"][0]["field"] == "parameters.unit_code"
        no_plan = await problem({"kind": "supervision_result", "parameters": {}})
        assert no_plan["errors"][0]["field"] == "parameters"
        no_agency = await problem(
            {
                "kind": "agency_scorecard",
                "parameters": {"agency_code": "khong-co", "from": "2026-01-01", "to": "2026-01-31"},
            }
        )
        assert no_agency["errors"][0]["field"] == "parameters.agency_code"
        control = await problem(
            {"kind": "supervision_result", "parameters": {"plan_code": "KH\u0000GS"}}
        )
        assert control["errors"][0]["field"] == "parameters.plan_code"
        bad_kind = await client.post(
            "/api/v1/reports", json={"kind": "annual", "parameters": {}}, headers=headers
        )
        assert bad_kind.status_code in (400, 422)
        assert (
            await client.get(f"/api/v1/reports/{uuid.uuid4()}", headers=headers)
        ).status_code == 404
        assert (
            await client.get("/api/v1/reports", params={"cursor": "%%%"}, headers=headers)
        ).status_code == 422


class TestProgress:
    async def test_stage_and_percent_while_rendering(
        self,
        live: httpx.AsyncClient,
        sessions: async_sessionmaker[AsyncSession],
        seeded: Any,
    ) -> None:
        officer = await committed_user(sessions, Role.front_officer)
        headers = await login(live, officer)
        created = await live.post("/api/v1/reports", json=council_request(), headers=headers)
        report_id = uuid.UUID(created.json()["id"])
        async with session_scope(sessions) as session:
            attempts = await claim(session, report_id)
        assert attempts == 1
        writer = ProgressWriter(sessions, report_id, attempts)
        writer.set("rendering", 42)
        await writer.flush()
        shown = (await live.get(f"/api/v1/reports/{report_id}", headers=headers)).json()
        assert (shown["state"], shown["stage"], shown["percent"]) == ("rendering", "rendering", 42)
        # A second claim (a duplicate message) finds it taken.
        async with session_scope(sessions) as session:
            assert await claim(session, report_id) is None


class TestSupervisorAccess:
    async def test_members_report_their_own_supervision(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        seeded: Any,
    ) -> None:
        store = build_object_store(settings)
        await store.start()
        world = await supervision_world(session, settings, store)
        body = {"kind": "supervision_result", "parameters": {"plan_code": world.plan_code}}
        created = await client.post(
            "/api/v1/reports", json=body, headers=await login(client, world.head)
        )
        assert created.status_code == 202, created.text
        report = created.json()
        # Signed by the head of the delegation unless the request says otherwise.
        assert (report["signer_name"], report["signer_title"]) == (
            world.head.full_name,
            "Trưởng đoàn",
        )
        assert report["unit_code"] == HOAN_KIEM
        outsider = await create_user(session, Role.supervisor, unit_code=HOAN_KIEM)
        outsider_headers = await login(client, outsider)
        # Not a member: the plan is not theirs to see (oversight answers 404 too).
        refused = await client.post("/api/v1/reports", json=body, headers=outsider_headers)
        assert refused.status_code == 404
        assert (
            await client.get(f"/api/v1/reports/{report['id']}", headers=outsider_headers)
        ).status_code == 404
        # The ward's Front officer sees it (their area); an agency officer has no access.
        ward = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
        assert (
            await client.get(f"/api/v1/reports/{report['id']}", headers=await login(client, ward))
        ).status_code == 200
        agency_officer = await create_user(session, Role.agency_officer, agency=world.agency)
        assert (
            await client.get("/api/v1/reports", headers=await login(client, agency_officer))
        ).status_code == 403


class TestCouncilReaderRequests:
    """People's Council members request the council report and agency scorecards of their
    area; a ward-level member only their ward; the supervision result is not theirs to make."""

    async def test_city_reader_requests_city_and_any_ward(
        self, client: httpx.AsyncClient, session: AsyncSession, seeded: Any
    ) -> None:
        reader = await create_user(session, Role.council_reader)
        headers = await login(client, reader)
        params = {"from": "2026-01-01", "to": "2026-06-30"}
        for unit_code in (None, HOAN_KIEM, BA_DINH):
            created = await client.post(
                "/api/v1/reports",
                json={"kind": "council_periodic", "parameters": {**params, "unit_code": unit_code}},
                headers=headers,
            )
            assert created.status_code == 202, created.text
            assert created.json()["unit_code"] == unit_code
            assert created.json()["requested_by"] == str(reader.id)
        scorecard = await client.post(
            "/api/v1/reports",
            json={
                "kind": "agency_scorecard",
                "parameters": {**params, "agency_code": f"ubnd-{BA_DINH}"},
            },
            headers=headers,
        )
        assert scorecard.status_code == 202, scorecard.text
        listing = (await client.get("/api/v1/reports", headers=headers)).json()["items"]
        assert len(listing) == 4

    async def test_ward_reader_requests_only_their_ward(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        seeded: Any,
    ) -> None:
        reader = await create_user(session, Role.council_reader, unit_code=HOAN_KIEM)
        headers = await login(client, reader)
        params = {"from": "2026-01-01", "to": "2026-06-30"}

        async def post(kind: str, parameters: dict[str, Any]) -> httpx.Response:
            return await client.post(
                "/api/v1/reports", json={"kind": kind, "parameters": parameters}, headers=headers
            )

        # Their ward, by default or by name; its People's Committee's scorecard.
        own = await post("council_periodic", params)
        assert own.status_code == 202, own.text
        assert own.json()["unit_code"] == HOAN_KIEM
        assert own.json()["allowed_actions"] == []
        assert (await post("council_periodic", {**params, "unit_code": HOAN_KIEM})).status_code == (
            202
        )
        ward_agency = await post("agency_scorecard", {**params, "agency_code": f"ubnd-{HOAN_KIEM}"})
        assert ward_agency.status_code == 202, ward_agency.text
        # Another ward, the city, another ward's or a city agency: outside their area, 404.
        assert (await post("council_periodic", {**params, "unit_code": BA_DINH})).status_code == (
            404
        )
        other_agency = await post("agency_scorecard", {**params, "agency_code": f"ubnd-{BA_DINH}"})
        assert other_agency.status_code == 404
        city_agency = await post("agency_scorecard", {**params, "agency_code": "ubnd-01"})
        assert city_agency.status_code == 404
        # The supervision result of a plan of their own ward: not theirs to make (403), though
        # they read it once the delegation or the Front has it made.
        store = build_object_store(settings)
        await store.start()
        world = await supervision_world(session, settings, store)
        supervision = await post("supervision_result", {"plan_code": world.plan_code})
        assert supervision.status_code == 403
        made = await client.post(
            "/api/v1/reports",
            json={"kind": "supervision_result", "parameters": {"plan_code": world.plan_code}},
            headers=await login(client, world.head),
        )
        assert made.status_code == 202
        assert (
            await client.get(f"/api/v1/reports/{made.json()['id']}", headers=headers)
        ).status_code == 200
