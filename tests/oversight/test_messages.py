"""Officers read errors in Vietnamese unless their client prefers English; state names are
the catalogue's labels, never enum names glued into English."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.oversight.conftest import World, plan_data

API = "/api/v1"


async def _in_progress_plan(client: httpx.AsyncClient, world: World, logins: Any) -> str:
    head, front = await logins(world.head), await logins(world.ward_officer)
    created = await client.post(
        f"{API}/oversight/plans", json=plan_data(world).model_dump(mode="json"), headers=head
    )
    assert created.status_code == 201, created.text
    url = f"{API}/oversight/plans/{created.json()['id']}"
    etag = created.headers["etag"]
    for action, who in (("submit", head), ("approve", front), ("start", head)):
        response = await client.post(f"{url}/actions/{action}", headers={**who, "If-Match": etag})
        assert response.status_code == 200, response.text
        etag = response.headers["etag"]
    return url


async def _read(client: httpx.AsyncClient, url: str, who: dict[str, str]) -> dict[str, str]:
    """The caller's headers with ``If-Match`` naming the plan as they just read it."""
    response = await client.get(url, headers=who)
    assert response.status_code == 200, response.text
    return {**who, "If-Match": response.headers["etag"]}


async def test_a_state_conflict_names_the_state_and_action_in_vietnamese(
    client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
) -> None:
    url = await _in_progress_plan(client, world, logins)
    front = await _read(client, url, await logins(world.ward_officer))
    response = await client.post(f"{url}/actions/approve", headers=front)
    assert response.status_code == 409
    assert response.headers["content-language"] == "vi"
    problem = response.json()
    assert problem["type"] == "https://giamsat.vn/problems/state-conflict"
    assert problem["title"] == "Không thể thực hiện ở trạng thái hiện tại"
    assert problem["detail"] == "Kế hoạch ở trạng thái “đang giám sát” không thể phê duyệt."
    assert problem["code"] == "plan_action_not_allowed"
    assert problem["state"] == "in_progress"  # the machine-readable state stays as it was

    english = await client.post(
        f"{url}/actions/approve", headers={**front, "Accept-Language": "en-GB, vi;q=0.5"}
    )
    assert english.headers["content-language"] == "en"
    assert english.json()["detail"] == (
        "A plan in the state “in progress” cannot be given the action “approve”."
    )
    assert english.json()["code"] == "plan_action_not_allowed"


async def test_a_forbidden_action_lists_what_is_allowed_in_words(
    client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
) -> None:
    url = await _in_progress_plan(client, world, logins)
    member = await _read(client, url, await logins(world.member))
    response = await client.post(f"{url}/actions/conclude", headers=member)
    assert response.status_code == 403
    problem = response.json()
    assert problem["title"] == "Không có quyền"
    assert problem["code"] == "plan_action_forbidden"
    assert problem["detail"].startswith("Bạn không được kết luận kế hoạch này")


async def test_staff_validation_errors_follow_accept_language(
    client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
) -> None:
    head = await logins(world.head)
    body = plan_data(world).model_dump(mode="json")
    body["period_end"], body["period_start"] = body["period_start"], body["period_end"]
    body["code"] = ""
    for language, period, code in (
        (None, "Ngày kết thúc (period_end) trước ngày bắt đầu (period_start).", "Giá trị"),
        ("en", "period_end is before period_start.", "The value"),
    ):
        headers = head if language is None else {**head, "Accept-Language": language}
        response = await client.post(f"{API}/oversight/plans", json=body, headers=headers)
        assert response.status_code == 422, response.text
        errors = {e["code"]: e for e in response.json()["errors"]}
        assert set(errors) == {"string_pattern_mismatch"}, errors
        assert errors["string_pattern_mismatch"]["field"] == "code"
        assert errors["string_pattern_mismatch"]["message"].startswith(code)
        body_fixed = {**body, "code": "KH-GS-2026/99"}
        reversed_period = await client.post(
            f"{API}/oversight/plans", json=body_fixed, headers=headers
        )
        assert reversed_period.status_code == 422
        assert [(e["code"], e["message"]) for e in reversed_period.json()["errors"]] == [
            ("period_end_before_start", period)
        ]
