"""The README's walk-through against a running ``giamsat demo``: a citizen app files a
petition, the citizen tracks it, the ward Front routes it, the ward People's Committee
answers, the Front publishes, the citizen sees the answer and rates it.

    uv run python scripts/walkthrough.py [--base http://127.0.0.1:8000]
"""

import argparse
import json
import uuid
from typing import Any

import httpx

DEMO_KEY = "gs_demo00000000_giamsat-demo-api-key-not-for-production"
PASSWORD = "giamsat-demo-2026"


def show(step: str, response: httpx.Response) -> Any:
    print(
        f"\n== {step}: {response.request.method} {response.request.url.path} -> "
        f"{response.status_code}"
    )
    response.raise_for_status()
    body = response.json()
    print(json.dumps(body, ensure_ascii=False, indent=2)[:1500])
    return body


def login(api: httpx.Client, username: str) -> dict[str, str]:
    token = api.post("/auth/login", json={"username": username, "password": PASSWORD})
    token.raise_for_status()
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def act(
    api: httpx.Client,
    step: str,
    url: str,
    headers: dict[str, str],
    etag: str,
    body: dict[str, Any] | None = None,
    method: str = "POST",
) -> str:
    response = api.request(method, url, json=body or {}, headers={**headers, "If-Match": etag})
    show(step, response)
    return response.headers["etag"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    api = httpx.Client(base_url=f"{args.base}/api/v1", timeout=30)

    filed = show(
        "1. file",
        api.post(
            "/petitions",
            headers={"X-API-Key": DEMO_KEY, "Idempotency-Key": str(uuid.uuid4())},
            json={
                "kind": "feedback",
                "category": "environment_sanitation",
                "title": "Ngập nước đường Hàng Bông",
                "description": "Mỗi khi mưa lớn, đoạn trước số 12 Hàng Bông ngập sâu 30 cm.",
                "unit_code": "00070",
                "channel": "zalo",
                "consent_to_process": True,
                "consent_to_publish": True,
            },
        ),
    )
    code, citizen = filed["tracking_code"], {"X-Tracking-Secret": filed["tracking_secret"]}
    show("2. track", api.get(f"/track/{code}", headers=citizen))

    front = login(api, "mttq.hoankiem")
    url = f"/petitions/{filed['id']}"
    etag = api.get(url, headers=front).headers["etag"]
    etag = act(api, "3a. accept", f"{url}/accept", front, etag)
    referred = api.post(f"{url}/refer", json={}, headers={**front, "If-Match": etag})
    referral_id = show("3b. refer", referred)["referral_id"]

    agency = login(api, "ubnd.hoankiem")
    agency_url = f"/agency/referrals/{referral_id}"
    etag = api.get(agency_url, headers=agency).headers["etag"]
    etag = act(
        api,
        "4a. acknowledge",
        f"{agency_url}/acknowledge",
        agency,
        etag,
        {"agency_reference": "15/UBND-HK"},
    )
    etag = act(
        api,
        "4b. draft the answer",
        f"{agency_url}/answer",
        agency,
        etag,
        {
            "outcome": "resolved",
            "text": "UBND phường đã nạo vét cống thoát nước đoạn trước số 12 Hàng Bông.",
            "document_number": "45/UBND-HK",
            "document_date": "2026-11-30",
            "signer_name": "Lê Văn Cường",
            "signer_title": "Phó Chủ tịch UBND phường",
        },
        method="PUT",
    )
    etag = act(api, "4c. submit", f"{agency_url}/answer/submit", agency, etag)

    front_url = f"/referrals/{referral_id}"
    etag = act(api, "5a. accept the answer", f"{front_url}/answer/accept", front, etag)
    act(api, "5b. publish", f"{front_url}/publish", front, etag)

    show("6a. the citizen sees the answer", api.get(f"/track/{code}", headers=citizen))
    show("6b. rate", api.post(f"/track/{code}/rating", json={"satisfied": True}, headers=citizen))
    show("6c. public feed", api.get("/public/answers", params={"limit": 1}))


if __name__ == "__main__":
    main()
