"""The README's walk-through over HTTP only: a citizen app files a petition with its API
key, the citizen follows it, the ward Front routes it, the ward People's Committee answers,
the Front publishes, and the citizen sees the answer and rates it."""

from typing import Any

import httpx

from tests.petitions.conftest import Api, Staff, petition_body, staff_headers


async def _post(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], etag: str, body: Any = None
) -> httpx.Response:
    response = await client.post(url, json=body or {}, headers={**headers, "If-Match": etag})
    assert response.status_code == 200, (url, response.text)
    return response


async def test_file_follow_route_answer_publish_rate(
    client: httpx.AsyncClient, api: Api, staff: Staff
) -> None:
    # 1. The citizen app files the petition.
    filed = await client.post(
        "/api/v1/petitions",
        json=petition_body(consent_to_publish=True),
        headers={**api.headers, "Idempotency-Key": "demo-0001"},
    )
    assert filed.status_code == 201, filed.text
    petition = filed.json()
    code, secret = petition["tracking_code"], petition["tracking_secret"]
    citizen = {"X-Tracking-Secret": secret}

    # 2. The citizen follows it.
    view = (await client.get(f"/api/v1/track/{code}", headers=citizen)).json()
    assert view["status"] == "received"

    # 3. The ward Front accepts it and routes it to the suggested agency.
    front = await staff_headers(client, staff.ward_front)
    url = f"/api/v1/petitions/{petition['id']}"
    etag = (await client.get(url, headers=front)).headers["etag"]
    accepted = await _post(client, f"{url}/accept", front, etag)
    referred = await _post(client, f"{url}/refer", front, accepted.headers["etag"])
    referral_id = referred.json()["referral_id"]

    # 4. The ward People's Committee acknowledges and answers.
    agency = await staff_headers(client, staff.agency_officer)
    agency_url = f"/api/v1/agency/referrals/{referral_id}"
    etag = (await client.get(agency_url, headers=agency)).headers["etag"]
    response = await _post(
        client, f"{agency_url}/acknowledge", agency, etag, {"agency_reference": "15/UBND-HK"}
    )
    draft = await client.put(
        f"{agency_url}/answer",
        json={
            "outcome": "resolved",
            "text": "UBND phường đã nạo vét cống thoát nước đoạn trước số 12 Hàng Bông.",
            "document_number": "45/UBND-HK",
            "document_date": "2026-11-30",
            "signer_name": "Lê Văn Cường",
            "signer_title": "Phó Chủ tịch UBND phường",
        },
        headers={**agency, "If-Match": response.headers["etag"]},
    )
    assert draft.status_code == 200, draft.text
    response = await _post(client, f"{agency_url}/answer/submit", agency, draft.headers["etag"])

    # 5. The Front accepts and publishes the answer.
    front_url = f"/api/v1/referrals/{referral_id}"
    response = await _post(client, f"{front_url}/answer/accept", front, response.headers["etag"])
    await _post(client, f"{front_url}/publish", front, response.headers["etag"])

    # 6. The citizen sees the answer and rates it.
    view = (await client.get(f"/api/v1/track/{code}", headers=citizen)).json()
    assert view["status"] == "answered"
    assert view["answer"]["outcome"] == "resolved"
    assert "nạo vét" in view["answer"]["text"]
    assert [e["action"] for e in view["history"]] == [
        "receive",
        "accept",
        "refer",
        "acknowledge",
        "publish_answer",
    ]
    rated = await client.post(
        f"/api/v1/track/{code}/rating", json={"satisfied": True}, headers=citizen
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["status"] == "closed"
    # The answer is on the public feed (consent given), without personal data.
    feed = await client.get("/api/v1/public/answers")
    assert feed.status_code == 200
    assert "nạo vét" in feed.text
