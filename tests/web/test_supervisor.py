"""The oversight pages over HTTP: the rules a browser cannot see (404 for another ward's
session, a form without its CSRF token, a stale version, bad input), each the API's."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.deadlines.policy import seed_default_policy
from service.directory.models import AdminUnit
from service.oversight import service as plans
from service.oversight.models import SessionState, SupervisionPlan, SupervisionSession
from tests.oversight.conftest import World, approved_plan, make_world, open_session, write
from tests.web.support import console_login, csrf_token


@pytest.fixture
async def world(session: AsyncSession, hanoi: AdminUnit) -> World:
    await seed_default_policy(session)
    return await make_world(session)


@pytest.fixture
async def plan(session: AsyncSession, world: World) -> SupervisionPlan:
    return await approved_plan(session, world)


@pytest.fixture
async def live(session: AsyncSession, world: World, plan: SupervisionPlan) -> SupervisionSession:
    return await open_session(session, world, plan)


async def _as(client: httpx.AsyncClient, world: World, name: str) -> None:
    answer = await console_login(client, getattr(world, name).username)
    assert answer.status_code == 303, answer.text


def _session_url(live: SupervisionSession) -> str:
    return f"/console/oversight/sessions/{live.id}"


async def test_the_plan_list_and_page_show_the_plan(
    client: httpx.AsyncClient, world: World, plan: SupervisionPlan
) -> None:
    await _as(client, world, "head")
    listing = await client.get("/console/oversight")
    assert listing.status_code == 200
    assert plan.code in listing.text
    page = await client.get(f"/console/oversight/plans/{plan.id}")
    assert page.status_code == 200
    assert world.member.full_name in page.text
    assert "Trưởng đoàn" in page.text


async def test_another_wards_session_and_plan_are_404(
    client: httpx.AsyncClient, world: World, plan: SupervisionPlan, live: SupervisionSession
) -> None:
    await _as(client, world, "other_ward_officer")
    page = await client.get(_session_url(live))
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy phiên giám sát này." in page.text
    assert (await client.get(f"{_session_url(live)}/log/stream")).status_code == 404
    assert (await client.get(f"/console/oversight/plans/{plan.id}")).status_code == 404
    assert plan.code not in (await client.get("/console/oversight")).text


async def test_an_entry_posted_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, world: World, live: SupervisionSession, session: AsyncSession
) -> None:
    await _as(client, world, "member")
    answer = await client.post(
        f"{_session_url(live)}/log", data={"kind": "statement", "text": "Không có mã"}
    )
    assert answer.status_code == 403
    _, entries, _ = await plans_log(session, live, world)
    assert entries == []


async def plans_log(session: AsyncSession, live: SupervisionSession, world: World) -> Any:
    from service.oversight.service import log as log_service

    return await log_service.read_log(session, live.id, world.p("head"))


async def test_an_entry_is_written_once_even_if_the_form_is_sent_twice(
    client: httpx.AsyncClient, world: World, live: SupervisionSession, session: AsyncSession
) -> None:
    await _as(client, world, "member")
    page = await client.get(_session_url(live))
    form = {
        "_csrf_token": csrf_token(page.text),
        "kind": "statement",
        "text": "UBND phường báo cáo tiến độ",
        "client_ref": "ref-1",
    }
    for _ in range(2):
        answer = await client.post(f"{_session_url(live)}/log", data=form)
        assert answer.status_code == 303
    _, entries, _ = await plans_log(session, live, world)
    assert [e.text for e in entries] == ["UBND phường báo cáo tiến độ"]
    assert "UBND phường báo cáo tiến độ" in (await client.get(_session_url(live))).text


async def test_bad_input_is_said_next_to_the_field(
    client: httpx.AsyncClient, world: World, live: SupervisionSession
) -> None:
    await _as(client, world, "member")
    page = await client.get(_session_url(live))
    token = csrf_token(page.text)
    answer = await client.post(
        f"{_session_url(live)}/log", data={"_csrf_token": token, "kind": "không-có", "text": ""}
    )
    assert answer.status_code == 422
    assert 'id="entry-text-error"' in answer.text
    assert 'id="f-kind-error"' in answer.text
    # htmx gets the form alone, with the same errors
    partial = await client.post(
        f"{_session_url(live)}/log",
        data={"_csrf_token": token, "kind": "statement", "text": ""},
        headers={"HX-Request": "true"},
    )
    assert partial.status_code == 422
    assert partial.text.lstrip().startswith("<form")


async def test_a_stale_version_says_so_and_shows_the_current_state(
    client: httpx.AsyncClient, world: World, live: SupervisionSession
) -> None:
    await _as(client, world, "secretary")
    page = await client.get(_session_url(live))
    answer = await client.post(
        f"{_session_url(live)}/actions/close",
        data={"_csrf_token": csrf_token(page.text), "version": str(live.version - 1)},
    )
    assert answer.status_code == 412
    assert answer.headers["content-type"].startswith("text/html")
    assert "Dữ liệu đã thay đổi kể từ khi bạn mở" in answer.text
    # the page as it is now: the session still open, the form at the current version
    assert '<dd id="session-state">đang diễn ra</dd>' in answer.text
    assert f'name="version" value="{live.version}"' in answer.text


async def test_close_seal_and_the_verification_is_shown(
    client: httpx.AsyncClient, world: World, live: SupervisionSession, session: AsyncSession
) -> None:
    await write(session, world, live, "Đoàn giám sát chất vấn")
    session_id, url, head = live.id, _session_url(live), world.p("head")
    await _as(client, world, "secretary")
    for action in ("close", "seal"):
        page = await client.get(url)
        version = page.text.split('name="version" value="', 1)[1].split('"', 1)[0]
        answer = await client.post(
            f"{url}/actions/{action}",
            data={"_csrf_token": csrf_token(page.text), "version": version},
        )
        assert answer.status_code == 303, answer.text
    session.expire_all()  # the app wrote through sessions of its own
    sealed = await plans.load_session(session, session_id, head)
    assert sealed[0].state == SessionState.sealed
    page = await client.get(url)
    assert "Niêm phong còn nguyên vẹn" in page.text
    assert sealed[0].manifest_sha256 in page.text


async def test_the_console_stream_sends_entries_as_html_after_the_last_seen(
    client: httpx.AsyncClient, world: World, live: SupervisionSession, session: AsyncSession
) -> None:
    await write(session, world, live, "Mục một")
    await write(session, world, live, "Mục hai")
    await plans.close_session(session, live.id, world.p("secretary"))  # the stream then ends
    await _as(client, world, "member")
    answer = await client.get(f"{_session_url(live)}/log/stream", headers={"Last-Event-ID": "1"})
    assert answer.status_code == 200
    assert "Mục một" not in answer.text
    assert "Mục hai" in answer.text
    assert 'data: <li class="log-entry' in answer.text
    assert "event: end" in answer.text


async def test_attendance_is_recorded_and_an_absence_needs_its_reason(
    client: httpx.AsyncClient, world: World, live: SupervisionSession
) -> None:
    await _as(client, world, "secretary")
    token = csrf_token((await client.get(_session_url(live))).text)
    person = {"_csrf_token": token, "name": "Nguyễn Văn Chuyên", "capacity": "Chuyên gia"}
    refused = await client.post(
        f"{_session_url(live)}/attendance", data={**person, "status": "absent"}
    )
    assert refused.status_code == 422
    assert "Vắng mặt phải có lý do" in refused.text
    assert "<summary>Ghi điểm danh</summary>" in refused.text
    assert "<details open>" in refused.text
    saved = await client.post(
        f"{_session_url(live)}/attendance",
        data={**person, "status": "absent", "reason": "Đi công tác"},
    )
    assert saved.status_code == 303
    page = await client.get(_session_url(live))
    assert "<td>Nguyễn Văn Chuyên</td><td>Chuyên gia</td><td>Vắng mặt</td><td>Đi công tác</td>" in (
        page.text
    )


async def test_a_finding_and_a_recommendation_issued_from_the_plan_page(
    client: httpx.AsyncClient, world: World, plan: SupervisionPlan, live: SupervisionSession
) -> None:
    url = f"/console/oversight/plans/{plan.id}"
    await _as(client, world, "head")
    token = csrf_token((await client.get(url)).text)
    finding = await client.post(
        f"{url}/findings",
        data={"_csrf_token": token, "title": "Chậm cấp phép", "text": "Hồ sơ quá hạn 30 ngày"},
    )
    assert finding.status_code == 303
    short = await client.post(
        f"{url}/recommendations",
        data={"_csrf_token": token, "agency_id": str(world.agency.id), "title": "x", "text": ""},
    )
    assert short.status_code == 422
    assert 'id="f-title-error"' in short.text
    drafted = await client.post(
        f"{url}/recommendations",
        data={
            "_csrf_token": token,
            "agency_id": str(world.agency.id),
            "title": "Rút ngắn thời gian cấp phép",
            "text": "Đề nghị UBND phường giải quyết hồ sơ tồn đọng trong 15 ngày",
        },
    )
    assert drafted.status_code == 303
    page = (await client.get(url)).text
    assert "Hồ sơ quá hạn 30 ngày" in page
    assert "Gửi kiến nghị đến cơ quan" in page
    action = page.split('action="/console/oversight/recommendations/', 1)[1].split('"', 1)[0]
    issued = await client.post(
        f"/console/oversight/recommendations/{action}",
        data={"_csrf_token": token, "version": "1"},
    )
    assert issued.status_code == 303, issued.text
    assert issued.headers["location"] == url
    assert "<td>Đã gửi</td>" in (await client.get(url)).text
