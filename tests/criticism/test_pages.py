"""The console's criticism pages over HTTP: the list with the late flag and the comments
waiting, the draft's page with its forms (a refusal next to its field, moderation, the
workflow's actions at the version read) and the area rule (404 for another ward)."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.criticism import service
from service.criticism.schemas import PublicComment
from tests.criticism.conftest import API, People, draft_body, ok
from tests.factories import HOAN_KIEM
from tests.web.support import console_login, csrf_token


async def test_the_officer_gathers_moderates_and_issues_from_the_console(
    client: httpx.AsyncClient, session: AsyncSession, people: People, logins: Any
) -> None:
    front = await logins(people.ward_officer)
    draft = await ok(
        await client.post(f"{API}/drafts", json=draft_body(people), headers=front), 201
    )
    url = f"/console/drafts/{draft['id']}"
    await ok(
        await client.post(
            f"{API}/drafts/{draft['id']}/open-consultation", headers={**front, "If-Match": '"1"'}
        )
    )
    await service.comment(
        session, draft["code"], PublicComment(text="Đề nghị giữ lối đi cho người khuyết tật.")
    )

    assert (await console_login(client, people.ward_officer.username)).status_code == 303
    listing = await client.get("/console/drafts")
    assert listing.status_code == 200
    assert draft["code"] in listing.text
    page = await client.get(url)
    assert page.status_code == 200
    assert "Đề nghị giữ lối đi cho người khuyết tật." in page.text
    assert "chờ duyệt" in page.text

    # A point on a section the draft does not have: the reason next to the field.
    refused = await client.post(
        f"{url}/points",
        data={"_csrf_token": csrf_token(page.text), "section_number": "7", "text": "Nội dung."},
    )
    assert refused.status_code == 422
    assert "Dự thảo không có mục 7." in refused.text

    added = await client.post(
        f"{url}/points",
        data={"_csrf_token": csrf_token(page.text), "text": "Đề nghị bổ sung lối đi riêng."},
    )
    assert added.status_code == 303

    [opinion_id] = re.findall(
        r"/console/criticism-opinions/([0-9a-f-]+)/actions/moderate", page.text
    )[:1]
    shown = await client.post(
        f"/console/criticism-opinions/{opinion_id}/actions/moderate",
        data={"_csrf_token": csrf_token(page.text), "version": "1", "status": "shown"},
    )
    assert shown.status_code == 303

    page = await client.get(url)
    version = (await ok(await client.get(f"{API}/drafts/{draft['id']}", headers=front)))["draft"][
        "version"
    ]
    stale = await client.post(
        f"{url}/actions/issue",
        data={
            "_csrf_token": csrf_token(page.text),
            "version": str(version - 1),
            "criticism_text": "Văn bản phản biện.",
            "signer_name": "Phạm Thu Hà",
            "signer_title": "Chủ tịch",
        },
    )
    assert stale.status_code == 412
    issued = await client.post(
        f"{url}/actions/issue",
        data={
            "_csrf_token": csrf_token(page.text),
            "version": str(version),
            "criticism_text": "Văn bản phản biện.",
            "signer_name": "Phạm Thu Hà",
            "signer_title": "Chủ tịch",
        },
    )
    assert issued.status_code == 303, issued.text
    page = await client.get(url)
    assert "1/PB-MTTQ" in page.text
    assert "đã gửi cơ quan" in page.text
    dashboard = await client.get("/console/dashboard")
    assert dashboard.status_code == 200
    assert "Nội dung phản biện xã hội theo kết quả tiếp thu" in dashboard.text
    assert "đã gửi cơ quan" in dashboard.text


async def test_a_draft_is_received_from_the_console_form(
    client: httpx.AsyncClient, people: People
) -> None:
    await console_login(client, people.ward_officer.username)
    page = await client.get("/console/drafts")
    assert "UBND phường Hoàn Kiếm" in page.text
    # A ward's Front receives its own ward's drafts: the form starts there, a list of units.
    assert '<option value="ward" selected>' in page.text
    assert '<select id="f-unit_code"' in page.text
    assert f'<option value="{HOAN_KIEM}" selected>' in page.text
    values = {
        "_csrf_token": csrf_token(page.text),
        "code": "DT-FORM-01",
        "title": "Dự thảo Đề án chợ dân sinh",
        "draft_type": "plan",
        "level": "ward",
        "unit_code": HOAN_KIEM,
        "drafting_agency_id": str(people.agency.id),
        "form": "written",
        "opinion_due_at": "2026-01-05T17:00",  # before today: refused next to its field
        "sections": "Phạm vi: toàn phường\nNguồn vốn",
    }
    refused = await client.post("/console/drafts", data=values)
    assert refused.status_code == 422
    assert "Hạn gửi ý kiến phản biện phải sau ngày nhận dự thảo." in refused.text
    due = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    received = await client.post("/console/drafts", data={**values, "opinion_due_at": due})
    assert received.status_code == 303, received.text
    page = await client.get(received.headers["location"])
    assert "Mục 2. Nguồn vốn" in page.text
    assert "Mục 1. Phạm vi" in page.text
    assert "Phường Hoàn Kiếm</dd>" in page.text  # the unit by its name, not its code


async def test_another_wards_officer_gets_a_404(
    client: httpx.AsyncClient, people: People, logins: Any
) -> None:
    front = await logins(people.ward_officer)
    draft = await ok(
        await client.post(f"{API}/drafts", json=draft_body(people), headers=front), 201
    )
    await console_login(client, people.other_ward_officer.username)
    assert (await client.get(f"/console/drafts/{draft['id']}")).status_code == 404
    assert draft["code"] not in (await client.get("/console/drafts")).text
