"""The public reads: ``GET requests``, ``GET requests/{id}``, ``GET tokens/{token}``.

Only feedback and recommendations, only what may be public: no petitioner's data, no text
before the Front publishes its answer, then the published (redacted) text."""

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.db import utcnow
from service.petitions.models import Petition, PetitionStatus
from service.settings import Settings
from tests.open311 import spec_examples as spec
from tests.open311.conftest import BASE, filed_code, parse_xml, report
from tests.open311.shapes import assert_json_like, assert_xml_like
from tests.petitions.conftest import IDENTIFIED, Api, Staff
from tests.petitions.test_referral_loop import acknowledge, new_petition, publish_answer, routed

PERSONAL = ("Nguyễn Văn An", "0912345678", "an.nguyen@example.vn", "001203004567")
SECRET_TEXT = "Chủ tịch phường nhận tiền của nhà thầu"


async def get_json(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await client.get(f"{BASE}/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def listed(client: httpx.AsyncClient, **params: Any) -> list[str]:
    return [r["service_request_id"] for r in await get_json(client, "requests.json", **params)]


async def set_created(session: AsyncSession, code: str, days_ago: int) -> None:
    await session.execute(
        update(Petition)
        .where(col(Petition.tracking_code) == code)
        .values(created_at=utcnow() - timedelta(days=days_ago))
    )


class TestOneRequest:
    async def test_xml_and_json_are_the_specs(self, client: httpx.AsyncClient, api: Api) -> None:
        code = await filed_code(client, api)
        xml = parse_xml(await client.get(f"{BASE}/requests/{code}.xml"))
        assert_xml_like(xml, ElementTree.fromstring(spec.REQUESTS_XML))
        [request] = xml
        assert request.findtext("service_request_id") == code
        assert request.findtext("status") == "open"
        assert request.findtext("service_code") == "environment_sanitation"
        assert request.findtext("service_name") == "Môi trường, vệ sinh"
        assert request.findtext("address") == "Phường Hoàn Kiếm"
        assert request.findtext("requested_datetime", "").endswith("+07:00")
        json = await get_json(client, f"requests/{code}.json")
        assert_json_like(json, spec.REQUESTS_JSON)
        assert [r["service_request_id"] for r in json] == [code]
        bare = await client.get(f"{BASE}/requests/{code}")
        assert parse_xml(bare).tag == "service_requests"

    async def test_no_text_or_personal_data_before_publication(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        code = await filed_code(
            client,
            api,
            description="Gọi tôi Nguyễn Văn An 0912345678, an.nguyen@example.vn",
            first_name="An",
            last_name="Nguyễn Văn",
            email="an.nguyen@example.vn",
            phone="0912345678",
            address_string="Nhà tôi số 3 ngõ Hàng Bông",
        )
        for fmt in ("xml", "json"):
            body = (await client.get(f"{BASE}/requests/{code}.{fmt}")).text
            for text in (*PERSONAL[:3], "Gọi tôi", "Nhà tôi"):
                assert text not in body, (fmt, text)
        [request] = await get_json(client, f"requests/{code}.json")
        assert request["description"] is None
        assert request["lat"] is None  # coordinates are published with the answer only
        assert request["status_notes"] == "mới tiếp nhận"
        english = await client.get(
            f"{BASE}/requests/{code}.json", headers={"Accept-Language": "en"}
        )
        assert english.json()[0]["service_name"] == "Environment and sanitation"

    @pytest.mark.parametrize("fmt", ["xml", "json"])
    async def test_an_unknown_id_is_404(self, client: httpx.AsyncClient, fmt: str) -> None:
        response = await client.get(f"{BASE}/requests/HN-2026-999999.{fmt}")
        assert response.status_code == 404
        if fmt == "json":
            assert_json_like(response.json(), spec.ERRORS_JSON)
        else:
            assert_xml_like(parse_xml(response), ElementTree.fromstring(spec.ERRORS_XML))

    async def test_a_token_gives_the_id(self, client: httpx.AsyncClient, api: Api) -> None:
        filed = (await client.post(f"{BASE}/requests.json", data=report(api))).json()[0]
        xml = parse_xml(await client.get(f"{BASE}/tokens/{filed['token']}.xml"))
        assert_xml_like(xml, ElementTree.fromstring(spec.TOKEN_XML))
        assert xml.findtext("request/service_request_id") == filed["service_request_id"]
        json = await get_json(client, f"tokens/{filed['token']}.json")
        assert_json_like(json, spec.TOKEN_JSON)
        assert json == [
            {"service_request_id": filed["service_request_id"], "token": filed["token"]}
        ]
        for token in ("12345", "00000000-0000-0000-0000-000000000000"):
            assert (await client.get(f"{BASE}/tokens/{token}.json")).status_code == 404


class TestNeverPublic:
    async def test_denunciations_and_complaints_never_appear(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings, api: Api
    ) -> None:
        public = await filed_code(client, api)
        hidden = []
        for kind in ("denunciation", "complaint"):
            petition, _ = await new_petition(
                session,
                settings,
                api,
                kind=kind,
                title=SECRET_TEXT,
                description=SECRET_TEXT,
                petitioner=IDENTIFIED,
            )
            hidden.append(petition)
        codes = ",".join([public, *(p.tracking_code for p in hidden)])
        assert await listed(client, service_request_id=codes) == [public]
        everything = await client.get(f"{BASE}/requests.xml")
        assert SECRET_TEXT not in everything.text
        for petition in hidden:
            assert petition.tracking_code not in everything.text
            for fmt in ("xml", "json"):
                one = await client.get(f"{BASE}/requests/{petition.tracking_code}.{fmt}")
                assert one.status_code == 404
                assert SECRET_TEXT not in one.text
            token = await client.get(f"{BASE}/tokens/{petition.id}.json")
            assert token.status_code == 404


class TestList:
    async def test_newest_first_filtered_by_service_and_id(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        first = await filed_code(client, api, device_id="a")
        second = await filed_code(client, api, device_id="b", service_code="traffic_infrastructure")
        everything = await listed(client)
        assert everything.index(second) < everything.index(first)
        assert first not in await listed(client, service_code="traffic_infrastructure")
        assert second in await listed(client, service_code="traffic_infrastructure,land")
        # service_request_id overrides every other parameter (the spec)
        assert await listed(client, service_request_id=first, service_code="land") == [first]
        json = await get_json(client, "requests.json")
        assert_json_like(json, spec.REQUESTS_JSON)
        xml = parse_xml(await client.get(f"{BASE}/requests.xml"))
        assert_xml_like(xml, ElementTree.fromstring(spec.REQUESTS_XML))

    async def test_the_90_day_window(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        recent = await filed_code(client, api, device_id="recent")
        old = await filed_code(client, api, device_id="old")
        await set_created(session, old, days_ago=100)
        default = await listed(client)
        assert recent in default
        assert old not in default
        start = (utcnow() - timedelta(days=120)).isoformat()
        # start_date alone: the 90 days after it
        assert await listed(client, start_date=start) == [old]
        end = (utcnow() - timedelta(days=95)).isoformat()
        assert await listed(client, end_date=end) == [old]
        within = (utcnow() - timedelta(days=30)).isoformat()
        assert await listed(client, start_date=within, end_date=utcnow().isoformat()) == [recent]
        # "+07:00" typed into a URL unencoded: its "+" arrives as a space
        local = (utcnow() + timedelta(hours=7, minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
        unencoded = await client.get(f"{BASE}/requests.json?end_date={local}+07:00")
        assert unencoded.status_code == 200, unencoded.text
        assert recent in [r["service_request_id"] for r in unencoded.json()]

    async def test_the_window_refusals(self, client: httpx.AsyncClient) -> None:
        now = utcnow()
        cases = {
            "start_date": {
                "start_date": (now - timedelta(days=91)).isoformat(),
                "end_date": now.isoformat(),
            },
            "naive": {"start_date": "2026-11-01T08:00:00"},
            "garbage": {"end_date": "yesterday"},
            # the window's arithmetic would overflow at the calendar's edges (it was a 500)
            "last_year": {"start_date": "9999-12-31T00:00:00+00:00"},
            "first_year": {"end_date": "0001-01-01T00:00:00+00:00"},
            "reversed": {
                "start_date": now.isoformat(),
                "end_date": (now - timedelta(days=1)).isoformat(),
            },
            "status": {"status": "pending"},
            "too_long": {"status": "open," * 10},
        }
        for name, params in cases.items():
            response = await client.get(f"{BASE}/requests.json", params=params)
            assert response.status_code == 400, (name, response.text)
            [error] = response.json()
            assert error["code"] == 400
            assert error["description"], name
            if name in {"status", "too_long"}:
                assert error["description"].startswith("status"), error
        long = await client.get(
            f"{BASE}/requests.xml",
            params={
                "start_date": (now - timedelta(days=91)).isoformat(),
                "end_date": now.isoformat(),
            },
        )
        assert "90" in (parse_xml(long).findtext("error/description") or "")

    async def test_status_open_and_closed(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        codes = {}
        for status in (
            PetitionStatus.received,
            PetitionStatus.referred,
            PetitionStatus.withdrawn,
            PetitionStatus.rejected,
            PetitionStatus.closed,
        ):
            code = await filed_code(client, api, device_id=status.value)
            await session.execute(
                update(Petition).where(col(Petition.tracking_code) == code).values(status=status)
            )
            codes[status] = code
        opened = set(await listed(client, status="open"))
        closed = set(await listed(client, status="closed"))
        both = set(await listed(client, status="open,closed"))
        assert opened >= {codes[PetitionStatus.received], codes[PetitionStatus.referred]}
        assert closed >= {
            codes[s]
            for s in (PetitionStatus.withdrawn, PetitionStatus.rejected, PetitionStatus.closed)
        }
        assert not opened & closed
        assert both == opened | closed == set(await listed(client))
        [request] = await get_json(client, f"requests/{codes[PetitionStatus.withdrawn]}.json")
        assert (request["status"], request["status_notes"]) == ("closed", "đã rút đơn")


class TestPublished:
    async def test_the_published_answer_is_the_text(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        api: Api,
        staff: Staff,
    ) -> None:
        petition = await routed(
            session,
            settings,
            api,
            staff,
            consent_to_publish=True,
            latitude=21.0287,
            longitude=105.8521,
            description="Cống tắc trước số 12 Hàng Bông. Tôi là Nguyễn Văn An, 0912345678.",
            petitioner=IDENTIFIED,
        )
        [before] = await get_json(client, f"requests/{petition.tracking_code}.json")
        assert before["status"] == "open"
        assert before["agency_responsible"] == "UBND phường Hoàn Kiếm"
        assert before["expected_datetime"] is not None  # the agency's deadline
        assert before["description"] is None
        await acknowledge(session, petition, staff)
        await publish_answer(session, petition, staff)
        [after] = await get_json(client, f"requests/{petition.tracking_code}.json")
        assert after["status"] == "closed"  # answered: resolved, as the spec means it
        feed = (await client.get("/api/v1/public/answers")).json()["items"]
        # The public feed's redacted texts, not a second redaction (the petitioner's address
        # is gone from the agency's answer as from the citizen's text).
        assert after["status_notes"] == feed[0]["answer_text"]
        assert after["status_notes"] == "Đã nạo vét cống thoát nước đoạn trước số [địa chỉ đã ẩn]."
        assert after["description"] == feed[0]["description"]
        assert after["description"].startswith("Cống tắc trước số [địa chỉ đã ẩn].")
        assert "[số điện thoại đã ẩn]" in after["description"]
        assert after["agency_responsible"] == feed[0]["agency_name"]
        assert (after["lat"], after["long"]) == (21.0287, 105.8521)
        body = (await client.get(f"{BASE}/requests/{petition.tracking_code}.xml")).text
        for text in PERSONAL:
            assert text not in body, text
