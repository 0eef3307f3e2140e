"""Staff notices (``petitions.notify_staff``): one queued letter per Front officer concerned,
each its own ``mail.send_letter`` job, queued once however often the notice runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from service.jobs.models import OutboxMessage
from service.mail import RecordingMailer
from service.mail.models import LetterState, QueuedLetter
from service.mail.queue import SEND_LETTER_JOB, send_queued
from service.petitions.intake import file_petition
from service.petitions.models import Petition
from service.petitions.notifications import queue_staff_letters
from service.petitions.schemas import PetitionCreate
from service.settings import Settings
from tests.petitions.conftest import Api, Staff, petition_body


def sessions_on(connection: AsyncConnection) -> Any:
    def make() -> AsyncSession:
        return AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    return make


async def with_addresses(session: AsyncSession, staff: Staff) -> None:
    staff.ward_front.email = "phuong@example.vn"
    staff.other_ward_front.email = "phuong-khac@example.vn"
    staff.city_front.email = "thanh-pho@example.vn"
    session.add_all([staff.ward_front, staff.other_ward_front, staff.city_front])
    await session.flush()


async def filed(session: AsyncSession, settings: Settings, api: Api, title: str) -> Petition:
    data = PetitionCreate.model_validate(petition_body(title=title))
    petition, _ = await file_petition(
        session, settings, api.principal, data, now=datetime(2026, 11, 30, 2, tzinfo=UTC)
    )
    return petition


async def letters(session: AsyncSession) -> list[QueuedLetter]:
    rows = await session.execute(select(QueuedLetter).order_by(col(QueuedLetter.recipient)))
    return list(rows.scalars())


async def test_one_letter_per_officer_concerned_queued_once(
    session: AsyncSession, settings: Settings, api: Api, staff: Staff
) -> None:
    await with_addresses(session, staff)
    first = await filed(session, settings, api, "Ngập nước ngõ 5")
    second = await filed(session, settings, api, "Đèn đường hỏng")
    ids = [first.id, second.id]
    # Due soon: the ward's Front officers only, one letter listing both petitions.
    assert await queue_staff_letters(session, "due_soon", ids) == 1
    # Overdue: the city Front.
    assert await queue_staff_letters(session, "overdue", ids) == 1
    # The same notices again (a redelivered job): nothing new is queued.
    assert await queue_staff_letters(session, "due_soon", list(reversed(ids))) == 0
    assert await queue_staff_letters(session, "overdue", ids) == 0
    ward, city = sorted(await letters(session), key=lambda row: row.recipient)
    assert (ward.recipient, city.recipient) == ("phuong@example.vn", "thanh-pho@example.vn")
    assert ward.subject == "Đơn sắp đến hạn chuyển xử lý"
    assert city.subject == "Đơn quá hạn chuyển xử lý (chuyển MTTQ thành phố)"
    for row in (ward, city):
        assert first.tracking_code in row.text
        assert second.tracking_code in row.text
        assert "Ngập nước ngõ 5" in row.text
    jobs = list(
        (
            await session.execute(
                select(OutboxMessage).where(col(OutboxMessage.job_name) == SEND_LETTER_JOB)
            )
        ).scalars()
    )
    assert sorted(job.payload["letter_id"] for job in jobs) == sorted([ward.id, city.id])


async def test_each_letter_is_sent_by_its_own_job(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    api: Api,
    staff: Staff,
) -> None:
    await with_addresses(session, staff)
    petition = await filed(session, settings, api, "Rác thải")
    await queue_staff_letters(session, "due_soon", [petition.id])
    await queue_staff_letters(session, "overdue", [petition.id])
    ward, city = await letters(session)
    sessions = sessions_on(connection)
    # The ward's letter is refused for good; the city's goes out; neither affects the other.
    mailer = RecordingMailer(refuse=frozenset({"phuong@example.vn"}))
    assert ward.id is not None
    assert city.id is not None
    assert await send_queued(sessions, settings, ward.id, mailer) == LetterState.refused
    assert await send_queued(sessions, settings, city.id, mailer) == LetterState.sent
    assert await send_queued(sessions, settings, city.id, mailer) == LetterState.sent
    assert [letter.to for letter in mailer.letters] == ["thanh-pho@example.vn"]
