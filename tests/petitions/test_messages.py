"""Citizen apps show our messages as they are: Vietnamese unless the request prefers
English, with codes to key on (``type``, ``code``, ``errors[].code``)."""

import uuid
from typing import Any

import httpx

from tests.petitions.conftest import Api, filed, petition_body

PROBLEMS = "https://giamsat.vn/problems/"


async def _file(
    client: httpx.AsyncClient, api: Api, body: dict[str, Any], language: str | None = None
) -> httpx.Response:
    headers = {**api.headers, "Idempotency-Key": uuid.uuid4().hex}
    if language is not None:
        headers["Accept-Language"] = language
    return await client.post("/api/v1/petitions", json=body, headers=headers)


def _error(problem: dict[str, Any], field: str) -> dict[str, Any]:
    return next(e for e in problem["errors"] if e["field"] == field)


class TestIntake:
    async def test_field_errors_are_vietnamese_by_default(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        response = await _file(client, api, petition_body(title="Ô"))
        assert response.status_code == 422
        assert response.headers["content-language"] == "vi"
        assert response.headers["vary"] == "Accept-Language"
        problem = response.json()
        assert problem["type"] == PROBLEMS + "validation"
        assert problem["title"] == "Dữ liệu không hợp lệ"
        assert problem["detail"] == "Yêu cầu có trường dữ liệu không hợp lệ."
        assert problem["code"] == "request_has_invalid_fields"
        assert _error(problem, "title") == {
            "field": "title",
            "code": "string_too_short",
            "message": "Cần nhập ít nhất 3 ký tự.",
        }

    async def test_english_when_the_app_prefers_it(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        response = await _file(client, api, petition_body(title="Ô"), "en-US,en;q=0.9")
        assert response.headers["content-language"] == "en"
        problem = response.json()
        assert problem["title"] == "Invalid input"
        assert _error(problem, "title") == {
            "field": "title",
            "code": "string_too_short",
            "message": "Enter at least 3 characters.",
        }

    async def test_domain_errors_name_the_field_with_a_code(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        body = petition_body(unit_code="99999", kind="complaint")
        vietnamese = (await _file(client, api, body, "vi")).json()
        english = (await _file(client, api, body, "en")).json()
        assert vietnamese["code"] == english["code"] == "identified_petitioner_required"
        assert vietnamese["detail"] == (
            "Đơn khiếu nại cần có thông tin người gửi đơn; còn thiếu một số trường."
        )
        assert english["detail"] == (
            "A complaint needs an identified petitioner; fields are missing."
        )
        unit = _error(vietnamese, "unit_code")
        assert unit["code"] == _error(english, "unit_code")["code"] == "ward_unknown"
        assert unit["message"] == "99999 không phải là mã phường, xã."
        assert _error(english, "unit_code")["message"] == "99999 is not a known ward or commune."

    async def test_a_missing_field_is_coded_missing(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        body = petition_body()
        del body["description"]
        problem = (await _file(client, api, body)).json()
        assert _error(problem, "description") == {
            "field": "description",
            "code": "missing",
            "message": "Trường này là bắt buộc.",
        }


class TestTrackingAndPublic:
    async def test_a_wrong_secret_answers_in_the_citizens_language(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        body = await filed(client, api)
        url = f"/api/v1/track/{body['tracking_code']}"
        default = await client.get(url, headers={"X-Tracking-Secret": "wrong"})
        english = await client.get(
            url, headers={"X-Tracking-Secret": "wrong", "Accept-Language": "en"}
        )
        assert default.status_code == english.status_code == 404
        assert default.json()["title"] == "Không tìm thấy"
        assert default.json()["detail"] == "Không tìm thấy đơn với mã tra cứu và mã bí mật này."
        assert english.json()["detail"] == "No petition with this tracking code and secret."
        assert default.json()["code"] == english.json()["code"] == "tracking_not_found"
        assert default.json()["type"] == english.json()["type"] == PROBLEMS + "not-found"

    async def test_query_parameter_errors_are_coded_and_translated(
        self, client: httpx.AsyncClient
    ) -> None:
        too_small = await client.get("/api/v1/public/answers", params={"limit": 0})
        not_a_number = await client.get(
            "/api/v1/public/answers", params={"limit": "many"}, headers={"Accept-Language": "en"}
        )
        assert too_small.status_code == not_a_number.status_code == 422
        assert too_small.json()["errors"] == [
            {
                "field": "query.limit",
                "code": "greater_than_equal",
                "message": "Giá trị phải từ 1 trở lên.",
            }
        ]
        assert not_a_number.json()["errors"][0]["field"] == "query.limit"
        assert not_a_number.json()["errors"][0]["code"] == "wrong_type"
        assert not_a_number.json()["errors"][0]["message"] == "The value has the wrong type."

    async def test_an_unknown_address_and_a_missing_key_are_vietnamese(
        self, client: httpx.AsyncClient
    ) -> None:
        nowhere = await client.get("/api/v1/no-such-route")
        assert nowhere.status_code == 404
        assert nowhere.json()["detail"] == "Không tìm thấy nội dung tại địa chỉ này."
        assert nowhere.json()["code"] == "http_404"
        anonymous = await client.get("/api/v1/petitions")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == "Bearer"
        assert anonymous.json()["title"] == "Chưa xác thực"
        assert anonymous.json()["code"] == "credentials_required"
        bad_key = await client.get("/api/v1/petitions", headers={"X-API-Key": "gs_nonsense"})
        assert bad_key.status_code == 401
        assert bad_key.json()["detail"] == "Khóa API không hợp lệ."
