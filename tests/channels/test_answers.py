"""Publishing a published answer: what goes out is the public feed's row (redacted, with a
link to its portal page), never the petitioner's data; a complaint's answer never goes out."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from service.auth.models import StaffUser
from service.channels import delivery, service
from service.channels.models import ChannelKind, ItemType, PublicationStatus
from service.channels.schemas import PublishRequest
from service.deadlines.models import ItemKind
from service.errors import NotFound
from service.replies.models import PublicAnswer
from service.settings import Settings
from tests.channels.conftest import FakeRemote, principal, sessions_on, set_accounts
from tests.factories import HOAN_KIEM
from tests.replies.conftest import StandInProvider, World, refer
from tests.replies.conftest import provider as provider  # the fixtures of the replies tests
from tests.replies.conftest import wiring as wiring
from tests.replies.conftest import world as world
from tests.replies.test_public_feed import publish

PERSONAL = ("0904-111-222", "001 203 004 567", "a.nguyen@example.vn", "Nguyễn Văn A")


async def public_answer(session: AsyncSession, referral_id: object) -> PublicAnswer | None:
    rows = await session.execute(
        select(PublicAnswer).where(col(PublicAnswer.referral_id) == referral_id)
    )
    return rows.scalar_one_or_none()


async def test_the_public_row_goes_out_redacted(
    session: AsyncSession,
    connection: AsyncConnection,
    world: World,
    provider: StandInProvider,
    admin: StaffUser,
    channel_settings: Settings,
    remote: FakeRemote,
) -> None:
    referral = await refer(
        session,
        world,
        provider,
        title="Rác thải tại ngõ 5, gọi 0904-111-222",
        description="Tôi là Nguyễn Văn A, CCCD 001 203 004 567, email a.nguyen@example.vn.",
        petitioner="Nguyễn Văn A",
    )
    await publish(session, world, referral, "Đã thu gom rác tại ngõ 5.")
    answer = await public_answer(session, referral.id)
    assert answer is not None
    await set_accounts(session, channel_settings, admin, HOAN_KIEM, remote)
    [row] = await service.publish(
        session,
        principal(world.front_officer),
        PublishRequest(
            item_type=ItemType.answer, item_id=answer.id, channels=[ChannelKind.webhook]
        ),
    )
    outcome = await delivery.deliver(sessions_on(connection), channel_settings, row.id)
    assert outcome.status is PublicationStatus.sent
    body = remote.calls[0].json()
    assert body["title"].startswith("Trả lời: Rác thải tại ngõ 5")
    assert "Đã thu gom rác tại ngõ 5." in body["text"]
    assert body["link"] == f"{channel_settings.public_base_url}/tra-loi/{answer.id}"
    for text in PERSONAL:
        assert text not in remote.calls[0].body.decode()
    # Another ward's officer may not publish it.
    with pytest.raises(NotFound):
        await service.publish(
            session,
            principal(world.other_front_officer),
            PublishRequest(
                item_type=ItemType.answer, item_id=answer.id, channels=[ChannelKind.zalo]
            ),
        )


async def test_a_complaint_s_answer_never_goes_out(
    session: AsyncSession, world: World, provider: StandInProvider
) -> None:
    referral = await refer(session, world, provider, kind=ItemKind.complaint, title="Khiếu nại")
    await publish(session, world, referral, "Đã giải quyết khiếu nại.")
    answer = await public_answer(session, referral.id)
    if answer is None:
        pytest.skip("the public feed keeps complaints' answers off already")
    with pytest.raises(NotFound):
        await service.publish(
            session,
            principal(world.front_officer),
            PublishRequest(
                item_type=ItemType.answer, item_id=answer.id, channels=[ChannelKind.zalo]
            ),
        )
