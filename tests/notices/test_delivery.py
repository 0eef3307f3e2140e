"""SMS and Zalo notices end to end: a petition filed with ``notify_channel`` sms or zalo,
an event, the outbox row, the job, the local fake service; the delivery log, retries,
idempotency, refusals, the citizen's opt-out, and the number kept out of logs and lists."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlmodel import col

from service.auth.models import Role
from service.db import session_scope
from service.deadlines.policy import seed_default_policy
from service.kernel.wiring import Wiring
from service.petitions import triage
from service.petitions.intake import file_petition
from service.petitions.models import DeliveryStatus, NotificationDelivery, Petition
from service.petitions.notifications import DeliveryFailed, deliver
from service.petitions.schemas import PetitionCreate
from service.settings import Settings
from tests.factories import HOAN_KIEM, create_api_client, create_user, login
from tests.notices.fakes import ZNS_NOT_ON_ZALO, ZNS_TOKEN, FakeSmsGateway, FakeZns
from tests.petitions.conftest import IDENTIFIED, Api, petition_body, principal
from tests.petitions.test_notifications import (
    accepted_petition,
    deliveries,
    notified_events,
    sessions_on,
)

PHONE = IDENTIFIED["phone"]  # 0912345678
NORMALISED = "84912345678"
MASKED = "8491****678"
SMS_TEMPLATE = '{"to": "{phone}", "text": "{text}", "ref": "{reference}"}'


def sms_settings(settings: Settings, gateway: FakeSmsGateway, **more: Any) -> Settings:
    return settings.model_copy(
        update={
            "sms_gateway_url": gateway.url,
            "sms_gateway_body_template": (
                '{"to": "{phone}", "text": "{text}", "ref": "{reference}"}'
            ),
            "public_base_url_setting": "https://giamsat.example.vn",
            **more,
        }
    )


def zalo_settings(settings: Settings, fake: FakeZns, **more: Any) -> Settings:
    from pydantic import SecretStr

    return settings.model_copy(
        update={
            "zalo_zns_url": fake.url,
            "zalo_access_token": SecretStr(ZNS_TOKEN),
            "zalo_template_received": "231001",
            "zalo_template_updated": "231002",
            **more,
        }
    )


async def filed(
    session: AsyncSession, settings: Settings, api: Api, **overrides: Any
) -> tuple[Petition, int]:
    """A petition just filed; returns it and the receipt's event (queued in the outbox)."""
    body = petition_body(petitioner=dict(IDENTIFIED), **overrides)
    petition, _ = await file_petition(
        session, settings, api.principal, PetitionCreate.model_validate(body)
    )
    [event_id] = await notified_events(session, petition)
    return petition, event_id


class TestSms:
    async def test_one_sms_per_event_and_a_retry_sends_nothing(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        sms_gateway: FakeSmsGateway,
    ) -> None:
        configured = sms_settings(settings, sms_gateway)
        petition, event_id = await filed(session, settings, api, notify_channel="sms")
        sessions = sessions_on(connection)
        assert (
            await deliver(sessions, configured, petition.id, event_id) is DeliveryStatus.delivered
        )
        [request] = sms_gateway.requests
        body = request.json()
        assert body["to"] == NORMALISED
        assert body["text"] == (
            f"Don {petition.tracking_code}: Don cua ban da duoc tiep nhan voi ma "
            f"{petition.tracking_code}. Tra cuu: https://giamsat.example.vn/tra-cuu"
        )
        assert body["ref"] == f"{petition.id.hex}-{event_id}"
        [logged] = await deliveries(session, petition)
        assert (logged.channel, logged.status, logged.response_status) == ("sms", "delivered", 200)
        assert logged.target == MASKED
        # The same message again (dramatiq may deliver it twice): nothing more is sent.
        assert await deliver(sessions, configured, petition.id, event_id) is None
        assert len(sms_gateway.requests) == 1

    async def test_gateway_down_then_up_gives_one_delivery(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        sms_gateway: FakeSmsGateway,
    ) -> None:
        configured = sms_settings(settings, sms_gateway)
        petition, event_id = await filed(session, settings, api, notify_channel="sms")
        sessions = sessions_on(connection)
        sms_gateway.down = True
        with pytest.raises(DeliveryFailed):
            await deliver(sessions, configured, petition.id, event_id)
        sms_gateway.down = False
        sms_gateway.script = [(503, {"error": "maintenance"})]
        with pytest.raises(DeliveryFailed):
            await deliver(sessions, configured, petition.id, event_id)
        assert (
            await deliver(sessions, configured, petition.id, event_id) is DeliveryStatus.delivered
        )
        assert await deliver(sessions, configured, petition.id, event_id) is None
        # The 503 and the one that went through reached the gateway; one SMS was taken.
        assert len(sms_gateway.requests) == 2
        logged = await deliveries(session, petition)
        assert [(d.attempt, d.status) for d in logged] == [
            (1, DeliveryStatus.failed),
            (2, DeliveryStatus.failed),
            (3, DeliveryStatus.delivered),
        ]
        assert "503" in (logged[1].error or "")
        assert all(
            PHONE not in (d.error or "") and NORMALISED not in (d.error or "") for d in logged
        )

    async def test_a_refusal_is_recorded_and_not_retried(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        sms_gateway: FakeSmsGateway,
    ) -> None:
        configured = sms_settings(settings, sms_gateway)
        petition, event_id = await filed(session, settings, api, notify_channel="sms")
        sms_gateway.script = [(400, {"error": "invalid destination"})]
        sessions = sessions_on(connection)
        assert await deliver(sessions, configured, petition.id, event_id) is DeliveryStatus.refused
        assert await deliver(sessions, configured, petition.id, event_id) is None
        assert len(sms_gateway.requests) == 1
        [logged] = await deliveries(session, petition)
        assert (logged.status, logged.response_status) == ("refused", 400)

    async def test_without_a_gateway_sms_is_skipped(
        self, session: AsyncSession, connection: AsyncConnection, settings: Settings, api: Api
    ) -> None:
        petition, event_id = await filed(session, settings, api, notify_channel="sms")
        status = await deliver(sessions_on(connection), settings, petition.id, event_id)
        assert status is DeliveryStatus.skipped
        [logged] = await deliveries(session, petition)
        assert logged.error == "no SMS gateway configured"

    async def test_a_denouncers_number_is_read_from_the_encrypted_identity(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        sms_gateway: FakeSmsGateway,
    ) -> None:
        configured = sms_settings(settings, sms_gateway)
        petition, event_id = await accepted_petition(
            session,
            settings,
            api,
            kind="denunciation",
            petitioner=dict(IDENTIFIED),
            notify_channel="sms",
        )
        assert (
            await deliver(sessions_on(connection), configured, petition.id, event_id)
            is DeliveryStatus.delivered
        )
        [request] = sms_gateway.requests
        assert request.json()["to"] == NORMALISED
        for value in (
            "Nguyễn Văn An",
            "Nguyen Van An",
            IDENTIFIED["national_id"],
            IDENTIFIED["email"],
        ):
            assert value not in request.body.decode()
        [logged] = await deliveries(session, petition)
        assert logged.target == MASKED


class TestZalo:
    async def test_zns_message_per_event(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        zns: FakeZns,
    ) -> None:
        configured = zalo_settings(settings, zns)
        petition, event_id = await accepted_petition(
            session, settings, api, petitioner=dict(IDENTIFIED), notify_channel="zalo"
        )
        sessions = sessions_on(connection)
        assert (
            await deliver(sessions, configured, petition.id, event_id) is DeliveryStatus.delivered
        )
        [request] = zns.requests
        body = request.json()
        assert body["phone"] == NORMALISED
        assert body["template_id"] == "231002"  # a change, not the receipt
        assert body["template_data"]["ma_don"] == petition.tracking_code
        assert body["template_data"]["trang_thai"] == "Đang xem xét, phân loại"
        assert body["tracking_id"] == f"{petition.id.hex}-{event_id}"
        assert await deliver(sessions, configured, petition.id, event_id) is None
        assert len(zns.requests) == 1

    async def test_invalid_token_then_renewed(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        zns: FakeZns,
    ) -> None:
        from pydantic import SecretStr

        petition, event_id = await filed(session, settings, api, notify_channel="zalo")
        sessions = sessions_on(connection)
        expired = zalo_settings(settings, zns, zalo_access_token=SecretStr("expired-token"))
        with pytest.raises(DeliveryFailed, match="-124"):
            await deliver(sessions, expired, petition.id, event_id)
        renewed = zalo_settings(settings, zns)
        assert await deliver(sessions, renewed, petition.id, event_id) is DeliveryStatus.delivered
        logged = await deliveries(session, petition)
        assert [d.status for d in logged] == ["failed", "delivered"]
        assert all("expired-token" not in (d.error or "") for d in logged)

    async def test_rate_limited_then_sent(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        zns: FakeZns,
    ) -> None:
        configured = zalo_settings(settings, zns)
        petition, event_id = await filed(session, settings, api, notify_channel="zalo")
        zns.script = [(429, {"error": -1, "message": "Too many requests"}), (500, {})]
        sessions = sessions_on(connection)
        for _ in range(2):
            with pytest.raises(DeliveryFailed):
                await deliver(sessions, configured, petition.id, event_id)
        assert (
            await deliver(sessions, configured, petition.id, event_id) is DeliveryStatus.delivered
        )

    async def test_a_number_not_on_zalo_is_refused_once(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        zns: FakeZns,
    ) -> None:
        configured = zalo_settings(settings, zns)
        petitioner = {**IDENTIFIED, "phone": "0339 999 999"}
        body = petition_body(petitioner=petitioner, notify_channel="zalo")
        petition, _ = await file_petition(
            session, settings, api.principal, PetitionCreate.model_validate(body)
        )
        [event_id] = await notified_events(session, petition)
        sessions = sessions_on(connection)
        assert await deliver(sessions, configured, petition.id, event_id) is DeliveryStatus.refused
        assert await deliver(sessions, configured, petition.id, event_id) is None
        assert [r.json()["phone"] for r in zns.requests] == [ZNS_NOT_ON_ZALO]
        [logged] = await deliveries(session, petition)
        assert (logged.status, logged.response_status) == ("refused", -118)

    async def test_without_a_template_zalo_is_skipped(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        zns: FakeZns,
    ) -> None:
        configured = zalo_settings(settings, zns, zalo_template_received=None)
        petition, event_id = await filed(session, settings, api, notify_channel="zalo")
        assert (
            await deliver(sessions_on(connection), configured, petition.id, event_id)
            is DeliveryStatus.skipped
        )
        assert zns.requests == []
        [logged] = await deliveries(session, petition)
        assert logged.error == "no Zalo ZNS access token or received template configured"


async def file_over_http(client: httpx.AsyncClient, api: Api, **overrides: Any) -> httpx.Response:
    return await client.post(
        "/api/v1/petitions",
        json=petition_body(**overrides),
        headers={**api.headers, "Idempotency-Key": uuid.uuid4().hex},
    )


class TestIntakeAndOptOut:
    @pytest.mark.parametrize("channel", ["sms", "zalo"])
    async def test_a_mobile_number_is_required(
        self, client: httpx.AsyncClient, api: Api, channel: str
    ) -> None:
        missing = await file_over_http(
            client, api, notify_channel=channel, petitioner={"email": "a@b.vn"}
        )
        assert missing.status_code == 422
        problem = missing.json()
        assert problem["errors"][0]["field"] == "petitioner.phone"
        assert "số điện thoại di động" in problem["errors"][0]["message"]
        landline = await file_over_http(
            client, api, notify_channel=channel, petitioner={"phone": "024 3825 3434"}
        )
        assert landline.status_code == 422
        assert landline.json()["errors"][0]["code"] == "mobile_number_invalid"
        ok = await file_over_http(
            client, api, notify_channel=channel, petitioner={"phone": "+84 912 345 678"}
        )
        assert ok.status_code == 201, ok.text

    async def test_opt_out_stops_every_notice_and_opt_in_restarts_them(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        sms_gateway: FakeSmsGateway,
    ) -> None:
        configured = sms_settings(settings, sms_gateway)
        response = await file_over_http(
            client, api, notify_channel="sms", petitioner=dict(IDENTIFIED)
        )
        assert response.status_code == 201
        created = response.json()
        petition = await session.get(Petition, uuid.UUID(created["id"]))
        assert petition is not None
        [receipt] = await notified_events(session, petition)
        secret = {"X-Tracking-Secret": created["tracking_secret"]}
        path = f"/api/v1/track/{created['tracking_code']}/notifications"

        off = await client.post(path, json={"notifications": False}, headers=secret)
        assert off.status_code == 200, off.text
        assert off.json()["notifications"] is False
        # Without the secret: the same 404 as an unknown code.
        assert (await client.post(path, json={"notifications": False})).status_code == 404
        assert (
            await client.post(path, json={"notifications": "no"}, headers=secret)
        ).status_code == 422

        sessions = sessions_on(connection)
        # The receipt was queued before the opt-out: its job records a skip, sends nothing.
        assert await deliver(sessions, configured, petition.id, receipt) is DeliveryStatus.skipped
        await session.refresh(petition)
        officer = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
        await triage.request_info(session, petition, principal(officer), "Xin cho biết số nhà?")
        asked = (await notified_events(session, petition))[-1]
        assert await deliver(sessions, configured, petition.id, asked) is DeliveryStatus.skipped
        assert sms_gateway.requests == []
        logged = await deliveries(session, petition)
        assert {d.error for d in logged} == {"the citizen opted out of notifications"}

        on = await client.post(path, json={"notifications": True}, headers=secret)
        assert on.json()["notifications"] is True
        await session.refresh(petition)
        await triage.accept(session, petition, principal(officer), "Đủ nội dung")
        accepted = (await notified_events(session, petition))[-1]
        assert accepted != asked
        assert (
            await deliver(sessions, configured, petition.id, accepted) is DeliveryStatus.delivered
        )
        [request] = sms_gateway.requests
        assert "tiep nhan de xem xet" in request.json()["text"]

    async def test_staff_see_a_masked_number_in_the_delivery_log(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        sms_gateway: FakeSmsGateway,
    ) -> None:
        configured = sms_settings(settings, sms_gateway)
        petition, event_id = await filed(session, settings, api, notify_channel="sms")
        await deliver(sessions_on(connection), configured, petition.id, event_id)
        officer = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
        response = await client.get(
            f"/api/v1/petitions/{petition.id}/notifications", headers=await login(client, officer)
        )
        assert response.status_code == 200, response.text
        [row] = response.json()
        assert (row["channel"], row["status"], row["target"]) == ("sms", "delivered", MASKED)
        assert "912345678" not in response.text
        # Nor in the staff's list of petitions.
        listed = await client.get("/api/v1/petitions", headers=await login(client, officer))
        assert listed.status_code == 200, listed.text
        assert petition.tracking_code in listed.text
        assert "912345678" not in listed.text


class TestLogs:
    async def test_the_number_never_reaches_the_log(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        sms_gateway: FakeSmsGateway,
        capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """A GET gateway has the number in its URL (httpx logs every request's URL); a
        failure is logged; the number is in neither log."""
        import logging

        caplog.set_level(logging.INFO)
        from service.observability import configure_logging

        configured = sms_settings(
            settings,
            sms_gateway,
            sms_gateway_method="GET",
            sms_gateway_body_template='{"to": "{phone}", "text": "{text}"}',
        )
        petition, event_id = await filed(session, settings, api, notify_channel="sms")
        sms_gateway.script = [(502, {"error": f"upstream refused {NORMALISED}"})]
        configure_logging("INFO", json=True)
        try:
            with pytest.raises(DeliveryFailed):
                await deliver(sessions_on(connection), configured, petition.id, event_id)
            structlog.get_logger("test").warning("careless", phone=PHONE, text=f"to {NORMALISED}")
            err = capsys.readouterr().err
        finally:
            structlog.reset_defaults()
        assert "petition_notification_failed" in err
        assert "912345678" not in err
        assert MASKED in err
        # The standard library's records (httpx's request line with the query string).
        requests = [r.getMessage() for r in caplog.records if r.name == "httpx"]
        assert any("/api/send?to=" + MASKED in line for line in requests), requests
        assert "912345678" not in caplog.text


class TestJob:
    async def test_outbox_relay_worker_sms(
        self,
        settings: Settings,
        committed_engine: AsyncEngine,
        seeded: Any,
        sms_gateway: FakeSmsGateway,
        wiring: Wiring,
    ) -> None:
        """Committed intake -> outbox -> relay -> dramatiq worker -> the gateway: exactly
        one SMS; running the job again sends nothing."""
        from dramatiq import Worker

        from service.jobs.broker import broker_queue, setup_broker
        from service.jobs.relay import relay_once

        configured = sms_settings(settings, sms_gateway)
        sessions = wiring.sessions(committed_engine)
        async with session_scope(sessions) as session:
            await seed_default_policy(session)
            client, key = await create_api_client(session)
            api = Api(client=client, key=key)
            petition, event_id = await filed(session, settings, api, notify_channel="sms")
        broker = setup_broker(configured, wiring)
        worker = Worker(broker, worker_threads=1)
        worker.start()
        try:
            while await relay_once(sessions, broker):
                pass
            await asyncio.to_thread(
                broker.join, broker_queue(broker, "notifications"), timeout=30_000
            )
            await asyncio.to_thread(worker.join)
        finally:
            await asyncio.to_thread(worker.stop)
        assert len(sms_gateway.requests) == 1
        assert sms_gateway.requests[0].json()["to"] == NORMALISED
        assert await deliver(sessions, configured, petition.id, event_id) is None
        assert len(sms_gateway.requests) == 1
        async with sessions() as session:
            logged = (
                await session.execute(
                    select(NotificationDelivery).where(
                        col(NotificationDelivery.petition_id) == petition.id
                    )
                )
            ).scalar_one()
        assert (logged.channel, logged.status, logged.target) == ("sms", "delivered", MASKED)
