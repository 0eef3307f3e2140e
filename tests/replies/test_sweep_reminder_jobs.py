"""The sweep's reminders, end to end: committed referrals -> the sweep (one
``replies.notify_agencies`` job per chunk) -> relay -> dramatiq (stub broker) worker -> a real
local SMTP server; a redelivered chunk sends nothing again."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from service.db import session_scope, utcnow
from service.deadlines.models import ItemKind, Urgency
from service.directory.models import Agency
from service.jobs.models import OutboxMessage
from service.kernel.wiring import Wiring
from service.replies import sweep as sweep_module
from service.replies.models import NotificationStatus, Referral, ReferralNotification
from service.replies.sweep import NOTIFY_MANY_JOB, sweep_referrals
from service.settings import Settings
from tests.factories import HOAN_KIEM, create_agency
from tests.mail.smtp_server import smtp_server


async def test_reminder_chunks_are_sent_once_by_the_worker(
    settings: Settings,
    committed_engine: AsyncEngine,
    wiring: Wiring,
    seeded: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dramatiq import Worker

    from service.jobs.broker import broker_queue, setup_broker
    from service.jobs.relay import relay_once

    monkeypatch.setattr(sweep_module, "REMINDER_CHUNK", 2)
    sessions = wiring.sessions(committed_engine)
    now = utcnow()
    async with session_scope(sessions) as session:
        agency = await create_agency(session, name="UBND phường Thử Nghiệm")
        agency_id, address = agency.id, agency.email
        for number in range(3):
            session.add(
                Referral(
                    item_type="petition",
                    item_id=uuid.uuid4(),
                    item_kind=ItemKind.feedback,
                    urgency=Urgency.normal,
                    agency_id=agency.id,
                    unit_code=HOAN_KIEM,
                    title=f"Cống tắc ngõ {number}",
                    deadline_status="running",
                    due_at=now - timedelta(hours=1),
                    warn_at=now - timedelta(hours=3),
                )
            )
    try:
        async with session_scope(sessions) as session:
            result = await sweep_referrals(session, now)
        assert (len(result.overdue), result.reminders) == (3, 3)
        async with sessions() as session:
            jobs = (
                (
                    await session.execute(
                        select(OutboxMessage).where(col(OutboxMessage.job_name) == NOTIFY_MANY_JOB)
                    )
                )
                .scalars()
                .all()
            )
        assert sorted(len(job.payload["notification_ids"]) for job in jobs) == [1, 2]

        with smtp_server() as box:
            smtp = {"smtp_host": "127.0.0.1", "smtp_port": box.port}
            broker = setup_broker(settings.model_copy(update=smtp), wiring)
            worker = Worker(broker, worker_threads=1)
            worker.start()
            try:
                while await relay_once(sessions, broker):
                    pass
                queue = broker_queue(broker, "default")
                await asyncio.to_thread(broker.join, queue, timeout=30_000)
                # The same chunks delivered again (a redelivery): nothing is sent twice.
                actor = broker.get_actor(NOTIFY_MANY_JOB)
                for job in jobs:
                    actor.send(**job.payload)
                await asyncio.to_thread(broker.join, queue, timeout=30_000)
                await asyncio.to_thread(worker.join)
            finally:
                await asyncio.to_thread(worker.stop)
        assert [r.recipients for r in box.messages] == [[address]] * 3
        async with sessions() as session:
            statuses = (await session.execute(select(col(ReferralNotification.status)))).scalars()
            assert sorted(statuses) == [NotificationStatus.sent.value] * 3
    finally:
        async with session_scope(sessions) as session:
            await session.execute(delete(ReferralNotification))
            await session.execute(delete(Referral).where(col(Referral.agency_id) == agency_id))
            await session.execute(delete(Agency).where(col(Agency.id) == agency_id))
