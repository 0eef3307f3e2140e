"""Delivery of publications: one attempt at a time against the local server (sent once,
remote id kept; expired token; rate limit; the remote down), tokens kept out of logs and
stored errors, and the whole path outbox -> relay -> dramatiq worker -> remote, with the
remote down and then up again."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest
import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from service.auth.models import Role, StaffUser
from service.channels import delivery, service
from service.channels.models import (
    ChannelAccount,
    ChannelKind,
    ItemType,
    Publication,
    PublicationStatus,
)
from service.channels.schemas import PublishRequest
from service.db import session_scope, utcnow
from service.directory.models import AdminUnit
from service.errors import StateConflict
from service.kernel.wiring import Wiring
from service.oversight.models import PlanForm, PlanState, SupervisionPlan
from service.settings import Settings
from tests.channels.conftest import (
    COVER,
    DOWN,
    FB_TOKEN,
    FB_TOKEN_EXPIRED,
    PAGE_ID,
    WEBHOOK_SECRET,
    ZALO_RATE_LIMITED,
    ZALO_TOKEN,
    ZALO_TOKEN_EXPIRED,
    Answer,
    FakeRemote,
    announce,
    principal,
    sessions_on,
    set_accounts,
)
from tests.factories import HOAN_KIEM, create_user


@pytest.fixture
async def officer(session: AsyncSession, hanoi: AdminUnit) -> StaffUser:
    return await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)


@pytest.fixture
async def accounts(
    session: AsyncSession, channel_settings: Settings, admin: StaffUser, remote: FakeRemote
) -> dict[ChannelKind, ChannelAccount]:
    return await set_accounts(session, channel_settings, admin, HOAN_KIEM, remote)


async def publish(
    session: AsyncSession,
    officer: StaffUser,
    item_id: uuid.UUID,
    *channels: ChannelKind,
    item_type: ItemType = ItemType.announcement,
) -> dict[ChannelKind, Publication]:
    request = PublishRequest(item_type=item_type, item_id=item_id, channels=list(channels))
    rows = await service.publish(session, principal(officer), request)
    return {ChannelKind(row.channel): row for row in rows}


async def reload(session: AsyncSession, publication: Publication) -> Publication:
    await session.refresh(publication)
    return publication


class TestAttempt:
    async def test_each_channel_is_sent_once_and_its_remote_id_kept(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        channel_settings: Settings,
        remote: FakeRemote,
        officer: StaffUser,
        accounts: dict[ChannelKind, ChannelAccount],
    ) -> None:
        announcement = await announce(session, officer)
        rows = await publish(
            session,
            officer,
            announcement.id,
            ChannelKind.zalo,
            ChannelKind.facebook,
            ChannelKind.webhook,
        )
        sessions = sessions_on(connection)
        for row in rows.values():
            outcome = await delivery.deliver(sessions, channel_settings, row.id)
            assert outcome.status is PublicationStatus.sent
        assert len(remote.calls) == 3
        # A message that arrives again sends nothing.
        for row in rows.values():
            outcome = await delivery.deliver(sessions, channel_settings, row.id)
            assert outcome.status is PublicationStatus.sent
        assert len(remote.calls) == 3
        zalo, facebook, webhook = [
            await reload(session, rows[c])
            for c in (ChannelKind.zalo, ChannelKind.facebook, ChannelKind.webhook)
        ]
        # The documented success answers: Zalo's data.token, the Graph API's "pageid_postid".
        assert (zalo.remote_post_id or "").startswith("art-")
        assert (facebook.remote_post_id or "").startswith(f"{PAGE_ID}_")
        assert (webhook.remote_post_id or "").startswith("bot-")
        assert all(p.sent_at is not None and p.attempts == 1 for p in (zalo, facebook, webhook))
        audited = (
            await session.execute(
                text("SELECT count(*) FROM audit_event WHERE action = 'publication.sent'")
            )
        ).scalar_one()
        assert audited == 3  # one per send; the repeats changed nothing and wrote nothing
        by_path = {call.path: call for call in remote.calls}
        article = by_path["/v2.0/article/create"].json()
        assert article["title"] == "Ngày chủ nhật xanh"
        assert article["author"] == "MTTQ Phường Hoàn Kiếm"
        assert article["cover"]["photo_url"] == COVER
        link = f"{channel_settings.public_base_url}/thong-bao/{announcement.id}"
        assert by_path[f"/v21.0/{PAGE_ID}/feed"].form()["link"] == link
        assert by_path["/bot/hook"].json()["delivery_id"] == str(webhook.id)

    async def test_a_scheduled_announcement_waits_for_its_time(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        channel_settings: Settings,
        remote: FakeRemote,
        officer: StaffUser,
        accounts: dict[ChannelKind, ChannelAccount],
    ) -> None:
        """Delivered before its time (an officer's retry enqueues at once): nothing is
        posted, and the job waits for what is left of the time."""
        later = utcnow() + timedelta(hours=2)
        announcement = await announce(session, officer, scheduled_at=later.isoformat())
        rows = await publish(session, officer, announcement.id, ChannelKind.facebook)
        outcome = await delivery.deliver(
            sessions_on(connection), channel_settings, rows[ChannelKind.facebook].id
        )
        assert remote.calls == []
        assert outcome.status is PublicationStatus.pending
        assert outcome.retry_after is not None
        assert 7000 < outcome.retry_after <= 7200

    async def test_an_expired_token_stops_the_account(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        channel_settings: Settings,
        remote: FakeRemote,
        officer: StaffUser,
        accounts: dict[ChannelKind, ChannelAccount],
    ) -> None:
        first = await publish(
            session, officer, (await announce(session, officer)).id, ChannelKind.facebook
        )
        second = await publish(
            session, officer, (await announce(session, officer)).id, ChannelKind.facebook
        )
        remote.script = [FB_TOKEN_EXPIRED]
        sessions = sessions_on(connection)
        outcome = await delivery.deliver(sessions, channel_settings, first[ChannelKind.facebook].id)
        assert outcome.status is PublicationStatus.failed
        failed = await reload(session, first[ChannelKind.facebook])
        assert failed.last_error is not None
        assert "190/463" in failed.last_error
        assert FB_TOKEN not in failed.last_error
        account = accounts[ChannelKind.facebook]
        await session.refresh(account)
        assert account.needs_token is True
        # Nothing more goes out on that account until a new token is set.
        outcome = await delivery.deliver(
            sessions, channel_settings, second[ChannelKind.facebook].id
        )
        assert outcome.status is PublicationStatus.failed
        assert len(remote.calls) == 1
        with pytest.raises(StateConflict):
            await service.retry(session, principal(officer), failed.id)

    async def test_a_rate_limit_is_retried_after_what_the_remote_said(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        channel_settings: Settings,
        remote: FakeRemote,
        officer: StaffUser,
        accounts: dict[ChannelKind, ChannelAccount],
    ) -> None:
        rows = await publish(
            session, officer, (await announce(session, officer)).id, ChannelKind.zalo
        )
        remote.script = [ZALO_RATE_LIMITED]
        sessions = sessions_on(connection)
        outcome = await delivery.deliver(sessions, channel_settings, rows[ChannelKind.zalo].id)
        assert (outcome.status, outcome.retry_after) == (PublicationStatus.retrying, 1.0)
        outcome = await delivery.deliver(sessions, channel_settings, rows[ChannelKind.zalo].id)
        assert outcome.status is PublicationStatus.sent
        sent = await reload(session, rows[ChannelKind.zalo])
        assert (sent.attempts, sent.last_error, sent.remote_post_id) == (2, None, "art-1")

    async def test_a_success_that_names_no_post_is_sent_once(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        channel_settings: Settings,
        remote: FakeRemote,
        officer: StaffUser,
        accounts: dict[ChannelKind, ChannelAccount],
    ) -> None:
        """Zalo took the article but its answer has no token: the article is on the OA, so
        the delivery is done; another attempt would post it a second time."""
        rows = await publish(
            session, officer, (await announce(session, officer)).id, ChannelKind.zalo
        )
        remote.script = [Answer(200, {"error": 0, "message": "Success", "data": {}})]
        sessions = sessions_on(connection)
        for _ in range(2):  # the message arriving again sends nothing
            outcome = await delivery.deliver(sessions, channel_settings, rows[ChannelKind.zalo].id)
            assert (outcome.status, outcome.retry_after) == (PublicationStatus.sent, None)
        assert len(remote.calls) == 1
        sent = await reload(session, rows[ChannelKind.zalo])
        assert (sent.attempts, sent.remote_post_id) == (1, None)
        assert sent.sent_at is not None
        assert sent.last_error == delivery.NO_POST_ID

    async def test_the_remote_down_is_retried_until_the_budget_is_spent(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        channel_settings: Settings,
        remote: FakeRemote,
        officer: StaffUser,
        accounts: dict[ChannelKind, ChannelAccount],
    ) -> None:
        rows = await publish(
            session, officer, (await announce(session, officer)).id, ChannelKind.webhook
        )
        remote.script = [DOWN, DOWN, DOWN]
        sessions = sessions_on(connection)
        statuses = [
            (
                await delivery.deliver(sessions, channel_settings, rows[ChannelKind.webhook].id)
            ).status
            for _ in range(3)
        ]
        assert statuses == [
            PublicationStatus.retrying,
            PublicationStatus.retrying,
            PublicationStatus.failed,
        ]
        failed = await reload(session, rows[ChannelKind.webhook])
        assert failed.attempts == 3
        assert failed.last_error == "webhook: HTTP 503"
        # An officer sends it again: a fresh budget, and this time the remote is up.
        await service.retry(session, principal(officer), failed.id)
        await session.flush()
        outcome = await delivery.deliver(sessions, channel_settings, failed.id)
        assert outcome.status is PublicationStatus.sent

    async def test_an_unreachable_remote_leaves_no_address_in_the_error(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        channel_settings: Settings,
        officer: StaffUser,
        accounts: dict[ChannelKind, ChannelAccount],
    ) -> None:
        rows = await publish(
            session, officer, (await announce(session, officer)).id, ChannelKind.facebook
        )
        nowhere = channel_settings.model_copy(
            update={"channels_facebook_base_url": "http://127.0.0.1:9"}
        )
        outcome = await delivery.deliver(
            sessions_on(connection), nowhere, rows[ChannelKind.facebook].id
        )
        assert outcome.status is PublicationStatus.retrying
        row = await reload(session, rows[ChannelKind.facebook])
        assert row.last_error == "ConnectError"

    async def test_tokens_never_reach_the_logs(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        channel_settings: Settings,
        remote: FakeRemote,
        officer: StaffUser,
        accounts: dict[ChannelKind, ChannelAccount],
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        rows = await publish(
            session,
            officer,
            (await announce(session, officer)).id,
            ChannelKind.zalo,
            ChannelKind.facebook,
            ChannelKind.webhook,
        )
        remote.scripts = {"/v2.0/article/create": [ZALO_TOKEN_EXPIRED]}
        caplog.set_level(logging.DEBUG)
        # Wherever the app's logging configuration sends structlog (stdout, or the standard
        # library's handlers), and httpx/httpcore's own debug records.
        with structlog.testing.capture_logs() as logs:
            for row in rows.values():
                await delivery.deliver(sessions_on(connection), channel_settings, row.id)
        printed = capsys.readouterr()
        logged = caplog.text + repr(logs) + printed.out + printed.err
        assert "channel_publication_failed" in logged  # the expired token's failure
        assert "-216" in logged
        for secret in (ZALO_TOKEN, FB_TOKEN, WEBHOOK_SECRET):
            assert secret not in logged

    async def test_a_conclusion_goes_out_with_its_subject(
        self,
        session: AsyncSession,
        connection: AsyncConnection,
        channel_settings: Settings,
        remote: FakeRemote,
        officer: StaffUser,
        accounts: dict[ChannelKind, ChannelAccount],
    ) -> None:
        plan = SupervisionPlan(
            code=f"GS-{uuid.uuid4().hex[:6]}",
            subject="Việc thu gom rác thải sinh hoạt",
            legal_basis="Luật MTTQ Việt Nam",
            form=PlanForm.delegation,
            unit_code=HOAN_KIEM,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 11, 30),
            state=PlanState.concluded,
            conclusion="Đề nghị UBND phường bố trí thêm điểm tập kết rác. "
            "Ông Ba (0912 345 678) phản ánh nhiều lần.",
            concluded_at=utcnow(),
            conclusion_published_at=utcnow(),
            created_by=officer.id,
        )
        session.add(plan)
        await session.flush()
        rows = await publish(
            session, officer, plan.id, ChannelKind.webhook, item_type=ItemType.conclusion
        )
        await delivery.deliver(
            sessions_on(connection), channel_settings, rows[ChannelKind.webhook].id
        )
        body = remote.calls[0].json()
        assert body["title"] == "Kết luận giám sát: Việc thu gom rác thải sinh hoạt"
        assert body["text"] == (
            "Đề nghị UBND phường bố trí thêm điểm tập kết rác. "
            "Ông Ba ([số điện thoại đã ẩn]) phản ánh nhiều lần."
        )
        assert body["item_type"] == "conclusion"

    async def test_an_unconcluded_plan_is_not_publishable(
        self, session: AsyncSession, officer: StaffUser
    ) -> None:
        plan = SupervisionPlan(
            code=f"GS-{uuid.uuid4().hex[:6]}",
            subject="Kế hoạch chưa kết luận",
            legal_basis="Luật MTTQ Việt Nam",
            form=PlanForm.delegation,
            unit_code=HOAN_KIEM,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 11, 30),
            state=PlanState.in_progress,
            created_by=officer.id,
        )
        session.add(plan)
        await session.flush()
        from service.errors import NotFound

        with pytest.raises(NotFound):
            await publish(
                session, officer, plan.id, ChannelKind.webhook, item_type=ItemType.conclusion
            )

    async def test_a_conclusion_not_yet_made_public_is_not_publishable(
        self, session: AsyncSession, officer: StaffUser
    ) -> None:
        """Concluded, but its approver has not published it (the oversight ``publish``
        action): no Front officer may post it to a channel."""
        plan = SupervisionPlan(
            code=f"GS-{uuid.uuid4().hex[:6]}",
            subject="Kết luận chưa công khai",
            legal_basis="Luật MTTQ Việt Nam",
            form=PlanForm.delegation,
            unit_code=HOAN_KIEM,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 11, 30),
            state=PlanState.concluded,
            conclusion="Kết luận còn chờ người phê duyệt công khai.",
            concluded_at=utcnow(),
            created_by=officer.id,
        )
        session.add(plan)
        await session.flush()
        from service.errors import NotFound

        with pytest.raises(NotFound):
            await publish(
                session, officer, plan.id, ChannelKind.webhook, item_type=ItemType.conclusion
            )


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 45) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.2)


class TestThroughTheWorker:
    async def test_remote_down_then_up_is_delivered_once(
        self,
        channel_settings: Settings,
        committed_engine: AsyncEngine,
        seeded: Any,
        remote: FakeRemote,
        wiring: Wiring,
    ) -> None:
        """Committed publish -> outbox row -> relay -> dramatiq worker (stub broker) -> the
        remotes answer 503 (Zalo then throttles, Retry-After: 1), then take it: one post
        each, the attempts counted."""
        from dramatiq import Worker

        from service.jobs.broker import setup_broker
        from service.jobs.relay import relay_once

        sessions = wiring.sessions(committed_engine)
        async with session_scope(sessions) as session:
            admin = await create_user(session, Role.admin)
            officer = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
            await set_accounts(session, channel_settings, admin, HOAN_KIEM, remote)
            announcement = await announce(session, officer)
            rows = await publish(
                session, officer, announcement.id, ChannelKind.zalo, ChannelKind.facebook
            )
        remote.scripts = {
            "/v2.0/article/create": [DOWN, ZALO_RATE_LIMITED],
            f"/v21.0/{PAGE_ID}/feed": [DOWN],
        }
        broker = setup_broker(channel_settings, wiring)
        worker = Worker(broker, worker_threads=1)
        worker.start()

        async def all_sent() -> bool:
            async with sessions() as session:
                found = [await session.get(Publication, row.id) for row in rows.values()]
            return all(p is not None and p.status == PublicationStatus.sent for p in found)

        try:
            while await relay_once(sessions, broker):
                pass
            await eventually(all_sent)
        finally:
            await asyncio.to_thread(worker.stop)
        paths = [call.path for call in remote.calls]
        assert paths.count("/v2.0/article/create") == 3
        assert paths.count(f"/v21.0/{PAGE_ID}/feed") == 2
        assert remote.posts == 2  # one post per channel, however many attempts
        async with sessions() as session:
            attempts = sorted(
                [(await session.get(Publication, row.id)).attempts for row in rows.values()]
            )  # type: ignore[union-attr]
        assert attempts == [2, 3]
