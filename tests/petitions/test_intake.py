"""Filing a petition: kinds, fields, consent, tracking codes, idempotency."""

import re
import unicodedata
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.auth.models import Role
from service.db import utcnow
from service.deadlines.models import DeadlineStatus, DeadlineStep
from service.petitions.confidential import decrypt_identity
from service.petitions.models import (
    IdempotencyKey,
    Petition,
    Petitioner,
    PetitionEvent,
    PetitionStatus,
)
from service.settings import Settings
from tests.factories import HOAN_KIEM, create_api_client, create_user, login
from tests.petitions.conftest import IDENTIFIED, Api, Staff, file, filed, load, petition_body


def _fields(response: httpx.Response) -> set[str]:
    return {error["field"] for error in response.json().get("errors", [])}


class TestFiling:
    async def test_anonymous_feedback_is_received(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        response = await file(client, api)
        assert response.status_code == 201, response.text
        body = response.json()
        assert re.fullmatch(r"HN-\d{4}-\d{6}", body["tracking_code"])
        assert len(body["tracking_secret"]) >= 20
        assert body["status"] == "received"
        assert body["track_url"].endswith("/api/v1/track/" + body["tracking_code"])
        petition = await load(session, body["id"])
        assert petition.identified is False
        assert await session.get(Petitioner, petition.id) is None
        # The secret is stored hashed only.
        assert body["tracking_secret"] not in petition.secret_hash
        # The routing rules suggest the ward's People's Committee; the routing clock runs.
        assert petition.suggested_agency_id == staff.ward_agency.id
        assert petition.deadline_step == DeadlineStep.routing
        assert petition.deadline_status == DeadlineStatus.running
        assert petition.due_at is not None
        assert petition.due_at > petition.created_at
        events = (
            await session.execute(
                select(PetitionEvent).where(col(PetitionEvent.petition_id) == petition.id)
            )
        ).scalars()
        assert [e.action for e in events] == ["receive"]

    async def test_tracking_numbers_follow_each_other(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        first = await filed(client, api)
        second = await filed(client, api)
        prefix, year, number = first["tracking_code"].split("-")
        assert second["tracking_code"] == f"{prefix}-{year}-{int(number) + 1:06d}"
        assert year == str(utcnow().year) or int(year) == utcnow().year + 1

    async def test_text_is_nfc_normalised(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        decomposed = unicodedata.normalize("NFD", "Ngập nước đường Hàng Bông")
        body = await filed(client, api, petition_body(title=f"  {decomposed}  "))
        petition = await load(session, body["id"])
        assert petition.title == unicodedata.normalize("NFC", "Ngập nước đường Hàng Bông")

    async def test_description_is_limited_to_10000_characters(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        assert (await file(client, api, petition_body(description="a" * 10_000))).status_code == 201
        response = await file(client, api, petition_body(description="a" * 10_001))
        assert response.status_code == 422
        assert "description" in _fields(response)

    async def test_consent_to_process_is_required(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        response = await file(client, api, petition_body(consent_to_process=False))
        assert response.status_code == 422
        assert "consent_to_process" in _fields(response)

    async def test_consents_are_recorded(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        body = await filed(client, api, petition_body(consent_to_publish=True))
        petition = await load(session, body["id"])
        assert petition.consent_process is True
        assert petition.consent_publish is True
        assert petition.consent_recorded_at is not None

    async def test_unknown_unit_category_and_city_level_unit_are_refused(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        response = await file(client, api, petition_body(unit_code="99999", category="nothing"))
        assert response.status_code == 422
        assert {"unit_code", "category"} <= _fields(response)
        # Hanoi itself is a province, not a ward or commune.
        response = await file(client, api, petition_body(unit_code="01"))
        assert "unit_code" in _fields(response)

    async def test_coordinates_must_lie_in_vietnam(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        inside = petition_body(latitude=21.0285, longitude=105.8542)
        assert (await file(client, api, inside)).status_code == 201
        bangkok = petition_body(latitude=13.7563, longitude=100.5018)
        response = await file(client, api, bangkok)
        assert response.status_code == 422
        assert "longitude" in _fields(response)
        tokyo = petition_body(latitude=35.68, longitude=139.69)
        assert {"latitude", "longitude"} <= _fields(await file(client, api, tokyo))
        half = await file(client, api, petition_body(latitude=21.03))
        assert half.status_code == 422
        assert "longitude" in _fields(half)


class TestKinds:
    async def test_complaint_needs_an_identified_petitioner(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        response = await client.post(
            "/api/v1/petitions",
            json=petition_body(kind="complaint"),
            headers={**api.headers, "Idempotency-Key": uuid.uuid4().hex, "Accept-Language": "en"},
        )
        assert response.status_code == 422
        assert "complaint" in response.json()["detail"]
        assert {
            "petitioner.full_name",
            "petitioner.national_id",
            "petitioner.address",
            "petitioner.phone",
            "petitioner.email",
        } <= _fields(response)
        partial = petition_body(kind="complaint", petitioner={"full_name": "Trần Thị B"})
        fields = _fields(await file(client, api, partial))
        assert "petitioner.full_name" not in fields
        assert "petitioner.national_id" in fields

    async def test_denunciation_needs_an_identified_petitioner(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        response = await file(client, api, petition_body(kind="denunciation"))
        assert response.status_code == 422
        assert "petitioner.full_name" in _fields(response)

    async def test_identified_complaint_is_received_with_contact_in_plain_table(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        body = await filed(
            client, api, petition_body(kind="complaint", petitioner=dict(IDENTIFIED))
        )
        petitioner = await session.get(Petitioner, uuid.UUID(body["id"]))
        assert petitioner is not None
        assert petitioner.full_name == IDENTIFIED["full_name"]
        assert petitioner.identity_ciphertext is None
        assert (await load(session, body["id"])).identified is True

    async def test_denouncer_identity_is_stored_encrypted_only(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, settings: Settings
    ) -> None:
        body = await filed(
            client, api, petition_body(kind="denunciation", petitioner=dict(IDENTIFIED))
        )
        petitioner = await session.get(Petitioner, uuid.UUID(body["id"]))
        assert petitioner is not None
        assert petitioner.full_name is None
        assert petitioner.phone is None
        assert petitioner.national_id is None
        assert petitioner.identity_ciphertext is not None
        assert IDENTIFIED["full_name"] not in petitioner.identity_ciphertext
        identity = decrypt_identity(settings, petitioner.identity_ciphertext)
        assert identity.national_id == IDENTIFIED["national_id"]
        # Nowhere in the row in clear text.
        raw = (
            await session.execute(
                text("SELECT row_to_json(p)::text FROM petitioner p WHERE petition_id = :id"),
                {"id": body["id"]},
            )
        ).scalar_one()
        for value in IDENTIFIED.values():
            assert value not in raw

    async def test_feedback_may_be_anonymous_recommendation_too(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        assert (await file(client, api, petition_body(kind="recommendation"))).status_code == 201

    async def test_complaint_window_is_90_days_from_the_decision(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        today = utcnow().date()

        def complaint(decided: Any) -> dict[str, Any]:
            return petition_body(
                kind="complaint",
                petitioner=dict(IDENTIFIED),
                contested_decision_date=decided.isoformat(),
            )

        assert (await file(client, api, complaint(today - timedelta(days=80)))).status_code == 201
        late = await file(client, api, complaint(today - timedelta(days=120)))
        assert late.status_code == 422
        assert "contested_decision_date" in _fields(late)
        future = await file(client, api, complaint(today + timedelta(days=30)))
        assert "contested_decision_date" in _fields(future)

    async def test_email_notifications_need_an_address(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        response = await file(client, api, petition_body(notify_channel="email"))
        assert response.status_code == 422
        assert "petitioner.email" in _fields(response)


class TestWhoMayFile:
    async def test_without_key_401_staff_403_missing_scope_403(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        response = await client.post(
            "/api/v1/petitions", json=petition_body(), headers={"Idempotency-Key": "k1"}
        )
        assert response.status_code == 401
        officer = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
        headers = {**await login(client, officer), "Idempotency-Key": "k2"}
        response = await client.post("/api/v1/petitions", json=petition_body(), headers=headers)
        assert response.status_code == 403
        _, read_only_key = await create_api_client(session, scopes=["petitions:read"])
        response = await client.post(
            "/api/v1/petitions",
            json=petition_body(),
            headers={"X-API-Key": read_only_key, "Idempotency-Key": "k3"},
        )
        assert response.status_code == 403


class TestIdempotency:
    async def _count(self, session: AsyncSession) -> int:
        return int((await session.execute(select(func.count()).select_from(Petition))).scalar_one())

    async def test_same_key_same_body_replays_the_response(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        before = await self._count(session)
        first = await file(client, api, key="retry-1")
        again = await file(client, api, key="retry-1")
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert await self._count(session) == before + 1

    async def test_same_key_other_body_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        assert (await file(client, api, key="retry-2")).status_code == 201
        other = await file(client, api, petition_body(title="Một việc khác hẳn"), key="retry-2")
        assert other.status_code == 422
        assert "header.Idempotency-Key" in _fields(other)

    async def test_keys_belong_to_one_client(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        other_client, other_key = await create_api_client(session)
        first = await file(client, api, key="shared")
        second = await file(client, Api(other_client, other_key), key="shared")
        assert first.status_code == second.status_code == 201
        assert first.json()["id"] != second.json()["id"]

    async def test_a_failed_request_does_not_burn_the_key(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        bad = await file(client, api, petition_body(unit_code="99999"), key="retry-3")
        assert bad.status_code == 422
        assert (await file(client, api, key="retry-3")).status_code == 201

    async def test_the_key_header_is_required(self, client: httpx.AsyncClient, api: Api) -> None:
        response = await client.post("/api/v1/petitions", json=petition_body(), headers=api.headers)
        assert response.status_code in (400, 422)

    async def test_stored_response_is_encrypted_and_old_keys_are_purged(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        from service.petitions.idempotency import purge_expired

        body = (await file(client, api, key="retry-4")).json()
        row = (
            await session.execute(
                select(IdempotencyKey).where(col(IdempotencyKey.key) == "retry-4")
            )
        ).scalar_one()
        assert row.response_body_encrypted is not None
        assert body["tracking_secret"] not in row.response_body_encrypted
        await session.execute(
            text(
                "UPDATE idempotency_key SET created_at = now() - interval '25 hours'"
                " WHERE key = 'retry-4'"
            )
        )
        assert await purge_expired(session) >= 1
        # A purged key is free again: a new petition.
        again = await file(client, api, key="retry-4")
        assert again.status_code == 201
        assert again.json()["id"] != body["id"]

    async def test_an_expired_key_not_yet_purged_is_taken_over(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        first = (await file(client, api, key="retry-5")).json()
        await session.execute(
            text(
                "UPDATE idempotency_key SET created_at = now() - interval '25 hours'"
                " WHERE key = 'retry-5'"
            )
        )
        other_body = petition_body(title="Cây đổ chắn đường")
        again = await file(client, api, other_body, key="retry-5")
        assert again.status_code == 201, again.text
        assert again.json()["id"] != first["id"]
        replay = await file(client, api, other_body, key="retry-5")
        assert replay.headers.get("idempotent-replayed") == "true"
        assert replay.json()["id"] == again.json()["id"]

    async def test_status_of_new_petition(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        body = await filed(client, api)
        assert (await load(session, body["id"])).status == PetitionStatus.received
