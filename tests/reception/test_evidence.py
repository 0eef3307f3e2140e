"""Evidence of a reception: a file the officer uploaded through storage (real S3 server),
linked while the reception runs; someone else's upload is 404, and nothing is linked
before the reception started (409)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.reception import service
from service.reception.models import ReceptionSchedule
from service.reception.schemas import BookingCreate, StartRequest
from service.settings import Settings
from service.storage import service as storage
from service.storage.store import ObjectStore
from tests.factories import login
from tests.petitions.conftest import principal
from tests.reception.conftest import CCCD, People, booking_body
from tests.storage import samples


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_evidence_linked_while_the_reception_runs(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    s3_store: ObjectStore,
    people: People,
    schedule: ReceptionSchedule,
) -> None:
    officer = principal(people.ward_front)
    slot = (await service.free_slots(session, schedule.id))[0]
    booked = await service.book(
        session, settings, BookingCreate.model_validate(booking_body(schedule, slot.starts_at))
    )
    mine = await storage.create_evidence_from_stream(
        session,
        s3_store,
        _chunks(samples.pdf()),
        filename="biên bản.pdf",
        uploader=officer,
        max_bytes=1 << 20,
    )
    theirs = await storage.create_evidence_from_stream(
        session,
        s3_store,
        _chunks(samples.png()),
        filename="ảnh.png",
        uploader=principal(people.second_front),
        max_bytes=1 << 20,
    )
    headers = await login(client, people.ward_front)
    path = f"/api/v1/reception/staff/bookings/{booked.booking.id}/evidence"
    early = await client.post(
        path, json={"evidence_id": str(mine.id)}, headers={**headers, "If-Match": '"1"'}
    )
    assert early.status_code == 409
    await service.start(
        session, settings, booked.booking, officer, StartRequest(national_id=CCCD, document="CCCD")
    )
    foreign = await client.post(
        path, json={"evidence_id": str(theirs.id)}, headers={**headers, "If-Match": '"2"'}
    )
    assert foreign.status_code == 404
    linked = await client.post(
        path, json={"evidence_id": str(mine.id)}, headers={**headers, "If-Match": '"2"'}
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["evidence_ids"] == [str(mine.id)]
    assert linked.headers["ETag"] == '"3"'
