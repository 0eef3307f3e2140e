"""What may not be done: other agencies' referrals, out-of-order actions, extensions beyond
policy, late ratings, reopening beyond the limit, stale or missing If-Match."""

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.db import utcnow
from service.deadlines.models import ItemKind
from service.directory.calendar import load_calendar
from service.errors import Conflict, Forbidden, StateConflict
from service.replies import service as replies
from service.replies.models import Referral, ReferralState
from tests.factories import login
from tests.replies.conftest import COMPLETE_ANSWER, Api, Recorder, StandInProvider, World, refer


async def _to_published(
    session: AsyncSession, world: World, referral: Referral, agency: Api, front: Api
) -> None:
    if referral.state == ReferralState.sent:
        assert (
            await agency.act(referral.id, "/acknowledge", {"agency_reference": "1"})
        ).status_code == 200
    assert (
        await agency.act(referral.id, "/answer", COMPLETE_ANSWER, method="PUT")
    ).status_code == 200
    assert (await agency.act(referral.id, "/answer/submit")).status_code == 200
    assert (await front.act(referral.id, "/answer/accept")).status_code == 200
    assert (await front.act(referral.id, "/publish")).status_code == 200
    await session.refresh(referral)


class TestScope:
    async def test_another_agency_gets_404(
        self,
        session: AsyncSession,
        client: httpx.AsyncClient,
        world: World,
        provider: StandInProvider,
    ) -> None:
        referral = await refer(session, world, provider)
        other = Api(
            client, await login(client, world.other_agency_officer), "/api/v1/agency/referrals"
        )
        assert (await other.get(f"/{referral.id}")).status_code == 404
        response = await other.act(
            referral.id, "/acknowledge", {"agency_reference": "X"}, if_match='"1"'
        )
        assert response.status_code == 404
        response = await other.act(
            referral.id, "/answer", COMPLETE_ANSWER, method="PUT", if_match='"1"'
        )
        assert response.status_code == 404
        assert (await other.get()).json()["items"] == []

    async def test_front_officer_of_another_ward_gets_404(
        self,
        session: AsyncSession,
        client: httpx.AsyncClient,
        world: World,
        provider: StandInProvider,
    ) -> None:
        referral = await refer(session, world, provider)
        other = Api(client, await login(client, world.other_front_officer), "/api/v1/referrals")
        assert (await other.get(f"/{referral.id}")).status_code == 404
        assert (await other.get()).json()["items"] == []
        city = Api(client, await login(client, world.city_front_officer), "/api/v1/referrals")
        assert (await city.get(f"/{referral.id}")).status_code == 200

    async def test_agency_officer_cannot_use_front_routes(
        self, session: AsyncSession, world: World, provider: StandInProvider, as_agency: Api
    ) -> None:
        referral = await refer(session, world, provider)
        front_route = Api(as_agency.client, as_agency.headers, "/api/v1/referrals")
        response = await front_route.act(referral.id, "/publish", if_match='"1"')
        assert response.status_code == 403


class TestParties:
    async def test_someone_elses_action_is_403_in_any_state(
        self, session: AsyncSession, world: World, provider: StandInProvider
    ) -> None:
        """The Front does not acknowledge and the agency does not publish: 403, not 409."""
        referral = await refer(session, world, provider)
        with pytest.raises(Forbidden):
            await replies.acknowledge(
                session,
                await replies.load_for_change(
                    session, referral.id, world.actor(world.front_officer)
                ),
                actor=world.actor(world.front_officer),
                agency_reference="1",
            )
        with pytest.raises(Forbidden):
            await replies.publish_answer(
                session,
                await replies.load_for_change(
                    session, referral.id, world.actor(world.agency_officer)
                ),
                actor=world.actor(world.agency_officer),
            )


class TestStateRules:
    async def test_publishing_an_unaccepted_answer_is_409(
        self,
        session: AsyncSession,
        world: World,
        provider: StandInProvider,
        as_agency: Api,
        as_front: Api,
    ) -> None:
        referral = await refer(session, world, provider)
        assert (
            await as_agency.act(referral.id, "/acknowledge", {"agency_reference": "1"})
        ).status_code == 200
        assert (
            await as_agency.act(referral.id, "/answer", COMPLETE_ANSWER, method="PUT")
        ).status_code == 200
        assert (await as_agency.act(referral.id, "/answer/submit")).status_code == 200
        response = await as_front.act(referral.id, "/publish")
        assert response.status_code == 409
        problem = response.json()
        assert problem["state"] == "answer_submitted"
        assert problem["allowed_actions"] == ["accept_answer", "cancel", "return_answer"]
        assert response.headers["content-type"].startswith("application/problem+json")

    async def test_acknowledging_twice_is_409(
        self, session: AsyncSession, world: World, provider: StandInProvider, as_agency: Api
    ) -> None:
        referral = await refer(session, world, provider)
        assert (
            await as_agency.act(referral.id, "/acknowledge", {"agency_reference": "1"})
        ).status_code == 200
        response = await as_agency.act(referral.id, "/acknowledge", {"agency_reference": "2"})
        assert response.status_code == 409
        assert "submit_answer" in response.json()["allowed_actions"]

    async def test_submitting_an_incomplete_answer_is_422(
        self, session: AsyncSession, world: World, provider: StandInProvider, as_agency: Api
    ) -> None:
        referral = await refer(session, world, provider)
        assert (
            await as_agency.act(referral.id, "/acknowledge", {"agency_reference": "1"})
        ).status_code == 200
        draft = {"outcome": "rejected_with_legal_basis", "text": "Không có cơ sở"}
        assert (await as_agency.act(referral.id, "/answer", draft, method="PUT")).status_code == 200
        response = await as_agency.act(referral.id, "/answer/submit")
        assert response.status_code == 422
        fields = {e["field"] for e in response.json()["errors"]}
        assert {"answer.legal_basis", "answer.document_number", "answer.signer_name"} <= fields

    async def test_attaching_a_file_of_another_referral_is_422(
        self, session: AsyncSession, world: World, provider: StandInProvider, as_agency: Api
    ) -> None:
        referral = await refer(session, world, provider)
        assert (
            await as_agency.act(referral.id, "/acknowledge", {"agency_reference": "1"})
        ).status_code == 200
        draft = {**COMPLETE_ANSWER, "attachment_ids": [str(uuid.uuid4())]}
        response = await as_agency.act(referral.id, "/answer", draft, method="PUT")
        assert response.status_code == 422

    async def test_declined_referral_goes_back_to_the_front(
        self,
        session: AsyncSession,
        world: World,
        provider: StandInProvider,
        as_agency: Api,
        recorder: Recorder,
    ) -> None:
        referral = await refer(session, world, provider)
        response = await as_agency.act(
            referral.id,
            "/decline",
            {
                "reason": "Thuộc thẩm quyền Sở Xây dựng",
                "suggested_agency_id": str(world.other_agency.id),
            },
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["state"] == "declined"
        assert body["deadline_status"] == "stopped"
        assert body["allowed_actions"] == []
        event = recorder.last("referral.declined")
        assert event.data["suggested_agency_id"] == world.other_agency.id


class TestExtensions:
    async def _acknowledged(
        self,
        session: AsyncSession,
        world: World,
        provider: StandInProvider,
        agency: Api,
        kind: ItemKind,
    ) -> Referral:
        referral = await refer(session, world, provider, kind=kind)
        assert (
            await agency.act(referral.id, "/acknowledge", {"agency_reference": "1"})
        ).status_code == 200
        await session.refresh(referral)
        return referral

    async def test_a_date_beyond_the_policy_is_422(
        self, session: AsyncSession, world: World, provider: StandInProvider, as_agency: Api
    ) -> None:
        referral = await self._acknowledged(session, world, provider, as_agency, ItemKind.feedback)
        calendar = await load_calendar(session)
        assert referral.due_at is not None
        too_late = calendar.local_date(referral.due_at) + timedelta(days=40)
        response = await as_agency.act(
            referral.id, "/extensions", {"reason": "Phức tạp", "new_due_date": str(too_late)}
        )
        assert response.status_code == 422
        assert "latest_due_date" in response.json()

    async def test_more_extensions_than_the_policy_allows_is_409(
        self,
        session: AsyncSession,
        world: World,
        provider: StandInProvider,
        as_agency: Api,
        as_front: Api,
    ) -> None:
        referral = await self._acknowledged(session, world, provider, as_agency, ItemKind.feedback)
        calendar = await load_calendar(session)
        assert referral.due_at is not None
        wanted = calendar.local_date(referral.due_at) + timedelta(days=2)
        response = await as_agency.act(
            referral.id,
            "/extensions",
            {"reason": "Cần thêm thời gian", "new_due_date": str(wanted)},
        )
        assert response.status_code == 201
        # A second request while the first waits: 409.
        again = await as_agency.act(
            referral.id, "/extensions", {"reason": "Lần nữa", "new_due_date": str(wanted)}
        )
        assert again.status_code == 409
        decision = await as_front.act(
            referral.id, f"/extensions/{response.json()['id']}/decision", {"approve": True}
        )
        assert decision.status_code == 200
        # Feedback allows one extension: the second is refused by policy.
        await session.refresh(referral)
        assert referral.due_at is not None
        later = calendar.local_date(referral.due_at) + timedelta(days=1)
        response = await as_agency.act(
            referral.id, "/extensions", {"reason": "Lần hai", "new_due_date": str(later)}
        )
        assert response.status_code == 409
        assert response.json()["max_extensions"] == 1

    async def test_a_kind_without_extensions_is_409(
        self, session: AsyncSession, world: World, provider: StandInProvider, as_agency: Api
    ) -> None:
        referral = await self._acknowledged(session, world, provider, as_agency, ItemKind.complaint)
        calendar = await load_calendar(session)
        assert referral.due_at is not None
        wanted = calendar.local_date(referral.due_at) + timedelta(days=1)
        response = await as_agency.act(
            referral.id, "/extensions", {"reason": "Phức tạp", "new_due_date": str(wanted)}
        )
        assert response.status_code == 409

    async def test_a_refused_extension_leaves_the_deadline(
        self,
        session: AsyncSession,
        world: World,
        provider: StandInProvider,
        as_agency: Api,
        as_front: Api,
    ) -> None:
        referral = await self._acknowledged(session, world, provider, as_agency, ItemKind.feedback)
        due = referral.due_at
        calendar = await load_calendar(session)
        assert due is not None
        wanted = calendar.local_date(due) + timedelta(days=2)
        response = await as_agency.act(
            referral.id, "/extensions", {"reason": "Cần thêm", "new_due_date": str(wanted)}
        )
        decision = await as_front.act(
            referral.id,
            f"/extensions/{response.json()['id']}/decision",
            {"approve": False, "note": "Không đủ lý do"},
        )
        assert decision.status_code == 200
        assert decision.json()["status"] == "refused"
        await session.refresh(referral)
        assert referral.due_at == due


class TestRating:
    async def test_rating_after_the_window_is_409(
        self,
        session: AsyncSession,
        world: World,
        provider: StandInProvider,
        as_agency: Api,
        as_front: Api,
    ) -> None:
        referral = await refer(session, world, provider)
        await _to_published(session, world, referral, as_agency, as_front)
        await session.execute(
            update(Referral)
            .where(col(Referral.id) == referral.id)
            .values(feedback_due_at=utcnow() - timedelta(minutes=1))
        )
        with pytest.raises(Conflict) as caught:
            await replies.rate_answer(
                session,
                await replies.lock_referral(session, referral.id),
                satisfied=False,
                comment="Muộn",
            )
        assert caught.value.status_code == 409

    async def test_rating_before_publication_is_409(
        self, session: AsyncSession, world: World, provider: StandInProvider
    ) -> None:
        referral = await refer(session, world, provider)
        with pytest.raises(StateConflict):
            await replies.rate_answer(
                session,
                await replies.lock_referral(session, referral.id),
                satisfied=True,
                comment=None,
            )


class TestReopen:
    async def test_reopen_limit(
        self,
        session: AsyncSession,
        world: World,
        provider: StandInProvider,
        as_agency: Api,
        as_front: Api,
    ) -> None:
        """The default policy allows two reopenings; the third attempt is 409 and offers
        escalation instead."""
        referral = await refer(session, world, provider)
        for round_number in (1, 2):
            await _to_published(session, world, referral, as_agency, as_front)
            await replies.rate_answer(
                session,
                await replies.lock_referral(session, referral.id),
                satisfied=False,
                comment="Chưa ổn",
            )
            response = await as_front.act(referral.id, "/reopen", {"reason": "Trả lời lại"})
            assert response.status_code == 200, response.text
            assert response.json()["reopen_count"] == round_number
            assert response.json()["state"] == "acknowledged"
            assert response.json()["deadline_step"] == "answer"
            assert response.json()["deadline_status"] == "running"
        await _to_published(session, world, referral, as_agency, as_front)
        await replies.rate_answer(
            session,
            await replies.lock_referral(session, referral.id),
            satisfied=False,
            comment="Vẫn chưa",
        )
        response = await as_front.act(referral.id, "/reopen", {"reason": "Lần ba"})
        assert response.status_code == 409
        assert "escalate" in response.json()["allowed_actions"]
        assert "reopen" not in response.json()["allowed_actions"]
        answers = (await as_agency.get(f"/{referral.id}")).json()["answers"]
        assert [a["round"] for a in answers] == [0, 1, 2]


class TestIfMatch:
    async def test_missing_if_match_is_428(
        self, session: AsyncSession, world: World, provider: StandInProvider, as_agency: Api
    ) -> None:
        referral = await refer(session, world, provider)
        response = await as_agency.act(
            referral.id, "/acknowledge", {"agency_reference": "1"}, if_match=None
        )
        assert response.status_code == 428

    async def test_stale_if_match_is_412(
        self, session: AsyncSession, world: World, provider: StandInProvider, as_agency: Api
    ) -> None:
        referral = await refer(session, world, provider)
        stale = await as_agency.etag(referral.id)
        draft_etag = await as_agency.etag(referral.id)
        assert stale == draft_etag
        assert (
            await as_agency.act(
                referral.id, "/acknowledge", {"agency_reference": "1"}, if_match=stale
            )
        ).status_code == 200
        response = await as_agency.act(
            referral.id, "/answer", COMPLETE_ANSWER, method="PUT", if_match=stale
        )
        assert response.status_code == 412
        assert response.json()["current_etag"] == '"2"'

    async def test_a_star_if_match_passes(
        self, session: AsyncSession, world: World, provider: StandInProvider, as_agency: Api
    ) -> None:
        """``If-Match: *`` asks only that the referral exists (RFC 9110); the answer carries
        the new ETag."""
        referral = await refer(session, world, provider)
        response = await as_agency.act(
            referral.id, "/acknowledge", {"agency_reference": "1"}, if_match="*"
        )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"2"'
        assert (await as_agency.etag(referral.id)) == '"2"'
