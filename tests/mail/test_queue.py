"""One letter per job: a queued letter is one row and one ``mail.send_letter`` job, sent
once however often it is queued or its job delivered; unavailable is retried, refused is
recorded; and the whole path outbox -> relay -> dramatiq worker -> real local SMTP."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlmodel import col

from service.db import session_scope
from service.jobs.models import OutboxMessage
from service.kernel.wiring import Wiring
from service.mail import NO_SMTP, Attachment, Letter, MailUnavailable, RecordingMailer
from service.mail.models import LetterState, QueuedLetter
from service.mail.queue import SEND_LETTER_JOB, enqueue_letter, send_queued
from service.settings import Settings
from tests.mail.smtp_server import smtp_server

LETTER = Letter(
    to="can-bo@example.vn",
    subject="Đơn quá hạn chuyển xử lý",
    text="HN-2026-000001 (P01) hạn 02/12/2026 09:00 UTC: Ngập nước",
    key="test-queue:1",
)
PDF = Attachment("bao-cao.pdf", b"%PDF-1.7", "application", "pdf")


def sessions_on(connection: AsyncConnection, wiring: Wiring) -> Any:
    """Sessions joined to the test's rolled-back transaction (commits become savepoints)."""

    def make() -> AsyncSession:
        return wiring.bind(
            AsyncSession(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
        )

    return make


async def queued(session: AsyncSession) -> tuple[list[QueuedLetter], list[OutboxMessage]]:
    letters = list((await session.execute(select(QueuedLetter))).scalars())
    jobs = list(
        (
            await session.execute(
                select(OutboxMessage).where(col(OutboxMessage.job_name) == SEND_LETTER_JOB)
            )
        ).scalars()
    )
    return letters, jobs


async def queue_one(connection: AsyncConnection, wiring: Wiring, letter: Letter = LETTER) -> int:
    async with session_scope(sessions_on(connection, wiring)) as session:
        assert await enqueue_letter(session, letter)
        [row], _ = await queued(session)
        assert row.id is not None
        return row.id


def test_the_job_is_declared_with_retries_and_backoff(wiring: Wiring) -> None:
    spec = wiring.job(SEND_LETTER_JOB)
    assert spec is not None
    assert spec.queue == "notifications"
    assert spec.max_retries is not None
    assert spec.max_retries >= 5
    assert 0 < spec.options["min_backoff"] <= spec.options["max_backoff"]


async def test_queued_twice_is_one_letter_and_one_job(session: AsyncSession) -> None:
    assert await enqueue_letter(session, LETTER)
    assert not await enqueue_letter(session, LETTER)
    [row], [job] = await queued(session)
    assert (row.key, row.recipient, row.state, row.attempts) == (
        LETTER.key,
        LETTER.to,
        LetterState.pending,
        0,
    )
    assert job.payload == {"letter_id": row.id}


async def test_attachments_are_not_queued(session: AsyncSession) -> None:
    with_file = Letter(to="a@b.vn", subject="s", text="t", key="k", attachments=(PDF,))
    with pytest.raises(ValueError, match="attachments"):
        await enqueue_letter(session, with_file)


async def test_sent_once_however_often_the_job_runs(
    connection: AsyncConnection, session: AsyncSession, settings: Settings, wiring: Wiring
) -> None:
    letter_id = await queue_one(connection, wiring)
    mailer = RecordingMailer()
    sessions = sessions_on(connection, wiring)
    assert await send_queued(sessions, settings, letter_id, mailer) == LetterState.sent
    # A redelivered message: nothing is sent again.
    assert await send_queued(sessions, settings, letter_id, mailer) == LetterState.sent
    assert mailer.letters == [LETTER]
    row = await session.get(QueuedLetter, letter_id)
    assert row is not None
    await session.refresh(row)
    assert (row.state, row.attempts, row.last_error) == (LetterState.sent, 1, None)
    assert row.sent_at is not None
    assert await send_queued(sessions, settings, letter_id + 10_000, mailer) is None


async def test_unavailable_is_recorded_and_raised_then_sent(
    connection: AsyncConnection, session: AsyncSession, settings: Settings, wiring: Wiring
) -> None:
    letter_id = await queue_one(connection, wiring)
    sessions = sessions_on(connection, wiring)
    with pytest.raises(MailUnavailable):
        await send_queued(sessions, settings, letter_id, RecordingMailer(unavailable=True))
    row = await session.get(QueuedLetter, letter_id)
    assert row is not None
    await session.refresh(row)
    # The attempt is committed before the job fails (and is retried with backoff).
    assert (row.state, row.attempts, row.last_error) == (
        LetterState.pending,
        1,
        "ConnectionRefusedError",
    )
    mailer = RecordingMailer()
    assert await send_queued(sessions, settings, letter_id, mailer) == LetterState.sent
    await session.refresh(row)
    assert (row.state, row.attempts) == (LetterState.sent, 2)
    assert mailer.letters == [LETTER]


async def test_refused_is_recorded_and_not_retried(
    connection: AsyncConnection, session: AsyncSession, settings: Settings, wiring: Wiring
) -> None:
    letter_id = await queue_one(connection, wiring)
    sessions = sessions_on(connection, wiring)
    refusing = RecordingMailer(refuse=frozenset({LETTER.to}))
    assert await send_queued(sessions, settings, letter_id, refusing) == LetterState.refused
    assert await send_queued(sessions, settings, letter_id, RecordingMailer()) == (
        LetterState.refused
    )
    row = await session.get(QueuedLetter, letter_id)
    assert row is not None
    await session.refresh(row)
    assert (row.attempts, row.last_error) == (1, "SMTPRecipientsRefused (550)")


async def test_without_smtp_the_letter_is_skipped(
    connection: AsyncConnection, session: AsyncSession, settings: Settings, wiring: Wiring
) -> None:
    assert settings.smtp_host is None
    letter_id = await queue_one(connection, wiring)
    assert (
        await send_queued(sessions_on(connection, wiring), settings, letter_id)
        == LetterState.skipped
    )
    row = await session.get(QueuedLetter, letter_id)
    assert row is not None
    await session.refresh(row)
    assert (row.state, row.last_error) == (LetterState.skipped, NO_SMTP)


async def test_outbox_relay_worker_smtp(
    settings: Settings, committed_engine: AsyncEngine, wiring: Wiring
) -> None:
    """Two queued letters -> two outbox rows -> relay -> dramatiq (stub broker) worker thread
    -> a real local SMTP server; delivering the messages again sends nothing more."""
    from dramatiq import Worker

    from service.jobs.broker import broker_queue, setup_broker
    from service.jobs.relay import relay_once

    sessions = wiring.sessions(committed_engine)
    second = Letter(to="thanh-pho@example.vn", subject="s", text="t", key="test-queue:2")
    with smtp_server() as box:
        smtp = {"smtp_host": "127.0.0.1", "smtp_port": box.port}
        mail_settings = settings.model_copy(update=smtp)
        async with session_scope(sessions) as session:
            await enqueue_letter(session, LETTER)
            await enqueue_letter(session, second)
        broker = setup_broker(mail_settings, wiring)
        worker = Worker(broker, worker_threads=1)
        worker.start()
        try:
            while await relay_once(sessions, broker):
                pass
            await asyncio.to_thread(
                broker.join, broker_queue(broker, "notifications"), timeout=30_000
            )
            async with sessions() as session:
                ids = list((await session.execute(select(col(QueuedLetter.id)))).scalars())
            # The same jobs delivered again (a redelivery): nothing is sent twice.
            actor = broker.get_actor(SEND_LETTER_JOB)
            for letter_id in ids:
                actor.send(letter_id=letter_id)
            await asyncio.to_thread(
                broker.join, broker_queue(broker, "notifications"), timeout=30_000
            )
            await asyncio.to_thread(worker.join)
        finally:
            await asyncio.to_thread(worker.stop)
    assert sorted(r.recipients[0] for r in box.messages) == [LETTER.to, second.to]
    async with sessions() as session:
        states = (
            await session.execute(
                select(col(QueuedLetter.state), func.count()).group_by(col(QueuedLetter.state))
            )
        ).all()
    assert [tuple(s) for s in states] == [(LetterState.sent.value, 2)]
