"""The console's voter meetings pages: the sessions a Front officer sees, a session's meetings
and compiled recommendations, the template download; 404 for another ward's session."""

from typing import Any

import httpx
from python_calamine import CalamineWorkbook

from tests.voters.conftest import API, People, Setup, ok, session_body
from tests.web.support import console_login


async def test_sessions_and_session_page(
    client: httpx.AsyncClient, people: People, setup: Setup, logins: Any
) -> None:
    other = await logins(people.other_ward)
    ward_session = await ok(
        await client.post(
            f"{API}/sessions",
            json=session_body(
                level="ward", unit_code="00004", title="Kỳ họp thứ hai HĐND phường Ba Đình"
            ),
            headers=other,
        ),
        201,
    )
    assert (await console_login(client, people.ward.username)).status_code == 303
    listing = await client.get("/console/voter-meetings")
    assert listing.status_code == 200
    assert "Kỳ họp thứ ba HĐND thành phố Hà Nội" in listing.text
    assert "phường Ba Đình" not in listing.text  # another ward's own session
    page = await client.get(f"/console/voter-meetings/{setup.session_id}")
    assert page.status_code == 200
    assert "Nhà văn hóa tổ dân phố số 5" in page.text
    assert "Chưa tổng hợp kiến nghị nào." in page.text
    hidden = await client.get(f"/console/voter-meetings/{ward_session['id']}")
    assert hidden.status_code == 404
    template = await client.get("/console/voter-meetings/template.xlsx")
    assert template.status_code == 200
    import io

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(template.content)).get_sheet_by_index(0)
    assert sheet.to_python()[0][1] == "Nội dung ý kiến, kiến nghị"
