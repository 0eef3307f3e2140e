"""``POST requests``: a GeoReport form filed by the API's intake service, once per
(API client, device or account, body); refusals in the spec's format (400, 403)."""

from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.jobs.models import OutboxMessage
from service.petitions.models import Channel, Petition, Petitioner, PetitionKind, PetitionStatus
from tests.factories import HOAN_KIEM, create_api_client
from tests.open311 import spec_examples as spec
from tests.open311.conftest import BASE, DESCRIPTION, post_report, report
from tests.open311.shapes import assert_json_like, assert_xml_like
from tests.petitions.conftest import Api, staff_headers


async def petition_of(session: AsyncSession, code: str) -> Petition:
    petition = (
        await session.execute(select(Petition).where(col(Petition.tracking_code) == code))
    ).scalar_one()
    return petition


async def count_petitions(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Petition))).scalar_one())


class TestFiling:
    async def test_xml_answer_is_the_specs(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        response = await post_report(client, api, fmt="xml", account_id="acc-7")
        assert response.status_code == 201, response.text
        xml = ElementTree.fromstring(response.content)
        expected = ElementTree.fromstring(spec.CREATED_XML)
        [request] = expected  # ours also gives a token: both are allowed, the id at once
        request.insert(1, ElementTree.Element("token"))
        assert_xml_like(xml, expected)
        code = xml.findtext("request/service_request_id") or ""
        assert xml.findtext("request/account_id") == "acc-7"
        assert code in (xml.findtext("request/service_notice") or "")
        petition = await petition_of(session, code)
        assert xml.findtext("request/token") == str(petition.id)

    async def test_the_petition_is_filed_by_intake(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        response = await post_report(
            client,
            api,
            first_name="An",
            last_name="Nguyễn Văn",
            email="an.nguyen@example.vn",
            phone="0912345678",
        )
        assert response.status_code == 201, response.text
        body = response.json()
        example = spec.CREATED_JSON[0]
        with_token = {"service_request_id": "1", "token": "1"} | example  # the spec's order
        assert_json_like(body, [with_token])
        assert body[0]["account_id"] is None
        petition = await petition_of(session, body[0]["service_request_id"])
        assert petition.kind == PetitionKind.feedback
        assert petition.category_code == "environment_sanitation"
        assert petition.unit_code == HOAN_KIEM
        assert (petition.latitude, petition.longitude) == (21.0287, 105.8521)
        assert petition.description == DESCRIPTION
        assert petition.title == DESCRIPTION  # the description itself (under 120 characters)
        assert petition.channel == Channel.app
        assert petition.client_id == api.client.id
        assert petition.status == PetitionStatus.received
        assert petition.consent_process is True
        assert petition.consent_publish is False
        # Intake's routing and deadline: the ward's People's Committee, the routing clock.
        assert petition.suggested_agency_id is not None
        assert petition.due_at is not None
        petitioner = await session.get(Petitioner, petition.id)
        assert petitioner is not None
        assert petitioner.full_name == "Nguyễn Văn An"  # family name first
        assert petitioner.email == "an.nguyen@example.vn"
        jobs = (
            await session.execute(
                select(col(OutboxMessage.job_name)).where(
                    col(OutboxMessage.payload)["petition_id"].astext == str(petition.id)
                )
            )
        ).scalars()
        assert "petitions.suggest_duplicates" in set(jobs)

    async def test_kind_title_and_consent_to_publish_from_attributes(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        code = (
            await post_report(
                client,
                api,
                **{
                    "attribute[kind]": "recommendation",
                    "attribute[title]": "Đề nghị lắp thêm đèn chiếu sáng ngõ 5",
                    "attribute[consent_to_publish]": "true",
                },
            )
        ).json()[0]["service_request_id"]
        petition = await petition_of(session, code)
        assert petition.kind == PetitionKind.recommendation
        assert petition.title == "Đề nghị lắp thêm đèn chiếu sáng ngõ 5"
        assert petition.consent_publish is True

    async def test_a_long_description_is_cut_at_a_word_for_the_title(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        text = "Ổ\ngà " + "Rác thải " * 40 + "\nchi tiết"
        code = (await post_report(client, api, description=text)).json()[0]["service_request_id"]
        petition = await petition_of(session, code)
        assert petition.title.endswith("…")
        assert len(petition.title) <= 121
        assert petition.title.startswith("Ổ gà Rác thải Rác thải")  # lines joined


class TestIdempotency:
    async def test_a_repeated_post_is_one_petition(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        before = await count_petitions(session)
        first = await post_report(client, api)
        again = await post_report(client, api)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert await count_petitions(session) == before + 1

    async def test_another_device_or_body_is_another_petition(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        before = await count_petitions(session)
        first = (await post_report(client, api)).json()[0]["service_request_id"]
        other_device = (await post_report(client, api, device_id="device-2")).json()
        other_account = (await post_report(client, api, account_id="acc-1")).json()
        other_body = (await post_report(client, api, description=DESCRIPTION + " Rất bẩn.")).json()
        codes = {first} | {
            r[0]["service_request_id"] for r in (other_device, other_account, other_body)
        }
        assert len(codes) == 4
        assert await count_petitions(session) == before + 4

    async def test_another_client_with_the_same_body_is_another_petition(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        _, other_key = await create_api_client(session)
        mine = (await post_report(client, api)).json()[0]["service_request_id"]
        theirs = await client.post(f"{BASE}/requests.json", data=report(api, api_key=other_key))
        assert theirs.status_code == 201
        assert theirs.json()[0]["service_request_id"] != mine


class TestRefusals:
    @pytest.mark.parametrize("key", [None, "", "gs_nothere0000_secret", "not a key"])
    async def test_a_missing_or_wrong_api_key_is_403(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, key: str | None
    ) -> None:
        before = await count_petitions(session)
        response = await client.post(f"{BASE}/requests.xml", data=report(api, api_key=key))
        assert response.status_code == 403
        xml = ElementTree.fromstring(response.content)
        assert_xml_like(xml, ElementTree.fromstring(spec.ERRORS_XML))
        assert xml.findtext("error/code") == "403"
        assert "api_key" in (xml.findtext("error/description") or "") or "API" in (
            xml.findtext("error/description") or ""
        )
        assert await count_petitions(session) == before

    async def test_a_key_without_the_write_scope_is_403(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        _, reader = await create_api_client(session, scopes=["petitions:read"])
        response = await client.post(f"{BASE}/requests.json", data=report(api, api_key=reader))
        assert response.status_code == 403
        assert "petitions:write" in response.json()[0]["description"]

    async def test_a_staff_token_is_no_key(
        self, client: httpx.AsyncClient, api: Api, staff: object
    ) -> None:
        headers = await staff_headers(client, staff.ward_front)  # type: ignore[attr-defined]
        response = await client.post(
            f"{BASE}/requests.json", data=report(api, api_key=None), headers=headers
        )
        assert response.status_code == 403

    async def test_intake_refusals_are_400_naming_the_form_fields(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        response = await post_report(
            client,
            api,
            service_code="no_such_category",
            email="not-an-email",
            **{"attribute[consent_to_process]": None, "attribute[ward]": "99999"},
        )
        assert response.status_code == 400, response.text
        body = response.json()
        assert_json_like(body, spec.ERRORS_JSON)
        assert {error["code"] for error in body} == {400}
        described = [error["description"] for error in body]
        assert any(d.startswith("email: ") for d in described), described
        response = await post_report(
            client,
            api,
            service_code="no_such_category",
            **{"attribute[consent_to_process]": None, "attribute[ward]": "99999"},
        )
        described = [error["description"] for error in response.json()]
        assert any(d.startswith("attribute[consent_to_process]: ") for d in described), described
        assert any(d.startswith("attribute[ward]: ") and "99999" in d for d in described)
        assert any(d.startswith("service_code: ") for d in described), described
        english = await client.post(
            f"{BASE}/requests.json",
            data=report(api, **{"attribute[consent_to_process]": None}),
            headers={"Accept-Language": "en"},
        )
        assert english.status_code == 400
        assert english.headers["content-language"] == "en"
        [error] = english.json()
        assert error["description"].startswith("attribute[consent_to_process]: ")
        assert "consent" in error["description"].lower()

    async def test_a_location_is_required(self, client: httpx.AsyncClient, api: Api) -> None:
        response = await post_report(client, api, lat=None, long=None, **{"attribute[ward]": None})
        assert response.status_code == 400
        assert response.json() == [
            {
                "code": 400,
                "description": "attribute[ward]: Cần vị trí: lat và long, address_string "
                "hoặc attribute[ward].",
            }
        ]

    async def test_an_address_without_a_ward_goes_to_intake(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        """Intake is handed the address with no unit; until it resolves addresses to wards it
        refuses that, and the refusal is the spec's 400 naming the ward attribute."""
        before = await count_petitions(session)
        response = await post_report(
            client,
            api,
            lat=None,
            long=None,
            address_string="12 Hàng Bông, phường Hoàn Kiếm, Hà Nội",
            **{"attribute[ward]": None},
        )
        if response.status_code == 201:  # intake resolves addresses: the ward it found
            petition = await petition_of(session, response.json()[0]["service_request_id"])
            assert petition.unit_code == HOAN_KIEM
            assert petition.address_text == "12 Hàng Bông, phường Hoàn Kiếm, Hà Nội"
        else:
            assert response.status_code == 400
            assert any(e["description"].startswith("attribute[ward]: ") for e in response.json()), (
                response.text
            )
            assert await count_petitions(session) == before

    @pytest.mark.parametrize("kind", ["complaint", "denunciation", "anything"])
    async def test_only_feedback_and_recommendations(
        self, client: httpx.AsyncClient, api: Api, kind: str
    ) -> None:
        response = await post_report(client, api, **{"attribute[kind]": kind})
        assert response.status_code == 400
        [error] = response.json()
        assert error["description"].startswith("attribute[kind]: ")

    @pytest.mark.parametrize(
        ("field", "value"), [("lat", "north"), ("long", "1e999x"), ("lat", "91")]
    )
    async def test_bad_coordinates_are_400(
        self, client: httpx.AsyncClient, api: Api, field: str, value: str
    ) -> None:
        response = await post_report(client, api, **{field: value})
        assert response.status_code == 400, response.text
        assert any(e["description"].startswith(f"{field}: ") for e in response.json())

    async def test_a_form_that_is_not_a_form_is_400_not_500(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        response = await client.post(
            f"{BASE}/requests.json", content=b"\xff\xfe", headers={"content-type": "text/plain"}
        )
        assert response.status_code in {400, 403}
        assert response.json()[0]["code"] == response.status_code
        too_long = await post_report(client, api, description="x" * 10_001)
        assert too_long.status_code == 400
        assert too_long.json()[0]["description"].startswith("description: ")

    async def test_another_jurisdiction_files_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        before = await count_petitions(session)
        response = await post_report(client, api, jurisdiction_id="sf.gov")
        assert response.status_code == 404
        assert await count_petitions(session) == before
