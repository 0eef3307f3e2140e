"""The voter meetings' edits the end-to-end flow does not take: the minutes streamed as
evidence (If-Match), an import rejected (then no longer confirmable), each change's audit
event on its own row, and the sessions' keyset pages."""

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.audit.models import AuditEvent
from tests.storage.samples import pdf
from tests.voters.conftest import API, People, Setup, ok, session_body
from tests.voters.sheets import xlsx


async def _events(session: AsyncSession, entity_type: str, entity_id: str) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(col(AuditEvent.entity_type) == entity_type, col(AuditEvent.entity_id) == entity_id)
        .order_by(col(AuditEvent.id))
    )
    return list((await session.execute(query)).scalars())


async def test_minutes_upload_needs_the_version_and_is_audited(
    client: httpx.AsyncClient, session: AsyncSession, people: People, setup: Setup, logins: Any
) -> None:
    ward = await logins(people.ward)
    other = await logins(people.other_ward)
    url = f"{API}/meetings/{setup.meeting_id}/minutes"
    params = {"filename": "bien-ban.pdf"}
    missing = await client.post(url, params=params, content=pdf(), headers=ward)
    assert missing.status_code == 428
    hidden = await client.post(
        url, params=params, content=pdf(), headers={**other, "If-Match": '"1"'}
    )
    assert hidden.status_code == 404
    response = await client.post(
        url, params=params, content=pdf(), headers={**ward, "If-Match": '"1"'}
    )
    meeting = await ok(response)
    assert meeting["version"] == 2
    assert response.headers["ETag"] == '"2"'
    assert meeting["minutes_evidence_id"] is not None
    [created, attached] = await _events(session, "voter_meeting", setup.meeting_id)
    assert created.action == "voters.meeting.created"
    assert attached.action == "voters.meeting.minutes_attached"
    assert attached.before == {"minutes_evidence_id": None}
    assert attached.after == {"minutes_evidence_id": meeting["minutes_evidence_id"]}


async def test_rejected_import_cannot_be_confirmed(
    client: httpx.AsyncClient, session: AsyncSession, people: People, setup: Setup, logins: Any
) -> None:
    ward = await logins(people.ward)
    data = xlsx([(1, "Đề nghị nạo vét cống thoát nước phố Hàng Bạc", "Đô thị", None, 4)])
    url = f"{API}/meetings/{setup.meeting_id}/imports"
    preview = await ok(await client.post(url, content=data, headers=ward), 201)
    import_url = f"{API}/imports/{preview['id']}"
    version = {**ward, "If-Match": f'"{preview["version"]}"'}
    response = await client.post(import_url + "/reject", headers=version)
    rejected = await ok(response)
    assert rejected["state"] == "rejected"
    assert rejected["preview"] == []
    assert response.headers["ETag"] == f'"{rejected["version"]}"'
    late = await client.post(
        import_url + "/confirm", headers={**ward, "If-Match": f'"{rejected["version"]}"'}
    )
    assert late.status_code == 409
    assert late.json()["allowed_actions"] == []
    [previewed, dropped] = await _events(session, "voter_import", preview["id"])
    assert previewed.action == "voters.import.previewed"
    assert previewed.after == {"sha256": preview["sha256"], "rows": 1, "error_rows": 0}
    assert dropped.action == "voters.import.rejected"
    assert dropped.before == {"state": "previewed"}


async def test_sessions_in_keyset_pages(
    client: httpx.AsyncClient, people: People, setup: Setup, logins: Any
) -> None:
    city = await logins(people.city)
    for number in (4, 5):
        await ok(
            await client.post(f"{API}/sessions", json=session_body(number=number), headers=city),
            201,
        )
    first = await ok(await client.get(f"{API}/sessions", params={"limit": 2}, headers=city))
    assert [s["number"] for s in first["items"]] == [5, 4]  # newest first
    assert first["next_cursor"]
    params = {"limit": 2, "cursor": first["next_cursor"]}
    second = await ok(await client.get(f"{API}/sessions", params=params, headers=city))
    assert [s["id"] for s in second["items"]] == [setup.session_id]
    assert second["next_cursor"] is None
