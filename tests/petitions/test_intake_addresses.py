"""Filing without a unit code: the ward or commune comes from the address, old (pre-2025) or
new, through HTTP against the real database."""

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.petitions.models import PetitionEvent
from tests.factories import BA_DINH, HOAN_KIEM
from tests.petitions.conftest import (
    IDENTIFIED,
    Api,
    Staff,
    file,
    filed,
    load,
    petition_body,
    staff_headers,
)

NGOC_HA = "00008"
LANG = "00187"
YEN_HOA = "00175"
BAT_TRANG = "00583"
THU_LAM = "00484"
DONG_ANH = "00454"


def without_unit(address_text: str | None, **overrides: Any) -> dict[str, Any]:
    body = petition_body(**overrides)
    del body["unit_code"]
    if address_text is not None:
        body["address_text"] = address_text
    return body


def _errors(response: httpx.Response) -> dict[str, dict[str, Any]]:
    return {error["field"]: error for error in response.json().get("errors", [])}


class TestResolved:
    @pytest.mark.parametrize(
        ("address", "unit", "rule"),
        [
            ("phường Hàng Trống, quận Hoàn Kiếm, Hà Nội", HOAN_KIEM, "old_ward_converted"),
            ("P. Hàng Trống, Q. Hoàn Kiếm", HOAN_KIEM, "old_ward_converted"),
            ("phường Hoàn Kiếm, Hà Nội", HOAN_KIEM, "new_name"),
            ("so 5 ngo 12 pho Hang Gai, phuong Hang Gai, quan Hoan Kiem", HOAN_KIEM, None),
            ("phường Quán Thánh, quận Ba Đình, Hà Nội", BA_DINH, "old_ward_converted"),
            ("phường Láng Thượng, quận Đống Đa", LANG, "old_ward_converted"),
            ("Ngõ 5 Trần Duy Hưng, phường Trung Hòa, quận Cầu Giấy", YEN_HOA, None),
            ("xã Bát Tràng, huyện Gia Lâm, Hà Nội", BAT_TRANG, "old_ward_converted"),
            ("xã Đông Anh, Hà Nội", DONG_ANH, "new_name"),
        ],
    )
    async def test_the_petition_is_filed_in_the_unit_the_address_names(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        api: Api,
        address: str,
        unit: str,
        rule: str | None,
    ) -> None:
        created = await filed(client, api, without_unit(address))
        petition = await load(session, created["id"])
        assert petition.unit_code == unit
        assert petition.address_rule == (rule or "old_ward_converted")
        assert petition.address_text == address  # the original text, as written
        received = (
            await session.execute(
                select(PetitionEvent.data).where(
                    col(PetitionEvent.petition_id) == petition.id,
                    col(PetitionEvent.action) == "receive",
                )
            )
        ).scalar_one()
        assert received["address_rule"] == petition.address_rule

    async def test_the_triage_officer_sees_how_the_unit_was_found(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        by_address = await filed(client, api, without_unit("P. Hàng Trống, Q. Hoàn Kiếm"))
        by_code = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        seen = {}
        for created in (by_address, by_code):
            response = await client.get(f"/api/v1/petitions/{created['id']}", headers=officer)
            assert response.status_code == 200, response.text
            seen[created["id"]] = response.json()
        assert seen[by_address["id"]]["unit_code"] == HOAN_KIEM
        assert seen[by_address["id"]]["address_rule"] == "old_ward_converted"
        assert seen[by_code["id"]]["address_rule"] is None

    async def test_a_unit_code_wins_and_nothing_is_resolved(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        body = petition_body(
            unit_code=BA_DINH, address_text="phường Hàng Trống, quận Hoàn Kiếm, Hà Nội"
        )
        petition = await load(session, (await filed(client, api, body))["id"])
        assert petition.unit_code == BA_DINH
        assert petition.address_rule is None

    async def test_a_complaint_too(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        body = without_unit(
            "phường Kim Liên, quận Đống Đa, Hà Nội",
            kind="complaint",
            category="land",
            petitioner=IDENTIFIED,
        )
        petition = await load(session, (await filed(client, api, body))["id"])
        assert petition.unit_code == "00226"  # phường Kim Liên (2025)
        assert petition.address_rule == "old_ward_converted"


class TestAmbiguous:
    @pytest.mark.parametrize(
        ("address", "codes"),
        [
            ("phường Đội Cấn, quận Ba Đình, Hà Nội", {BA_DINH, NGOC_HA}),
            ("xa Uy No, huyen Dong Anh", {THU_LAM, DONG_ANH}),
        ],
    )
    async def test_a_split_ward_answers_422_with_the_candidates(
        self, client: httpx.AsyncClient, api: Api, address: str, codes: set[str]
    ) -> None:
        response = await file(client, api, without_unit(address))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["code"] == "address_ambiguous"
        assert {candidate["code"] for candidate in problem["candidates"]} == codes
        assert set(_errors(response)) == {"address_text"}
        for candidate in problem["candidates"]:
            assert candidate["name"] in problem["detail"]  # the names a person reads

    async def test_the_candidates_are_named_in_vietnamese_and_english(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        body = without_unit("phường Đội Cấn, quận Ba Đình")
        vietnamese = await file(client, api, body)
        english = await client.post(
            "/api/v1/petitions",
            json=body,
            headers={**api.headers, "Idempotency-Key": "addr-en", "Accept-Language": "en"},
        )
        names = [c["name"] for c in vietnamese.json()["candidates"]]
        assert sorted(names) == ["Phường Ba Đình", "Phường Ngọc Hà"]
        assert english.json()["candidates"] == vietnamese.json()["candidates"]
        assert vietnamese.json()["detail"].startswith("Địa chỉ có thể thuộc")
        assert english.json()["detail"].startswith("The address may lie in")

    async def test_choosing_a_candidate_files_it(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        address = "phường Đội Cấn, quận Ba Đình, Hà Nội"
        refused = await file(client, api, without_unit(address))
        chosen = refused.json()["candidates"][1]["code"]
        body = petition_body(unit_code=chosen, address_text=address)
        petition = await load(session, (await filed(client, api, body))["id"])
        assert petition.unit_code == chosen
        assert petition.address_text == address

    async def test_other_errors_are_listed_beside(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        body = without_unit("phường Đội Cấn, quận Ba Đình", consent_to_process=False)
        response = await file(client, api, body)
        assert response.status_code == 422
        assert set(_errors(response)) == {"address_text", "consent_to_process"}
        assert response.json()["code"] == "petition_fields_invalid"
        assert len(response.json()["candidates"]) == 2


class TestNothing:
    @pytest.mark.parametrize(
        "address", ["asdf qwerty zxcv", "số 5 ngõ 12 phố Hàng Gai", "!!!", "Hà Nội"]
    )
    async def test_no_ward_in_the_address_is_422(
        self, client: httpx.AsyncClient, api: Api, address: str
    ) -> None:
        response = await file(client, api, without_unit(address))
        assert response.status_code == 422, response.text
        errors = _errors(response)
        assert errors["address_text"]["code"] == "address_unresolved"
        assert errors["unit_code"]["code"] == "unit_or_address_required"
        assert "candidates" not in response.json()

    async def test_an_address_elsewhere_is_422(self, client: httpx.AsyncClient, api: Api) -> None:
        response = await file(
            client, api, without_unit("phường Bến Nghé, quận 1, Thành phố Hồ Chí Minh")
        )
        assert response.status_code == 422
        error = _errors(response)["address_text"]
        assert error["code"] == "address_outside"
        assert error["message"] == "Địa chỉ không thuộc địa bàn Thành phố Hà Nội."

    async def test_neither_unit_nor_address_is_422(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        for body in (without_unit(None), without_unit("   "), petition_body(unit_code="")):
            response = await file(client, api, body)
            assert response.status_code == 422, response.text
            assert _errors(response)["unit_code"]["code"] == "unit_or_address_required"

    async def test_an_unknown_unit_code_is_still_refused(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        response = await file(
            client, api, petition_body(unit_code="99999", address_text="phường Hoàn Kiếm")
        )
        assert response.status_code == 422
        assert _errors(response)["unit_code"]["code"] == "ward_unknown"


class TestDocument:
    async def test_the_intake_documents_the_address_rules(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/schema/openapi.json")).json()
        operation = document["paths"]["/api/v1/petitions"]["post"]
        assert "Without `unit_code`" in operation["description"]
        reference = operation["responses"]["422"]["$ref"]
        response = document["components"]["responses"][reference.rsplit("/", 1)[1]]
        content = response["content"]["application/problem+json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Problem"}
        ambiguous = content["examples"]["address_ambiguous"]["value"]
        assert [c["code"] for c in ambiguous["candidates"]] == [BA_DINH, NGOC_HA]
        assert "candidates" in document["components"]["schemas"]["Problem"]["properties"]
        create = document["components"]["schemas"]["PetitionCreate"]
        assert "unit_code" not in create.get("required", [])
