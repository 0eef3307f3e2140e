"""Supervision plans: creation, the state machine with its roles, edits with ETags, audit."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import Forbidden, Invalid, NotFound, PreconditionFailed, StateConflict
from service.oversight import service as plans
from service.oversight.models import PlanRole, PlanState
from service.oversight.schemas import MemberIn, PlanActionRequest, PlanUpdate
from tests.factories import BA_DINH
from tests.oversight.conftest import (
    World,
    approved_plan,
    draft_plan,
    open_session,
    plan_data,
    session_data,
)


def _json(data: Any) -> Any:
    return data.model_dump(mode="json")


class TestCreate:
    async def test_a_supervisor_creates_a_draft_with_members_agencies_and_participants(
        self, client: httpx.AsyncClient, world: World, logins: Any
    ) -> None:
        petition = uuid.uuid4()
        body = _json(plan_data(world, petition_ids=[petition]))
        response = await client.post(
            "/api/v1/oversight/plans", json=body, headers=await logins(world.head)
        )
        assert response.status_code == 201, response.text
        plan = response.json()
        assert plan["state"] == "draft"
        assert plan["my_role"] == "head"
        assert response.headers["etag"] == '"1"'
        assert {m["role"] for m in plan["members"]} == {"head", "member", "secretary"}
        assert plan["members"][0]["role"] == "head"
        assert [a["id"] for a in plan["agencies"]] == [str(world.agency.id)]
        assert plan["participants"][0]["organisation"] == "Hội Kiến trúc sư Hà Nội"
        assert plan["petition_ids"] == [str(petition)]
        assert plan["allowed_actions"] == ["submit"]

    async def test_a_supervisor_without_a_named_head_becomes_the_head(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await draft_plan(
            session, world, members=[MemberIn(user_id=world.member.id, role=PlanRole.member)]
        )
        _, access = await plans.load_plan(session, plan.id, world.p("head"))
        assert access.member_role is PlanRole.head

    async def test_the_form_must_be_one_of_the_legal_forms(
        self, client: httpx.AsyncClient, world: World, logins: Any
    ) -> None:
        body = {**_json(plan_data(world)), "form": "inspection"}
        response = await client.post(
            "/api/v1/oversight/plans", json=body, headers=await logins(world.head)
        )
        assert response.status_code in (400, 422)
        assert any(e["field"] == "form" for e in response.json()["errors"])

    async def test_codes_are_unique(self, session: AsyncSession, world: World) -> None:
        plan = await draft_plan(session, world)
        with pytest.raises(Exception, match="exists"):
            await draft_plan(session, world, code=plan.code)

    async def test_two_heads_are_refused(self, session: AsyncSession, world: World) -> None:
        members = [
            MemberIn(user_id=world.head.id, role=PlanRole.head),
            MemberIn(user_id=world.member.id, role=PlanRole.head),
        ]
        with pytest.raises(Invalid):
            await draft_plan(session, world, members=members)

    async def test_agency_officers_cannot_be_members(
        self, session: AsyncSession, world: World
    ) -> None:
        members = [
            MemberIn(user_id=world.head.id, role=PlanRole.head),
            MemberIn(user_id=world.agency_officer.id, role=PlanRole.member),
        ]
        with pytest.raises(Invalid):
            await draft_plan(session, world, members=members)

    async def test_a_ward_officer_cannot_plan_for_another_ward(
        self, session: AsyncSession, world: World
    ) -> None:
        with pytest.raises(Forbidden):
            await plans.create_plan(
                session, plan_data(world, unit_code=BA_DINH), world.p("ward_officer")
            )


class TestStateMachine:
    async def test_draft_to_archived_with_the_roles_of_each_step(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await draft_plan(session, world)
        with pytest.raises(StateConflict) as conflict:
            await plans.transition_plan(session, plan.id, "approve", world.p("ward_officer"))
        assert conflict.value.extra["allowed_actions"] == []  # nothing for them until submitted
        with pytest.raises(Forbidden):  # only the head submits
            await plans.transition_plan(session, plan.id, "submit", world.p("member"))
        await plans.transition_plan(session, plan.id, "submit", world.p("head"))
        with pytest.raises(Forbidden):  # a supervisor does not approve
            await plans.transition_plan(session, plan.id, "approve", world.p("head"))
        with pytest.raises(NotFound):  # another ward's officer does not even see it
            await plans.transition_plan(session, plan.id, "approve", world.p("other_ward_officer"))
        plan = await plans.transition_plan(session, plan.id, "approve", world.p("ward_officer"))
        assert plan.state == PlanState.approved
        assert plan.approved_by == world.ward_officer.id
        plan = await plans.transition_plan(session, plan.id, "start", world.p("head"))
        assert plan.state == PlanState.in_progress
        with pytest.raises(Invalid):  # a conclusion is needed
            await plans.transition_plan(session, plan.id, "conclude", world.p("head"))
        plan = await plans.transition_plan(
            session,
            plan.id,
            "conclude",
            world.p("head"),
            PlanActionRequest(conclusion="UBND phường đã xử lý 80% kiến nghị đúng hạn."),
        )
        assert plan.state == PlanState.concluded
        with pytest.raises(Forbidden):  # archiving is the approver's
            await plans.transition_plan(session, plan.id, "archive", world.p("head"))
        plan = await plans.transition_plan(session, plan.id, "archive", world.p("city_officer"))
        assert plan.state == PlanState.archived

        actions = (
            await session.execute(
                text(
                    "SELECT action FROM audit_event WHERE entity_type = 'supervision_plan' "
                    "AND entity_id = :id ORDER BY id"
                ),
                {"id": str(plan.id)},
            )
        ).scalars()
        assert list(actions) == [
            "oversight.plan.created",
            "oversight.plan.submit",
            "oversight.plan.approve",
            "oversight.plan.start",
            "oversight.plan.conclude",
            "oversight.plan.archive",
        ]

    async def test_a_submitted_draft_can_be_returned(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await draft_plan(session, world)
        await plans.transition_plan(session, plan.id, "submit", world.p("head"))
        plan = await plans.transition_plan(session, plan.id, "return", world.p("ward_officer"))
        assert plan.state == PlanState.draft
        assert plan.submitted_at is None

    async def test_the_submitter_does_not_approve_their_own_plan(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await plans.create_plan(
            session,
            plan_data(world, members=[MemberIn(user_id=world.ward_officer.id, role=PlanRole.head)]),
            world.p("ward_officer"),
        )
        await plans.transition_plan(session, plan.id, "submit", world.p("ward_officer"))
        with pytest.raises(Forbidden):
            await plans.transition_plan(session, plan.id, "approve", world.p("ward_officer"))
        plan = await plans.transition_plan(
            session, plan.id, "approve", world.p("second_ward_officer")
        )
        assert plan.state == PlanState.approved

    async def test_a_conflict_answers_409_with_the_allowed_actions(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await draft_plan(session, world)
        response = await client.post(
            f"/api/v1/oversight/plans/{plan.id}/actions/conclude",
            headers={**await logins(world.head), "If-Match": f'"{plan.version}"'},
        )
        assert response.status_code == 409
        body = response.json()
        assert body["state"] == "draft"
        assert body["allowed_actions"] == ["submit"]
        unknown = await client.post(
            f"/api/v1/oversight/plans/{plan.id}/actions/explode",
            headers={**await logins(world.head), "If-Match": f'"{plan.version}"'},
        )
        assert unknown.status_code == 404

    async def test_opening_the_first_session_starts_an_approved_plan(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await approved_plan(session, world)
        await open_session(session, world, plan)
        refreshed, _ = await plans.load_plan(session, plan.id, world.p("head"))
        assert refreshed.state == PlanState.in_progress

    async def test_a_plan_with_an_open_session_cannot_conclude(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await approved_plan(session, world)
        await open_session(session, world, plan)
        with pytest.raises(StateConflict):
            await plans.transition_plan(
                session,
                plan.id,
                "conclude",
                world.p("head"),
                PlanActionRequest(conclusion="Kết luận sớm."),
            )


class TestEdits:
    async def test_edits_need_the_current_etag(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await draft_plan(session, world)
        url = f"/api/v1/oversight/plans/{plan.id}"
        headers = await logins(world.head)
        missing = await client.patch(url, json={"subject": "Chủ đề mới"}, headers=headers)
        assert missing.status_code == 428
        read = await client.get(url, headers=headers)
        etag = read.headers["etag"]
        changed = await client.patch(
            url, json={"subject": "Chủ đề mới"}, headers={**headers, "If-Match": etag}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["subject"] == "Chủ đề mới"
        assert changed.headers["etag"] != etag
        stale = await client.patch(
            url, json={"subject": "Chủ đề khác"}, headers={**headers, "If-Match": etag}
        )
        assert stale.status_code == 412

    async def test_a_star_matches_any_version(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await draft_plan(session, world)
        url = f"/api/v1/oversight/plans/{plan.id}"
        headers = {**await logins(world.head), "If-Match": "*"}
        changed = await client.patch(url, json={"subject": "Chủ đề mới"}, headers=headers)
        assert changed.status_code == 200, changed.text
        assert changed.headers["etag"] == f'"{plan.version + 1}"'

    async def test_every_action_needs_the_current_etag(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await draft_plan(session, world)
        url = f"/api/v1/oversight/plans/{plan.id}/actions/submit"
        head = await logins(world.head)
        assert (await client.post(url, headers=head)).status_code == 428
        stale = await client.post(url, headers={**head, "If-Match": '"0"'})
        assert stale.status_code == 412
        assert stale.json()["current_etag"] == f'"{plan.version}"'
        submitted = await client.post(url, headers={**head, "If-Match": "*"})
        assert submitted.status_code == 200, submitted.text
        assert submitted.headers["etag"] == f'"{submitted.json()["version"]}"'

        approved = await approved_plan(session, world)
        scheduled = await plans.schedule_session(
            session, approved.id, session_data(), world.p("head")
        )
        session_url = f"/api/v1/oversight/sessions/{scheduled.id}/actions/open"
        secretary = await logins(world.secretary)
        assert (await client.post(session_url, headers=secretary)).status_code == 428
        opened = await client.post(
            session_url, headers={**secretary, "If-Match": f'"{scheduled.version}"'}
        )
        assert opened.status_code == 200, opened.text
        assert opened.json()["state"] == "open"

    async def test_the_core_of_an_approved_plan_is_fixed_but_its_roster_may_change(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await approved_plan(session, world)
        with pytest.raises(StateConflict):
            await plans.update_plan(
                session,
                plan.id,
                PlanUpdate(subject="Đổi chủ đề"),
                world.p("head"),
                expected_version=plan.version,
            )
        members = [
            MemberIn(user_id=world.head.id, role=PlanRole.head),
            MemberIn(user_id=world.outsider.id, role=PlanRole.member),
        ]
        plan = await plans.update_plan(
            session,
            plan.id,
            PlanUpdate(members=members),
            world.p("head"),
            expected_version=plan.version,
        )
        _, access = await plans.load_plan(session, plan.id, world.p("outsider"))
        assert access.member_role is PlanRole.member

    async def test_a_stale_version_is_refused(self, session: AsyncSession, world: World) -> None:
        plan = await draft_plan(session, world)
        with pytest.raises(PreconditionFailed):
            await plans.update_plan(
                session,
                plan.id,
                PlanUpdate(subject="Đổi chủ đề"),
                world.p("head"),
                expected_version=plan.version + 5,
            )

    async def test_an_edit_by_the_authors_takes_a_submitted_draft_back(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await draft_plan(session, world)
        plan = await plans.transition_plan(session, plan.id, "submit", world.p("head"))
        plan = await plans.update_plan(
            session,
            plan.id,
            PlanUpdate(subject="Sửa sau khi trình"),
            world.p("head"),
            expected_version=plan.version,
        )
        assert plan.submitted_at is None


class TestListing:
    async def test_each_caller_lists_the_plans_they_may_see(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        ward_plan = await draft_plan(session, world)
        other_ward_plan = await plans.create_plan(
            session,
            plan_data(world, unit_code=BA_DINH, members=[]),
            world.p("other_ward_officer"),
        )

        async def listed(user: Any) -> set[str]:
            response = await client.get(
                "/api/v1/oversight/plans", params={"limit": 200}, headers=await logins(user)
            )
            assert response.status_code == 200, response.text
            return {p["id"] for p in response.json()["items"]}

        mine, theirs = str(ward_plan.id), str(other_ward_plan.id)
        assert mine in await listed(world.member)
        assert mine not in await listed(world.outsider)
        assert mine in await listed(world.ward_officer)
        assert theirs not in await listed(world.ward_officer)
        assert {mine, theirs} <= await listed(world.city_officer)
        assert {mine, theirs} <= await listed(world.admin)

    async def test_keyset_pages_do_not_repeat(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        for _ in range(3):
            await draft_plan(session, world)
        headers = await logins(world.head)
        first = (
            await client.get("/api/v1/oversight/plans", params={"limit": 2}, headers=headers)
        ).json()
        assert first["next_cursor"]
        second = (
            await client.get(
                "/api/v1/oversight/plans",
                params={"limit": 2, "cursor": first["next_cursor"]},
                headers=headers,
            )
        ).json()
        seen = [p["id"] for p in first["items"]] + [p["id"] for p in second["items"]]
        assert len(seen) == len(set(seen)) >= 3
