"""Evidence uploaded from the live session page without JavaScript: a plain multipart form
the console streams through the API's upload service (its type checks), then the page with
the stored file's SHA-256; and who may."""

import hashlib
import re

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.deadlines.policy import seed_default_policy
from service.directory.models import AdminUnit
from service.oversight.models import SupervisionPlan, SupervisionSession
from service.oversight.service import evidence as evidence_service
from tests.oversight.conftest import World, approved_plan, make_world, open_session
from tests.storage import samples
from tests.web.support import console_login, csrf_token


@pytest.fixture
async def world(session: AsyncSession, hanoi: AdminUnit) -> World:
    await seed_default_policy(session)
    return await make_world(session)


@pytest.fixture
async def live(session: AsyncSession, world: World) -> SupervisionSession:
    plan: SupervisionPlan = await approved_plan(session, world)
    return await open_session(session, world, plan)


async def _as(client: httpx.AsyncClient, world: World, name: str) -> str:
    client.cookies.clear()
    answer = await console_login(client, getattr(world, name).username)
    assert answer.status_code == 303, answer.text
    return csrf_token((await client.get("/console/password")).text)


def _url(live: SupervisionSession) -> str:
    return f"/console/oversight/sessions/{live.id}"


async def test_a_member_uploads_without_javascript_and_sees_the_sha256(
    client: httpx.AsyncClient, world: World, live: SupervisionSession, session: AsyncSession
) -> None:
    url, head = _url(live), world.p("head")
    await _as(client, world, "member")
    page = await client.get(url)
    form = page.text.split('<form class="evidence-upload"', 1)[1].split("</form>", 1)[0]
    assert f'action="{url}/evidence"' in form
    assert 'enctype="multipart/form-data"' in form
    assert "data-start-url" in form  # the script's path stays
    content = samples.pdf(30_000)
    sent = await client.post(
        f"{url}/evidence",
        data={"_csrf_token": csrf_token(page.text), "description": "Biên bản làm việc"},
        files={"file": ("bien-ban.pdf", content, "application/pdf")},
    )
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    assert re.fullmatch(rf"{url}\?uploaded=[0-9a-f-]{{36}}#evidence", location)
    shown = await client.get(location.split("#", 1)[0])
    digest = hashlib.sha256(content).hexdigest()
    assert f'<code id="uploaded-sha256">{digest}</code>' in shown.text
    assert "Đã lưu tệp: bien-ban.pdf" in shown.text
    assert "Đã lưu và kiểm tra tệp chứng cứ." in shown.text
    stored = await evidence_service.list_evidence(session, head, session_id=live.id)
    assert [(item.name, item.sha256) for item in stored] == [("bien-ban.pdf", digest)]


async def test_a_missing_or_refused_file_is_said_next_to_the_file(
    client: httpx.AsyncClient, world: World, live: SupervisionSession, session: AsyncSession
) -> None:
    url, head = _url(live), world.p("head")
    token = await _as(client, world, "member")
    nothing = await client.post(
        f"{url}/evidence",
        data={"_csrf_token": token, "description": "Không có tệp"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert nothing.status_code == 422
    assert '<p class="field-error" id="evidence-file-error">Hãy chọn tệp cần tải lên.</p>' in (
        nothing.text
    )
    assert 'value="Không có tệp"' in nothing.text  # kept
    script = await client.post(
        f"{url}/evidence",
        data={"_csrf_token": token},
        files={"file": ("trang.html", b"<html><script>alert(1)</script></html>", "text/html")},
    )
    assert script.status_code == 415
    assert 'id="evidence-file-error"' in script.text
    long = await client.post(
        f"{url}/evidence",
        data={"_csrf_token": token, "description": "x" * 1001},
        files={"file": ("a.pdf", samples.pdf(), "application/pdf")},
    )
    assert long.status_code == 422
    assert 'id="evidence-description-error"' in long.text
    assert await evidence_service.list_evidence(session, head, session_id=live.id) == []


async def test_only_the_plans_members_upload(
    client: httpx.AsyncClient, world: World, live: SupervisionSession
) -> None:
    url = _url(live)
    pdf = {"file": ("a.pdf", samples.pdf(), "application/pdf")}
    token = await _as(client, world, "member")
    no_token = await client.post(f"{url}/evidence", files=pdf)
    assert no_token.status_code == 403
    assert "Biểu mẫu đã hết hạn hoặc không được gửi từ trang của hệ thống" in no_token.text
    # the ward's Front officer approves the plan and sees it, but is not in the delegation
    token = await _as(client, world, "ward_officer")
    approver = await client.post(f"{url}/evidence", data={"_csrf_token": token}, files=pdf)
    assert approver.status_code == 403
    assert approver.headers["content-type"].startswith("text/html")
    assert "Chỉ thành viên đoàn giám sát mới được đính kèm tài liệu, chứng cứ." in approver.text
    token = await _as(client, world, "other_ward_officer")
    hidden = await client.post(f"{url}/evidence", data={"_csrf_token": token}, files=pdf)
    assert hidden.status_code == 404
