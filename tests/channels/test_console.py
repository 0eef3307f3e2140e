"""The console's publications page: the officer's unit only, the per-channel status, and a
failed one sent again through the same service call as the API's retry."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.auth.models import Role
from service.channels import service
from service.channels.models import ChannelKind, ItemType, PublicationStatus
from service.channels.schemas import PublishRequest
from service.directory.models import AdminUnit
from service.jobs.models import OutboxMessage
from tests.channels.conftest import announce, principal
from tests.factories import BA_DINH, HOAN_KIEM, create_user
from tests.web.support import console_login, csrf_token


async def test_the_officer_sees_and_retries_failed_publications(
    client: httpx.AsyncClient, session: AsyncSession, hanoi: AdminUnit
) -> None:
    officer = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
    other = await create_user(session, Role.front_officer, unit_code=BA_DINH)
    mine = await announce(session, officer, title="Họp tổ dân phố số 5")
    theirs = await announce(session, other, title="Thông báo của phường khác")
    [failed] = await service.publish(
        session,
        principal(officer),
        PublishRequest(
            item_type=ItemType.announcement, item_id=mine.id, channels=[ChannelKind.zalo]
        ),
    )
    await service.publish(
        session,
        principal(other),
        PublishRequest(
            item_type=ItemType.announcement, item_id=theirs.id, channels=[ChannelKind.facebook]
        ),
    )
    failed.status, failed.attempts, failed.last_error = (
        PublicationStatus.failed,
        3,
        "zalo: HTTP 503",
    )
    await session.flush()

    assert (await console_login(client, officer.username)).status_code == 303
    page = await client.get("/console/publications")
    assert page.status_code == 200
    assert "Zalo OA" in page.text
    assert "thất bại" in page.text
    assert "zalo: HTTP 503" in page.text
    assert "Trang Facebook" not in page.text  # the other ward's
    token = csrf_token(page.text)
    sent = await client.post(
        f"/console/publications/{failed.id}/retry", data={"_csrf_token": token}
    )
    assert sent.status_code == 303
    await session.refresh(failed)
    assert failed.status == PublicationStatus.pending
    jobs = (
        (
            await session.execute(
                select(OutboxMessage).where(col(OutboxMessage.job_name) == "channels.publish")
            )
        )
        .scalars()
        .all()
    )
    assert len(jobs) == 3  # the two first sends and the retry
    again = await client.post(
        f"/console/publications/{failed.id}/retry", data={"_csrf_token": token}
    )
    assert again.status_code == 409  # pending now: nothing to retry
    filtered = await client.get("/console/publications", params={"status": "sent"})
    assert "Zalo OA" not in filtered.text
