"""Who reads an agency's answer to a denunciation (issue 10, item 5): the agency that writes
it and the Front officers who review it; not administrators (who may not know the denouncer
and the answer may name them), and never the public feed."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from service.deadlines.models import ItemKind
from tests.factories import login
from tests.replies.conftest import (
    COMPLETE_ANSWER,
    Api,
    StandInProvider,
    World,
    refer,
    staff_user,
)

NAMED = {**COMPLETE_ANSWER, "text": "Trả lời ông Nguyễn Văn A về việc cán bộ nhận tiền."}


async def test_only_the_handling_agency_and_front_read_the_answer(
    session: AsyncSession,
    client: httpx.AsyncClient,
    world: World,
    provider: StandInProvider,
    as_agency: Api,
    as_front: Api,
) -> None:
    referral = await refer(session, world, provider, kind=ItemKind.denunciation)
    assert (
        await as_agency.act(referral.id, "/acknowledge", {"agency_reference": "TC-1"})
    ).status_code == 200
    assert (await as_agency.act(referral.id, "/answer", NAMED, method="PUT")).status_code == 200
    assert (await as_agency.act(referral.id, "/answer/submit")).status_code == 200

    [front_copy] = (await as_front.get(f"/{referral.id}")).json()["answers"]
    assert front_copy["text"] == NAMED["text"]
    assert front_copy["text_withheld"] is False
    [agency_copy] = (await as_agency.get(f"/{referral.id}")).json()["answers"]
    assert agency_copy["text"] == NAMED["text"]

    admin = await staff_user(session, Role.admin)
    headers = await login(client, admin)
    for base in ("/api/v1/referrals", "/api/v1/agency/referrals"):
        response = await client.get(f"{base}/{referral.id}", headers=headers)
        assert response.status_code == 200, response.text
        [answer] = response.json()["answers"]
        assert answer["text_withheld"] is True
        assert answer["text"] == ""
        assert answer["signer_name"] is None
        assert "Nguyễn Văn A" not in response.text


async def test_other_kinds_stay_readable_by_administrators(
    session: AsyncSession,
    client: httpx.AsyncClient,
    world: World,
    provider: StandInProvider,
    as_agency: Api,
) -> None:
    referral = await refer(session, world, provider, kind=ItemKind.feedback)
    await as_agency.act(referral.id, "/acknowledge", {"agency_reference": "PA-1"})
    await as_agency.act(referral.id, "/answer", NAMED, method="PUT")
    await as_agency.act(referral.id, "/answer/submit")
    admin = await staff_user(session, Role.admin)
    response = await client.get(
        f"/api/v1/referrals/{referral.id}", headers=await login(client, admin)
    )
    [answer] = response.json()["answers"]
    assert answer["text"] == NAMED["text"]
    assert answer["text_withheld"] is False


async def test_the_agency_reveals_through_the_referral_with_a_reason(
    session: AsyncSession,
    client: httpx.AsyncClient,
    world: World,
    provider: StandInProvider,
    as_agency: Api,
) -> None:
    referral = await refer(session, world, provider, kind=ItemKind.denunciation)
    url = f"/{referral.id}/petitioner/reveal"
    short = await as_agency.client.post(
        f"{as_agency.base}{url}", json={"reason": "xem"}, headers=as_agency.headers
    )
    assert short.status_code == 422
    response = await as_agency.client.post(
        f"{as_agency.base}{url}",
        json={"reason": "Xác minh người tố cáo để giải quyết"},
        headers=as_agency.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["full_name"] == "Nguyễn Văn A"
    other = await login(client, world.other_agency_officer)
    response = await client.post(
        f"/api/v1/agency/referrals{url}",
        json={"reason": "Xác minh người tố cáo để giải quyết"},
        headers=other,
    )
    assert response.status_code == 404
