"""The reports pages over HTTP: a request through the console's form is the API's (its
rules, its field errors next to the fields), the report's page polls its progress by HTMX,
and another ward's report is not there (404)."""

import re
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from tests.factories import BA_DINH, HOAN_KIEM, create_user
from tests.reports.world import today
from tests.web.support import console_login, csrf_token

REPORTS = "/console/reports"


async def request_report(client: httpx.AsyncClient, data: dict[str, str]) -> httpx.Response:
    token = csrf_token((await client.get(REPORTS)).text)
    return await client.post(REPORTS, data={"_csrf_token": token, **data})


def council(**changes: str) -> dict[str, str]:
    return {
        "kind": "council_periodic",
        "from": (today() - timedelta(days=30)).isoformat(),
        "to": today().isoformat(),
        "unit_code": HOAN_KIEM,
        **changes,
    }


async def test_a_requested_report_is_queued_and_its_page_polls_its_progress(
    client: httpx.AsyncClient, session: AsyncSession, seeded: Any
) -> None:
    officer = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
    await console_login(client, officer.username)
    requested = await request_report(client, council(number_symbol="12/BC-MTTQ"))
    assert requested.status_code == 303, requested.text
    page_path = requested.headers["location"]
    assert re.fullmatch(r"/console/reports/[0-9a-f-]{36}", page_path)
    page = await client.get(page_path)
    assert page.status_code == 200
    assert "Đã nhận yêu cầu; báo cáo đang được tạo." in page.text
    assert "Trạng thái: đang chờ · 0%" in page.text
    assert f'hx-get="{page_path}" hx-trigger="every 1s"' in page.text
    assert "12/BC-MTTQ" in page.text
    assert re.search(r"<code>[A-Z0-9]{4}-[A-Z0-9]{4}", page.text)  # the verification code
    partial = await client.get(page_path, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<div id="progress"')
    assert "<html" not in partial.text
    # Not issued yet: no download, as the API answers.
    assert (await client.get(f"{page_path}/download")).status_code == 409
    listing = await client.get(REPORTS)
    assert page_path in listing.text
    # Only the API's report actions; a queued report cannot be regenerated (its 409).
    token = csrf_token(page.text)
    unknown = await client.post(f"{page_path}/publish", data={"_csrf_token": token})
    assert unknown.status_code == 404
    early = await client.post(f"{page_path}/regenerate", data={"_csrf_token": token})
    assert early.status_code == 409

    # Another ward's officer: the report is not there.
    client.cookies.clear()
    other = await create_user(session, Role.front_officer, unit_code=BA_DINH)
    await console_login(client, other.username)
    hidden = await client.get(page_path)
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("text/html")
    assert (await client.get(f"{page_path}/download")).status_code == 404


async def test_the_api_rules_are_said_next_to_the_fields(
    client: httpx.AsyncClient, session: AsyncSession, seeded: Any
) -> None:
    reader = await create_user(session, Role.council_reader, unit_code=HOAN_KIEM)
    await console_login(client, reader.username)
    missing = await request_report(client, {"kind": "council_periodic"})
    assert missing.status_code == 422
    assert 'id="f-from-error"' in missing.text
    assert 'id="f-to-error"' in missing.text
    reversed_ = await request_report(
        client, council(**{"from": today().isoformat(), "to": "2020-01-01"})
    )
    assert reversed_.status_code == 422
    assert 'class="form-errors" role="alert"' in reversed_.text
    # A ward's council member reports on their ward only (the API's 404).
    elsewhere = await request_report(client, council(unit_code=BA_DINH))
    assert elsewhere.status_code == 404
    bad_kind = await request_report(client, {"kind": "poem"})
    assert bad_kind.status_code == 422
    assert 'id="f-kind-error"' in bad_kind.text

    # A kind the role may not request: not offered, and refused as by the API (403).
    client.cookies.clear()
    supervisor = await create_user(session, Role.supervisor, unit_code=HOAN_KIEM)
    await console_login(client, supervisor.username)
    form = (await client.get(REPORTS)).text
    assert 'value="supervision_result"' in form
    assert 'value="council_periodic"' not in form
    assert (await request_report(client, council())).status_code == 403
