"""The supervision plan's own forms in the console over HTTP: a new draft from the list, the
draft's edit form and the roster (add, change a role, remove), each the API's operation with
its rules: who may, which ward, which state, the version the page was read at."""

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.deadlines.policy import seed_default_policy
from service.directory.models import AdminUnit
from service.oversight import service as plans
from service.oversight.models import PlanRole, PlanState, SupervisionPlan
from tests.factories import HOAN_KIEM
from tests.oversight.conftest import World, approved_plan, draft_plan, make_world
from tests.web.support import console_login, csrf_token

LIST = "/console/oversight"


@pytest.fixture
async def world(session: AsyncSession, hanoi: AdminUnit) -> World:
    await seed_default_policy(session)
    return await make_world(session)


async def _as(client: httpx.AsyncClient, world: World, name: str) -> None:
    client.cookies.clear()
    answer = await console_login(client, getattr(world, name).username)
    assert answer.status_code == 303, answer.text


def _version(html: str) -> str:
    return html.split('name="version" value="', 1)[1].split('"', 1)[0]


def _new_plan(world: World, token: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "_csrf_token": token,
        "code": f"KH-GS-{uuid.uuid4().hex[:8]}",
        "subject": "Giám sát việc giải quyết kiến nghị về thu gom rác thải",
        "form": "delegation",
        "unit_code": HOAN_KIEM,
        "period_start": "2026-12-01",
        "period_end": "2027-03-31",
        "legal_basis": "Luật MTTQ Việt Nam 2015 (sửa đổi 2025), Điều 27",
        "agency_ids": str(world.agency.id),  # one option of the multiple select
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


async def test_a_supervisor_creates_a_draft_and_becomes_its_head(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    await _as(client, world, "head")
    listing = await client.get(LIST)
    assert "<summary>Lập kế hoạch giám sát</summary>" in listing.text
    assert f'<option value="{world.agency.id}">{world.agency.name}</option>' in listing.text
    data = _new_plan(world, csrf_token(listing.text))
    data["agency_ids"] = [str(world.agency.id), str(world.other_agency.id)]
    data["participants"] = (
        "Nguyễn Văn Chuyên; Hội Kiến trúc sư Hà Nội; Chuyên gia\n\nTrần Thị Mời\n"
    )
    created = await client.post(f"{LIST}/plans", data=data)
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    assert re.fullmatch(r"/console/oversight/plans/[0-9a-f-]{36}", location)
    page = await client.get(location)
    assert "Đã lập dự thảo kế hoạch giám sát." in page.text
    assert '<dd id="plan-state">dự thảo</dd>' in page.text
    assert f"{world.head.full_name} ({world.head.username}) — Trưởng đoàn" in page.text
    assert world.other_agency.name in page.text
    assert "<li>Nguyễn Văn Chuyên (Hội Kiến trúc sư Hà Nội) — Chuyên gia</li>" in page.text
    assert "<li>Trần Thị Mời</li>" in page.text
    # the draft's edit form starts from them, one a line
    assert "Nguyễn Văn Chuyên; Hội Kiến trúc sư Hà Nội; Chuyên gia\nTrần Thị Mời</textarea>" in (
        page.text
    )
    plan, _ = await plans.load_plan(session, uuid.UUID(location.rsplit("/", 1)[1]), world.p("head"))
    assert plan.code == data["code"]
    assert plan.period_start.isoformat() == "2026-12-01"


async def test_a_refused_new_plan_says_why_next_to_the_fields(
    client: httpx.AsyncClient, world: World
) -> None:
    await _as(client, world, "head")
    token = csrf_token((await client.get(LIST)).text)
    empty = await client.post(
        f"{LIST}/plans", data=_new_plan(world, token, code="?", subject=None, agency_ids=None)
    )
    assert empty.status_code == 422
    for name in ("code", "subject", "agency_ids"):
        assert f'id="f-{name}-error"' in empty.text, name
    assert "<details open>" in empty.text
    assert 'value="Luật MTTQ' not in empty.text  # a textarea keeps it as its content
    assert "Luật MTTQ Việt Nam 2015 (sửa đổi 2025), Điều 27</textarea>" in empty.text
    backwards = await client.post(
        f"{LIST}/plans", data=_new_plan(world, token, period_end="2026-01-01")
    )
    assert backwards.status_code == 422
    assert "Ngày kết thúc (period_end) trước ngày bắt đầu (period_start)." in backwards.text
    nameless = await client.post(
        f"{LIST}/plans", data=_new_plan(world, token, participants="; Hội Kiến trúc sư Hà Nội")
    )
    assert nameless.status_code == 422
    assert 'id="f-participants-error"' in nameless.text
    taken = _new_plan(world, token)
    assert (await client.post(f"{LIST}/plans", data=taken)).status_code == 303
    again = await client.post(f"{LIST}/plans", data={**taken, "subject": "Một kế hoạch khác"})
    assert again.status_code == 409
    assert f"Đã có kế hoạch mang mã {taken['code']}." in again.text


async def test_who_may_create_a_plan_and_where(client: httpx.AsyncClient, world: World) -> None:
    # another ward's Front officer: the API's 403 for a plan outside their area, on the form
    await _as(client, world, "other_ward_officer")
    listing = await client.get(LIST)
    assert f'<option value="{HOAN_KIEM}"' not in listing.text  # only their own ward offered
    outside = await client.post(f"{LIST}/plans", data=_new_plan(world, csrf_token(listing.text)))
    assert outside.status_code == 403
    assert "<details open>" in outside.text
    assert "Bạn chỉ được lập kế hoạch giám sát trong địa bàn của mình." in outside.text
    # an agency officer has no oversight pages at all
    await _as(client, world, "agency_officer")
    token = csrf_token((await client.get("/console/password")).text)
    refused = await client.post(f"{LIST}/plans", data=_new_plan(world, token))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")


async def test_a_new_plan_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    await _as(client, world, "head")
    data = _new_plan(world, "")
    del data["_csrf_token"]
    answer = await client.post(f"{LIST}/plans", data=data)
    assert answer.status_code == 403
    listed, _ = await plans.list_plans(
        session, world.p("admin"), states=None, unit_code=None, form=None, cursor=None, limit=10
    )
    assert [p.code for p in listed if p.code == data["code"]] == []


async def test_the_draft_is_edited_at_the_version_read(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    draft = await draft_plan(session, world)
    draft_id, url = draft.id, f"{LIST}/plans/{draft.id}"
    await _as(client, world, "head")
    page = await client.get(url)
    assert "<summary>Sửa dự thảo kế hoạch</summary>" in page.text
    assert f'value="{draft.code}"' in page.text  # the form starts from the plan
    form = {
        "_csrf_token": csrf_token(page.text),
        "version": str(draft.version),
        "code": draft.code,
        "subject": "Giám sát việc cấp phép xây dựng nhà ở riêng lẻ",
        "form": "delegation",
        "unit_code": HOAN_KIEM,
        "period_start": "2026-03-01",
        "period_end": "2026-07-31",
        "legal_basis": draft.legal_basis,
        "agency_ids": [str(world.agency.id), str(world.other_agency.id)],
    }
    saved = await client.post(f"{url}/edit", data=form)
    assert saved.status_code == 303, saved.text
    after = await client.get(url)
    assert "Giám sát việc cấp phép xây dựng nhà ở riêng lẻ" in after.text
    assert "31/07/2026" in after.text
    assert world.other_agency.name in after.text
    # the same form again: read at the old version, someone (this officer) changed it since
    stale = await client.post(f"{url}/edit", data={**form, "subject": "Nội dung cũ"})
    assert stale.status_code == 412
    assert "Dữ liệu đã thay đổi kể từ khi bạn mở" in stale.text
    assert "Nội dung cũ" in stale.text  # what they typed stays in the form
    head = world.p("head")
    session.expire_all()
    plan, _ = await plans.load_plan(session, draft_id, head)
    assert plan.subject == "Giám sát việc cấp phép xây dựng nhà ở riêng lẻ"


async def test_an_approved_plan_has_no_edit_form_and_refuses_edits(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    plan = await approved_plan(session, world)
    url = f"{LIST}/plans/{plan.id}"
    await _as(client, world, "head")
    page = await client.get(url)
    assert f'action="{url}/edit"' not in page.text
    assert f'action="{url}/members"' in page.text  # the roster still changes while it runs
    answer = await client.post(
        f"{url}/edit",
        data={
            "_csrf_token": csrf_token(page.text),
            "version": str(plan.version),
            "subject": "Đổi nội dung sau khi đã duyệt",
        },
    )
    assert answer.status_code == 409
    assert "Chỉ được sửa" in answer.text
    assert "khi kế hoạch còn là dự thảo." in answer.text
    assert "Đổi nội dung sau khi đã duyệt" not in (await client.get(url)).text


async def test_the_roster_add_change_role_remove(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    plan = await approved_plan(session, world)
    plan_id, first_version, url = plan.id, plan.version, f"{LIST}/plans/{plan.id}"
    outsider, member, secretary_id = world.outsider.id, world.member.id, world.secretary.id
    await _as(client, world, "head")
    page = await client.get(url)
    assert f'<option value="{world.outsider.id}">' in page.text
    assert f'<option value="{world.agency_officer.id}">' not in page.text  # not a member role
    assert f'<option value="{world.other_ward_officer.id}">' not in page.text  # another ward
    assert f'<option value="{world.city_officer.id}">' in page.text  # the city's may join
    assert f'<option value="{world.head.id}">' not in page.text  # already on the roster
    token = csrf_token(page.text)

    added = await client.post(
        f"{url}/members",
        data={
            "_csrf_token": token,
            "version": _version(page.text),
            "user_id": str(world.outsider.id),
            "role": "member",
        },
    )
    assert added.status_code == 303, added.text
    page = await client.get(url)
    assert f"{world.outsider.full_name} ({world.outsider.username}) — Thành viên" in page.text

    second_head = await client.post(
        f"{url}/members/{world.outsider.id}/role",
        data={"_csrf_token": token, "version": _version(page.text), "role": "head"},
    )
    assert second_head.status_code == 422
    error = second_head.text.split('id="f-role-error">', 1)[1].split("</p>", 1)[0]
    assert error == "Mỗi kế hoạch chỉ có một trưởng đoàn."

    secretary = await client.post(
        f"{url}/members/{world.outsider.id}/role",
        data={"_csrf_token": token, "version": _version(page.text), "role": "secretary"},
    )
    assert secretary.status_code == 303, secretary.text
    page = await client.get(url)
    assert f"{world.outsider.full_name} ({world.outsider.username}) — Thư ký" in page.text

    removed = await client.post(
        f"{url}/members/{world.member.id}/remove",
        data={"_csrf_token": token, "version": _version(page.text)},
    )
    assert removed.status_code == 303
    head = world.p("head")
    session.expire_all()
    plan_now, _ = await plans.load_plan(session, plan_id, head)
    detail = await plans.plan_detail(session, plan_now)
    roster = {m.user_id: m.role for m in detail.members}
    assert member not in roster
    assert roster[outsider] is PlanRole.secretary
    assert plan_now.state == PlanState.approved

    # a roster change from a page read before the last one: refused, not written over it
    stale = await client.post(
        f"{url}/members/{secretary_id}/remove",
        data={"_csrf_token": token, "version": str(first_version)},
    )
    assert stale.status_code == 412
    assert "Dữ liệu đã thay đổi kể từ khi bạn mở" in stale.text


async def test_the_roster_is_not_another_wards_or_a_plain_members(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    plan: SupervisionPlan = await approved_plan(session, world)
    url = f"{LIST}/plans/{plan.id}"
    await _as(client, world, "member")  # in the plan, neither its head nor an approver
    page = await client.get(url)
    assert f'action="{url}/members"' not in page.text
    refused = await client.post(
        f"{url}/members",
        data={
            "_csrf_token": csrf_token(page.text),
            "version": str(plan.version),
            "user_id": str(world.outsider.id),
            "role": "member",
        },
    )
    assert refused.status_code == 403
    await _as(client, world, "other_ward_officer")
    token = csrf_token((await client.get(LIST)).text)
    hidden = await client.post(
        f"{url}/members",
        data={
            "_csrf_token": token,
            "version": str(plan.version),
            "user_id": str(world.outsider.id),
            "role": "member",
        },
    )
    assert hidden.status_code == 404
