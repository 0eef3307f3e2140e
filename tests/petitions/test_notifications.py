"""Telling citizens: signed webhooks to a real local HTTP server, email to a real local SMTP
server, the delivery log, retries, and the job path outbox -> relay -> dramatiq worker."""

import asyncio
import email
import json
import socketserver
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlmodel import col

from service.auth.models import ApiClient, Role
from service.db import session_scope
from service.deadlines.policy import seed_default_policy
from service.jobs.models import OutboxMessage
from service.kernel.wiring import Wiring
from service.mail import RecordingMailer
from service.petitions import triage
from service.petitions.intake import file_petition
from service.petitions.models import DeliveryStatus, NotificationDelivery, Petition
from service.petitions.notifications import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryFailed,
    PetitionWebhook,
    deliver,
    signature_valid,
)
from service.petitions.schemas import PetitionCreate
from service.settings import Settings
from tests.factories import HOAN_KIEM, create_api_client, create_user
from tests.fakes import QuietHandler, serving
from tests.petitions.conftest import IDENTIFIED, Api, petition_body, principal

# -- a real webhook receiver ---------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookServer:
    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give, then 200


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    state = WebhookServer(url="")

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.body()
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            self.answer(state.statuses.pop(0) if state.statuses else 200)

    with serving(Handler) as url:
        state.url = f"{url}/giamsat/hook"
        yield state


# -- a real (minimal) SMTP receiver --------------------------------------------------------


@dataclass
class Mailbox:
    port: int
    messages: list[Message] = field(default_factory=list)


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox(port=0)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 test ESMTP\r\n")
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                command = line.decode().strip().upper()
                if command.startswith("DATA"):
                    self.wfile.write(b"354 go ahead\r\n")
                    data = b""
                    while not data.endswith(b"\r\n.\r\n"):
                        chunk = self.rfile.readline()
                        if not chunk:
                            return
                        data += chunk
                    box.messages.append(email.message_from_bytes(data[:-5]))
                    self.wfile.write(b"250 queued\r\n")
                elif command.startswith("QUIT"):
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 ok\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    box.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


# -- helpers ---------------------------------------------------------------------------------


def sessions_on(connection: AsyncConnection) -> Any:
    """Sessions joined to the test's rolled-back transaction (commits become savepoints)."""

    def make() -> AsyncSession:
        return AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    return make


async def notified_events(session: AsyncSession, petition: Petition) -> list[int]:
    """The events of the petition queued for the citizen's notification, in order."""
    job = (
        await session.execute(
            select(OutboxMessage)
            .where(col(OutboxMessage.job_name) == "petitions.notify")
            .order_by(col(OutboxMessage.id))
        )
    ).scalars()
    return [int(m.payload["event_id"]) for m in job if m.payload["petition_id"] == str(petition.id)]


async def accepted_petition(
    session: AsyncSession, settings: Settings, api: Api, **overrides: Any
) -> tuple[Petition, int]:
    """A petition the Front accepted: returns it and the id of the event to notify (the
    acceptance; the receipt was notified before it)."""
    data = PetitionCreate.model_validate(petition_body(**overrides))
    petition, _ = await file_petition(session, settings, api.principal, data)
    officer = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
    await triage.accept(session, petition, principal(officer), "Đủ nội dung")
    events = await notified_events(session, petition)
    assert len(events) == 2  # received, accepted
    return petition, events[-1]


async def deliveries(session: AsyncSession, petition: Petition) -> list[NotificationDelivery]:
    rows = await session.execute(
        select(NotificationDelivery)
        .where(col(NotificationDelivery.petition_id) == petition.id)
        .order_by(col(NotificationDelivery.id))
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def point_webhook(session: AsyncSession, api: Api, url: str | None) -> str:
    client = await session.get(ApiClient, api.client.id)
    assert client is not None
    client.webhook_url = url
    session.add(client)
    await session.flush()
    assert client.webhook_secret is not None
    return client.webhook_secret


# -- webhooks --------------------------------------------------------------------------------


class TestWebhook:
    async def test_signed_body_reaches_the_receiver_once(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        webhook_server: WebhookServer,
    ) -> None:
        secret = await point_webhook(session, api, webhook_server.url)
        petition, event_id = await accepted_petition(
            session, settings, api, petitioner=dict(IDENTIFIED)
        )
        status = await deliver(sessions_on(connection), settings, petition.id, event_id)
        assert status is DeliveryStatus.delivered
        assert len(webhook_server.received) == 1
        request = webhook_server.received[0]
        assert request.path == "/giamsat/hook"
        headers = {k.lower(): v for k, v in request.headers.items()}
        # The receiver's check: HMAC-SHA256 of the raw body with the client's secret.
        assert headers[SIGNATURE_HEADER.lower()].startswith("sha256=")
        assert signature_valid(secret, request.body, headers[SIGNATURE_HEADER.lower()])
        assert not signature_valid(
            "another-secret", request.body, headers[SIGNATURE_HEADER.lower()]
        )
        assert not signature_valid(secret, request.body + b" ", headers[SIGNATURE_HEADER.lower()])
        payload = json.loads(request.body)
        assert payload["tracking_code"] == petition.tracking_code
        assert payload["status"] == "accepted"
        assert payload["event"] == "petition.updated"
        assert str(payload["timestamp"]) == headers[TIMESTAMP_HEADER.lower()]
        assert headers[DELIVERY_HEADER.lower()] == f"{petition.id}:{event_id}"
        for value in IDENTIFIED.values():
            assert value not in request.body.decode()
        [logged] = await deliveries(session, petition)
        assert logged.status == DeliveryStatus.delivered
        assert logged.response_status == 200
        assert logged.target == webhook_server.url
        # Delivered once: a repeated message does nothing.
        assert await deliver(sessions_on(connection), settings, petition.id, event_id) is None
        assert len(webhook_server.received) == 1

    async def test_receipt_is_announced_as_petition_received(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        webhook_server: WebhookServer,
    ) -> None:
        """Filing queues a notification in the same transaction (the outbox); its webhook
        is `petition.received`, signed like every other, with the body the document's
        `webhooks` section describes."""
        secret = await point_webhook(session, api, webhook_server.url)
        data = PetitionCreate.model_validate(petition_body())
        petition, _ = await file_petition(session, settings, api.principal, data)
        [event_id] = await notified_events(session, petition)
        status = await deliver(sessions_on(connection), settings, petition.id, event_id)
        assert status is DeliveryStatus.delivered
        [request] = webhook_server.received
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert signature_valid(secret, request.body, headers[SIGNATURE_HEADER.lower()])
        payload = json.loads(request.body)
        assert payload["event"] == "petition.received"
        assert payload["action"] == "receive"
        assert payload["status"] == "received"
        assert payload["tracking_code"] == petition.tracking_code
        assert petition.tracking_code in payload["message"]
        assert payload["delivery_id"] == headers[DELIVERY_HEADER.lower()]
        assert set(payload) == set(PetitionWebhook.model_fields)
        PetitionWebhook.model_validate(payload)

    async def test_failures_are_logged_and_raised_for_a_retry(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        webhook_server: WebhookServer,
    ) -> None:
        await point_webhook(session, api, webhook_server.url)
        petition, event_id = await accepted_petition(session, settings, api)
        webhook_server.statuses = [503]
        with pytest.raises(DeliveryFailed):
            await deliver(sessions_on(connection), settings, petition.id, event_id)
        status = await deliver(sessions_on(connection), settings, petition.id, event_id)
        assert status is DeliveryStatus.delivered
        logged = await deliveries(session, petition)
        assert [(d.attempt, d.status) for d in logged] == [
            (1, DeliveryStatus.failed),
            (2, DeliveryStatus.delivered),
        ]
        assert logged[0].response_status is None
        assert "503" in (logged[0].error or "")

    async def test_unreachable_receiver_is_a_failure(
        self, session: AsyncSession, connection: AsyncConnection, settings: Settings, api: Api
    ) -> None:
        await point_webhook(session, api, "http://127.0.0.1:9/nobody-listens")
        petition, event_id = await accepted_petition(session, settings, api)
        with pytest.raises(DeliveryFailed):
            await deliver(sessions_on(connection), settings, petition.id, event_id)
        [logged] = await deliveries(session, petition)
        assert logged.status == DeliveryStatus.failed

    async def test_no_webhook_url_is_recorded_as_skipped(
        self, session: AsyncSession, connection: AsyncConnection, settings: Settings, api: Api
    ) -> None:
        await point_webhook(session, api, None)
        petition, event_id = await accepted_petition(session, settings, api)
        status = await deliver(sessions_on(connection), settings, petition.id, event_id)
        assert status is DeliveryStatus.skipped


# -- email -----------------------------------------------------------------------------------


class TestEmail:
    async def test_email_goes_out_over_smtp(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        settings: Settings,
        api: Api,
        smtp_server: Mailbox,
    ) -> None:
        mail_settings = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": smtp_server.port}
        )
        petition, event_id = await accepted_petition(
            session,
            settings,
            api,
            kind="denunciation",
            petitioner=dict(IDENTIFIED),
            notify_channel="email",
        )
        status = await deliver(sessions_on(connection), mail_settings, petition.id, event_id)
        assert status is DeliveryStatus.delivered
        [message] = smtp_server.messages
        assert message["To"] == IDENTIFIED["email"]
        assert petition.tracking_code in str(
            email.header.make_header(email.header.decode_header(message["Subject"]))
        )
        [logged] = await deliveries(session, petition)
        # The log keeps a masked address, never the denouncer's.
        assert logged.target == "a***@example.vn"

    async def test_a_mail_server_down_is_retried_and_a_refusal_is_final(
        self, session: AsyncSession, connection: AsyncConnection, settings: Settings, api: Api
    ) -> None:
        petition, event_id = await accepted_petition(
            session, settings, api, petitioner=dict(IDENTIFIED), notify_channel="email"
        )
        sessions = sessions_on(connection)
        # Unavailable: a failed attempt, and the job raises to be retried with backoff.
        with pytest.raises(DeliveryFailed):
            await deliver(
                sessions, settings, petition.id, event_id, RecordingMailer(unavailable=True)
            )
        # Refused for good (a 5xx): logged with its reply code, not raised, never again.
        refusing = RecordingMailer(refuse=frozenset({IDENTIFIED["email"]}))
        status = await deliver(sessions, settings, petition.id, event_id, refusing)
        assert status is DeliveryStatus.failed
        working = RecordingMailer()
        assert await deliver(sessions, settings, petition.id, event_id, working) is None
        assert working.letters == []
        down, refused = await deliveries(session, petition)
        assert (down.status, down.attempt, down.response_status) == ("failed", 1, None)
        assert (refused.status, refused.attempt, refused.response_status) == ("failed", 2, 550)
        assert refused.error == "SMTPRecipientsRefused (550)"
        assert refused.target == "a***@example.vn"

    async def test_the_letter_keeps_its_id_across_attempts(
        self, session: AsyncSession, connection: AsyncConnection, settings: Settings, api: Api
    ) -> None:
        petition, event_id = await accepted_petition(
            session, settings, api, petitioner=dict(IDENTIFIED), notify_channel="email"
        )
        mailer = RecordingMailer()
        status = await deliver(sessions_on(connection), settings, petition.id, event_id, mailer)
        assert status is DeliveryStatus.delivered
        [letter] = mailer.letters
        assert letter.to == IDENTIFIED["email"]
        assert letter.key == f"petition-notification:{petition.id}:{event_id}"
        assert petition.tracking_code in letter.subject

    async def test_without_an_smtp_host_email_is_skipped(
        self, session: AsyncSession, connection: AsyncConnection, settings: Settings, api: Api
    ) -> None:
        petition, event_id = await accepted_petition(
            session, settings, api, petitioner=dict(IDENTIFIED), notify_channel="email"
        )
        status = await deliver(sessions_on(connection), settings, petition.id, event_id)
        assert status is DeliveryStatus.skipped
        [logged] = await deliveries(session, petition)
        assert logged.error == "no SMTP host configured"


# -- the job path ---------------------------------------------------------------------------


class TestJob:
    def test_notify_retries_with_backoff(self, settings: Settings, wiring: Wiring) -> None:
        from service.jobs.broker import setup_broker

        broker = setup_broker(settings, wiring)
        actor = broker.get_actor("petitions.notify")
        assert actor.options["max_retries"] >= 5
        assert actor.options["min_backoff"] > 0
        assert actor.options["max_backoff"] >= actor.options["min_backoff"]

    async def test_outbox_relay_worker_webhook(
        self,
        settings: Settings,
        committed_engine: AsyncEngine,
        seeded: Any,
        webhook_server: WebhookServer,
        wiring: Wiring,
    ) -> None:
        """A committed change -> outbox row -> relay -> dramatiq (stub broker) worker thread
        -> signed webhook -> delivery log."""
        from dramatiq import Worker

        from service.jobs.broker import broker_queue, setup_broker
        from service.jobs.relay import relay_once

        sessions = wiring.sessions(committed_engine)
        async with session_scope(sessions) as session:
            await seed_default_policy(session)
            client, key = await create_api_client(session)
            client.webhook_url = webhook_server.url
            api = Api(client=client, key=key)
            petition, event_id = await accepted_petition(session, settings, api)
        broker = setup_broker(settings, wiring)
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
        events = sorted(json.loads(r.body)["event"] for r in webhook_server.received)
        assert events == ["petition.received", "petition.updated"]
        async with sessions() as session:
            logged = (
                await session.execute(
                    select(NotificationDelivery).where(
                        col(NotificationDelivery.petition_id) == petition.id,
                        col(NotificationDelivery.event_id) == event_id,
                    )
                )
            ).scalar_one()
        assert logged.status == DeliveryStatus.delivered
        assert uuid.UUID(str(logged.petition_id)) == petition.id
