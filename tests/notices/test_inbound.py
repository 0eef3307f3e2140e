"""An SMS gateway forwards a citizen's reply: "STOP" stops the SMS notices of every
petition of that number (plain and encrypted identities), nothing else changes."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.petitions.citizen import asks_to_stop
from service.petitions.models import Petition, PetitionEvent
from tests.factories import create_api_client
from tests.notices.test_delivery import file_over_http
from tests.petitions.conftest import IDENTIFIED, Api

INBOUND = "/api/v1/notices/sms/inbound"


@pytest.mark.parametrize(
    ("text", "stop"),
    [
        ("STOP", True),
        ("stop please", True),
        ("Hủy", True),
        ("HUY", True),
        ("từ chối nhận tin", True),
        ("TC", True),
        ("Dừng", True),
        ("Cảm ơn", False),
        ("", False),
        ("Tôi muốn dừng", False),  # only the first word decides
    ],
)
def test_stop_words(text: str, stop: bool) -> None:
    assert asks_to_stop(text) is stop


async def gateway_headers(session: AsyncSession) -> dict[str, str]:
    _, key = await create_api_client(session, scopes=["sms:inbound"])
    return {"X-API-Key": key}


async def filed_sms(client: httpx.AsyncClient, api: Api, **overrides: Any) -> uuid.UUID:
    response = await file_over_http(client, api, notify_channel="sms", **overrides)
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


class TestInboundStop:
    async def test_stop_opts_out_every_petition_of_the_number(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        mine = [
            await filed_sms(client, api, petitioner={**IDENTIFIED, "phone": "0912 345 678"}),
            await filed_sms(client, api, petitioner={**IDENTIFIED, "phone": "+84912345678"}),
            # A denunciation: the number is only in the encrypted identity.
            await filed_sms(client, api, kind="denunciation", petitioner=dict(IDENTIFIED)),
        ]
        someone_else = await filed_sms(client, api, petitioner={"phone": "0987654321"})
        by_email = await file_over_http(
            client, api, notify_channel="email", petitioner=dict(IDENTIFIED)
        )
        headers = await gateway_headers(session)

        answer = await client.post(
            INBOUND, json={"from": "84912345678", "text": "STOP"}, headers=headers
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"stop": True, "petitions": 3}
        for petition_id in mine:
            petition = await session.get(Petition, petition_id, populate_existing=True)
            assert petition is not None
            assert petition.notify_opted_out_at is not None
            events = await session.execute(
                PetitionEvent.__table__.select().where(  # type: ignore[attr-defined]
                    PetitionEvent.petition_id == petition_id,  # type: ignore[arg-type]
                    PetitionEvent.action == "set_notifications",  # type: ignore[arg-type]
                )
            )
            assert len(events.all()) == 1
        other = await session.get(Petition, someone_else, populate_existing=True)
        assert other is not None
        assert other.notify_opted_out_at is None
        email = await session.get(
            Petition, uuid.UUID(by_email.json()["id"]), populate_existing=True
        )
        assert email is not None
        assert email.notify_opted_out_at is None  # a reply to an SMS stops SMS notices only
        # Again: nothing left to stop.
        again = await client.post(
            INBOUND, json={"from": "0912345678", "text": "stop"}, headers=headers
        )
        assert again.json() == {"stop": True, "petitions": 0}

    async def test_other_replies_change_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        petition_id = await filed_sms(client, api, petitioner=dict(IDENTIFIED))
        answer = await client.post(
            INBOUND,
            json={"from": "0912345678", "text": "Cảm ơn"},
            headers=await gateway_headers(session),
        )
        assert answer.json() == {"stop": False, "petitions": 0}
        petition = await session.get(Petition, petition_id, populate_existing=True)
        assert petition is not None
        assert petition.notify_opted_out_at is None

    async def test_only_the_gateways_key_and_a_mobile_number(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        body = {"from": "0912345678", "text": "STOP"}
        assert (await client.post(INBOUND, json=body)).status_code == 401
        # An API client without the scope (the one that files petitions).
        assert (await client.post(INBOUND, json=body, headers=api.headers)).status_code == 403
        headers = await gateway_headers(session)
        bad = await client.post(
            INBOUND, json={"from": "02438253434", "text": "STOP"}, headers=headers
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "from"
        missing = await client.post(INBOUND, json={"text": "STOP"}, headers=headers)
        assert missing.status_code in (400, 422)
