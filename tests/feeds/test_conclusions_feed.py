"""Supervision conclusions made public: the Front's ``publish`` action on a concluded plan
whose sessions are sealed (HTTP, with the workflow's statuses), and the Atom feed of what
was published (nothing else: not a concluded plan the Front kept, not a reopened one)."""

from typing import Any

import feedparser
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import StateConflict
from service.oversight import service as plans
from service.oversight.models import PlanState, SupervisionPlan
from service.oversight.schemas import PlanActionRequest
from service.oversight.service import log as log_service
from tests.feeds.test_answer_feeds import check_rfc4287, links, local
from tests.oversight.conftest import World, approved_plan, open_session, read_as
from tests.oversight.conftest import logins as logins  # the fixtures of the oversight tests
from tests.oversight.conftest import policy as policy
from tests.oversight.conftest import world as world

FEED = "/api/v1/public/feeds/conclusions"
CONCLUSION = "UBND phường đã xử lý 80% kiến nghị đúng hạn; liên hệ 0904-111-222 để biết thêm."


async def concluded(
    session: AsyncSession, world: World, *, sealed: bool = True, **changes: Any
) -> SupervisionPlan:
    plan = await approved_plan(session, world, **changes)
    supervision_session = await open_session(session, world, plan)
    await plans.close_session(session, supervision_session.id, world.p("secretary"))
    if sealed:
        await log_service.seal_session(session, supervision_session.id, world.p("head"))
    return await plans.transition_plan(
        session,
        plan.id,
        "conclude",
        world.p("head"),
        PlanActionRequest(conclusion=CONCLUSION),
    )


async def publish(
    client: httpx.AsyncClient, plan: SupervisionPlan, headers: dict[str, str], **extra: str
) -> httpx.Response:
    current = await client.get(f"/api/v1/oversight/plans/{plan.id}", headers=headers)
    if current.status_code != 200:
        return current
    return await client.post(
        f"/api/v1/oversight/plans/{plan.id}/actions/publish",
        headers={**headers, **read_as(current.json()), **extra},
    )


class TestPublishAction:
    async def test_an_approver_publishes_once_and_it_is_audited(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await concluded(session, world)
        before = (await client.get(FEED)).text
        assert plan.code not in before

        response = await publish(client, plan, await logins(world.ward_officer))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["state"] == "concluded"
        assert body["conclusion_published_at"] is not None
        assert "publish" not in body["allowed_actions"]
        assert response.headers["etag"] == f'"{body["version"]}"'
        again = await publish(client, plan, await logins(world.ward_officer))
        assert again.status_code == 409  # published once
        actions = await session.execute(
            text(
                "SELECT action FROM audit_event WHERE entity_type = 'supervision_plan' "
                "AND entity_id = :id ORDER BY id"
            ),
            {"id": str(plan.id)},
        )
        # Once: the refused second attempt recorded nothing.
        assert list(actions.scalars()).count("oversight.plan.publish") == 1

    async def test_the_workflow_statuses(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        plan = await concluded(session, world)
        officer = await logins(world.ward_officer)
        url = f"/api/v1/oversight/plans/{plan.id}/actions/publish"
        assert (await client.post(url, headers=officer)).status_code == 428
        stale = await client.post(url, headers={**officer, "If-Match": '"1"'})
        assert stale.status_code == 412
        assert (await publish(client, plan, await logins(world.head))).status_code == 403
        outside = await publish(client, plan, await logins(world.other_ward_officer))
        assert outside.status_code == 404
        in_progress = await approved_plan(session, world)
        conflict = await publish(client, in_progress, officer)
        assert conflict.status_code == 409
        assert "publish" not in conflict.json()["allowed_actions"]

    async def test_a_session_closed_but_not_sealed_holds_it_back(
        self, session: AsyncSession, world: World
    ) -> None:
        plan = await concluded(session, world, sealed=False)
        with pytest.raises(StateConflict):
            await plans.transition_plan(session, plan.id, "publish", world.p("ward_officer"))


class TestConclusionsFeed:
    async def test_only_published_conclusions_as_atom(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        shown = await concluded(session, world, subject="Giám sát thu gom rác thải")
        await concluded(session, world, subject="Giám sát chưa công khai")  # kept by the Front
        reopened = await concluded(session, world, subject="Giám sát mở lại")
        officer = await logins(world.ward_officer)
        for plan in (shown, reopened):
            assert (await publish(client, plan, officer)).status_code == 200
        await plans.transition_plan(session, reopened.id, "reopen", world.p("ward_officer"))

        response = await client.get(FEED)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
        check_rfc4287(response.content)
        feed = feedparser.parse(response.content)
        assert not feed.bozo
        assert feed.feed.title == "Kết luận giám sát đã công khai"
        assert feed.feed.id.startswith("urn:uuid:")
        assert {"self", "first", "last"} <= set(links(feed))
        [entry] = feed.entries
        assert entry.title == "Kết luận giám sát: Giám sát thu gom rác thải"
        assert entry.id.startswith("urn:uuid:")
        assert str(shown.id) not in entry.id
        assert "80% kiến nghị đúng hạn" in entry.content[0].value
        assert "0904-111-222" not in response.text  # the public patterns are redacted
        assert shown.code in entry.summary
        assert "Giám sát chưa công khai" not in response.text
        assert "Giám sát mở lại" not in response.text
        assert (
            await client.get(FEED, headers={"If-None-Match": response.headers["etag"]})
        ).status_code == 304
        plan = await session.get(SupervisionPlan, reopened.id)
        assert plan is not None
        assert plan.state == PlanState.in_progress
        assert plan.conclusion_published_at is None

    async def test_archiving_keeps_a_published_conclusion_and_pages_link(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        officer = await logins(world.ward_officer)
        published = []
        for index in range(3):
            plan = await concluded(session, world, subject=f"Giám sát số {index}")
            assert (await publish(client, plan, officer)).status_code == 200
            published.append(plan)
        await plans.transition_plan(session, published[0].id, "archive", world.p("ward_officer"))
        first = feedparser.parse((await client.get(FEED, params={"limit": 2})).content)
        assert [e.title for e in first.entries] == [
            "Kết luận giám sát: Giám sát số 2",
            "Kết luận giám sát: Giám sát số 1",
        ]
        following = feedparser.parse((await client.get(local(links(first)["next"]))).content)
        assert [e.title for e in following.entries] == ["Kết luận giám sát: Giám sát số 0"]
        assert "next" not in links(following)
