"""Citizens following their petition with the tracking code and secret."""

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.petitions.models import PetitionStatus
from service.settings import Settings
from tests.petitions.conftest import (
    Api,
    Staff,
    act,
    filed,
    load,
    staff_headers,
    track,
)
from tests.storage import samples


class TestFollowing:
    async def test_the_secret_shows_status_and_history(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        body = await filed(client, api)
        response = await track(client, body["tracking_code"], body["tracking_secret"])
        assert response.status_code == 200, response.text
        view = response.json()
        assert view["status"] == "received"
        assert view["tracking_code"] == body["tracking_code"]
        assert [e["action"] for e in view["history"]] == ["receive"]
        assert body["tracking_code"] in view["history"][0]["message"]
        assert view["open_questions"] == []
        assert view["answer"] is None
        assert "withdraw" in view["allowed_actions"]

    async def test_codes_are_case_insensitive(self, client: httpx.AsyncClient, api: Api) -> None:
        body = await filed(client, api)
        response = await track(client, body["tracking_code"].lower(), body["tracking_secret"])
        assert response.status_code == 200

    async def test_wrong_secret_and_unknown_code_look_the_same(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        body = await filed(client, api)
        wrong = await track(client, body["tracking_code"], "not-the-secret")
        unknown = await track(client, "HN-1999-000001", body["tracking_secret"])
        missing = await client.get(f"/api/v1/track/{body['tracking_code']}")
        for response in (wrong, unknown, missing):
            assert response.status_code == 404
        assert wrong.json()["detail"] == unknown.json()["detail"] == missing.json()["detail"]
        assert wrong.json()["title"] == unknown.json()["title"]

    async def test_no_account_is_needed(self, client: httpx.AsyncClient, api: Api) -> None:
        body = await filed(client, api)
        response = await client.get(
            f"/api/v1/track/{body['tracking_code']}",
            headers={"X-Tracking-Secret": body["tracking_secret"]},
        )
        assert response.status_code == 200


class TestCitizenActions:
    async def test_answering_a_question_returns_the_petition_to_triage(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        asked = await act(
            client, officer, body["id"], "request-info", {"question": "Ngập từ mấy giờ?"}
        )
        assert asked.status_code == 200, asked.text
        view = (await track(client, body["tracking_code"], body["tracking_secret"])).json()
        assert view["status"] == "needs_info"
        assert view["open_questions"][0]["question"] == "Ngập từ mấy giờ?"
        assert "Ngập từ mấy giờ?" in view["history"][-1]["message"]
        question_id = view["open_questions"][0]["id"]
        petition = await load(session, body["id"])
        assert petition.clock_paused_at is not None
        answered = await client.post(
            f"/api/v1/track/{body['tracking_code']}/clarifications/{question_id}/answer",
            json={"answer": "Từ 17 giờ, khi mưa to."},
            headers={"X-Tracking-Secret": body["tracking_secret"]},
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["status"] == "received"
        assert answered.json()["open_questions"] == []
        petition = await load(session, body["id"])
        assert petition.clock_paused_at is None
        assert len(petition.clock_pauses) == 1
        again = await client.post(
            f"/api/v1/track/{body['tracking_code']}/clarifications/{question_id}/answer",
            json={"answer": "Lần nữa"},
            headers={"X-Tracking-Secret": body["tracking_secret"]},
        )
        assert again.status_code == 409

    async def test_adding_information(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        response = await client.post(
            f"/api/v1/track/{body['tracking_code']}/information",
            json={"text": "Hôm nay nước còn ngập."},
            headers={"X-Tracking-Secret": body["tracking_secret"]},
        )
        assert response.status_code == 200, response.text
        officer = await staff_headers(client, staff.ward_front)
        detail = (await client.get(f"/api/v1/petitions/{body['id']}", headers=officer)).json()
        assert detail["additions"][0]["text"] == "Hôm nay nước còn ngập."

    async def test_withdrawing(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        body = await filed(client, api)
        response = await client.post(
            f"/api/v1/track/{body['tracking_code']}/withdraw",
            json={"reason": "Đã được giải quyết"},
            headers={"X-Tracking-Secret": body["tracking_secret"]},
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "withdrawn"
        petition = await load(session, body["id"])
        assert petition.status == PetitionStatus.withdrawn
        assert petition.clock_stopped_at is not None
        again = await client.post(
            f"/api/v1/track/{body['tracking_code']}/withdraw",
            json={},
            headers={"X-Tracking-Secret": body["tracking_secret"]},
        )
        assert again.status_code == 409
        assert again.json()["allowed_actions"] == []

    async def test_consent_to_publish_can_be_withdrawn(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        from tests.petitions.conftest import petition_body

        body = await filed(client, api, petition_body(consent_to_publish=True))
        response = await client.post(
            f"/api/v1/track/{body['tracking_code']}/consent",
            json={"consent_to_publish": False},
            headers={"X-Tracking-Secret": body["tracking_secret"]},
        )
        assert response.status_code == 200
        assert response.json()["consent_to_publish"] is False
        assert (await load(session, body["id"])).consent_publish is False

    async def test_rating_before_an_answer_is_409(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        body = await filed(client, api)
        response = await client.post(
            f"/api/v1/track/{body['tracking_code']}/rating",
            json={"satisfied": True},
            headers={"X-Tracking-Secret": body["tracking_secret"]},
        )
        assert response.status_code == 409


class TestEvidence:
    async def _upload(
        self, client: httpx.AsyncClient, body: dict[str, str], content: bytes, name: str
    ) -> httpx.Response:
        return await client.post(
            f"/api/v1/track/{body['tracking_code']}/evidence",
            params={"filename": name},
            content=content,
            headers={"X-Tracking-Secret": body["tracking_secret"]},
        )

    async def test_files_are_streamed_hashed_and_listed(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, settings: Settings
    ) -> None:
        import hashlib

        body = await filed(client, api)
        content = samples.jpeg(30_000)
        response = await self._upload(client, body, content, "ngap.jpg")
        assert response.status_code == 201, response.text
        assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()
        assert response.json()["content_type"] == "image/jpeg"
        view = (await track(client, body["tracking_code"], body["tracking_secret"])).json()
        assert [e["name"] for e in view["evidence"]] == ["ngap.jpg"]
        assert (await load(session, body["id"])).evidence_count == 1

    async def test_at_most_20_files(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        body = await filed(client, api)
        petition = await load(session, body["id"])
        petition.evidence_count = 20
        session.add(petition)
        await session.flush()
        response = await self._upload(client, body, samples.pdf(), "bien-ban.pdf")
        assert response.status_code == 409
        assert response.json()["max_files"] == 20

    async def test_only_while_open(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        body = await filed(client, api)
        await client.post(
            f"/api/v1/track/{body['tracking_code']}/withdraw",
            json={},
            headers={"X-Tracking-Secret": body["tracking_secret"]},
        )
        response = await self._upload(client, body, samples.png(), "anh.png")
        assert response.status_code == 409

    async def test_refused_types_and_wrong_secret(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        body = await filed(client, api)
        assert (await self._upload(client, body, samples.exe(), "x.exe")).status_code == 415
        wrong = {**body, "tracking_secret": str(uuid.uuid4())}
        assert (await self._upload(client, wrong, samples.png(), "a.png")).status_code == 404
