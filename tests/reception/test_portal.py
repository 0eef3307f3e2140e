"""The portal's booking page (``/tiep-cong-dan``) through HTTP: the form lists the free
slots, a booking shows its receipt once, errors come back next to the fields, and the
citizen cancels with the code and secret."""

from __future__ import annotations

import re
import time

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

import service.web.public.antibot as antibot
from service.reception import service
from service.reception.models import ReceptionBooking, ReceptionSchedule
from service.settings import Settings
from tests.reception.conftest import CCCD, People
from tests.web.support import csrf_token


async def test_book_on_the_portal_and_cancel(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    people: People,
    schedule: ReceptionSchedule,
) -> None:
    page = await client.get(f"/tiep-cong-dan?lich={schedule.id}")
    assert page.status_code == 200
    assert "Tiếp công dân trực tuyến" in page.text
    assert schedule.title in page.text
    slots = await service.free_slots(session, schedule.id)
    token = csrf_token(page.text)
    form = {
        "_csrf_token": token,
        "schedule_id": str(schedule.id),
        "starts_at": slots[0].starts_at.isoformat(),
        "full_name": "Trần Thị Bình",
        "national_id": "12345",
        "phone": "0987654321",
        "topic": "Hỏi về thủ tục cấp sổ đỏ",
        "consent_to_process": "yes",
        "form_token": antibot.issue_token(settings, time.time() - 10),
    }
    # A bot: the honeypot filled, or a token just issued (too fast), is refused.
    assert (await client.post("/tiep-cong-dan", data={**form, "website": "x"})).status_code == 422
    too_fast = {**form, "national_id": CCCD, "form_token": antibot.issue_token(settings)}
    assert (await client.post("/tiep-cong-dan", data=too_fast)).status_code == 422
    refused = await client.post("/tiep-cong-dan", data=form)
    assert refused.status_code == 422
    assert 'id="f-national_id-error"' in refused.text
    booked = await client.post("/tiep-cong-dan", data={**form, "national_id": CCCD})
    assert booked.status_code == 303, booked.text
    assert booked.headers["location"] == "/tiep-cong-dan/bien-nhan"
    receipt = await client.get("/tiep-cong-dan/bien-nhan")
    code = re.search(r"TCD-[A-Z0-9]{8}", receipt.text)
    assert code is not None
    assert "meet.jit.si" in receipt.text
    assert CCCD not in receipt.text
    assert (await client.get("/tiep-cong-dan/bien-nhan")).text.count(code.group(0)) == 0
    row = await _by_code(session, code.group(0))
    assert row.full_name == "Trần Thị Bình"
    # The same form sent again (a double click, a reload) books nothing more: the answer is
    # the first booking's receipt.
    again = await client.post("/tiep-cong-dan", data={**form, "national_id": CCCD})
    assert again.status_code == 303
    assert code.group(0) in (await client.get("/tiep-cong-dan/bien-nhan")).text
    bookings = select(sa.func.count()).where(col(ReceptionBooking.schedule_id) == schedule.id)
    assert (await session.execute(bookings)).scalar_one() == 1
    # The secret was on the receipt only; cancel with a wrong one: 404 next to the form.
    wrong = await client.post(
        "/tiep-cong-dan/huy", data={"_csrf_token": token, "code": code.group(0), "secret": "x" * 22}
    )
    assert wrong.status_code == 404
    secret = _secret_from(receipt.text)
    done = await client.post(
        "/tiep-cong-dan/huy", data={"_csrf_token": token, "code": code.group(0), "secret": secret}
    )
    assert done.status_code == 303
    await session.refresh(row)
    assert row.status == "cancelled"


async def _by_code(session: AsyncSession, code: str) -> ReceptionBooking:
    from service.reception import repository

    row = await repository.booking_by_code(session, code)
    assert row is not None
    return row


def _secret_from(html: str) -> str:
    match = re.search(r"Mã bí mật</dt>\s*<dd[^>]*>([^<]+)</dd>", html)
    assert match is not None, html
    return match.group(1).strip()
