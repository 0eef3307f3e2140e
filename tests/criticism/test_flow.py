"""Social criticism end to end over HTTP on the real database: a draft received with its
document, opinions of a member organisation and an expert, a public comment through the
portal page (bot defences, moderation, redaction), the criticism issued to the drafting
agency, the agency's answer per point through its referral inbox, the outcome made public."""

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.settings import Settings
from service.web.public import antibot
from tests.criticism.conftest import API, People, draft_body, ok
from tests.storage.samples import pdf
from tests.web.support import csrf_token

STAR = {"If-Match": "*"}


def etag_of(body: dict[str, Any]) -> dict[str, str]:
    version = body["draft"]["version"] if "draft" in body else body["version"]
    return {"If-Match": f'"{version}"'}


async def answer(
    client: httpx.AsyncClient,
    agency: dict[str, str],
    front: dict[str, str],
    referral_id: str,
    outcome: str,
    text: str,
) -> None:
    url = f"{API}/agency/referrals/{referral_id}"
    legal = {"legal_basis": "Luật Ban hành văn bản QPPL 2025"} if "legal" in outcome else {}
    await ok(
        await client.post(
            url + "/acknowledge",
            json={"agency_reference": "12/UBND-VP"},
            headers={**agency, **STAR},
        )
    )
    await ok(
        await client.put(
            url + "/answer",
            json={
                "outcome": outcome,
                "text": text,
                "document_number": "21/UBND-VP",
                "document_date": "2026-12-01",
                "signer_name": "Trần Văn Bình",
                "signer_title": "Chủ tịch UBND phường",
                **legal,
            },
            headers={**agency, **STAR},
        )
    )
    await ok(await client.post(url + "/answer/submit", headers={**agency, **STAR}))
    front_url = f"{API}/referrals/{referral_id}"
    await ok(await client.post(front_url + "/answer/accept", headers={**front, **STAR}))
    await ok(await client.post(front_url + "/publish", headers={**front, **STAR}))


async def test_a_draft_from_receipt_to_the_agencys_answer_per_point(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    people: People,
    logins: Any,
) -> None:
    front = await logins(people.ward_officer)
    agency = await logins(people.agency_officer)

    # -- the draft and its document ---------------------------------------------------------
    document = await ok(
        await client.post(
            f"{API}/evidence",
            params={"filename": "Du-thao-nghi-quyet.pdf"},
            content=pdf(),
            headers=front,
        ),
        201,
    )
    received = await ok(
        await client.post(
            f"{API}/drafts",
            json=draft_body(people, document_ids=[document["id"]]),
            headers=front,
        ),
        201,
    )
    assert received["state"] == "gathering"
    assert received["received_late"] is False
    assert received["required_lead_days"] == 15
    assert "Điều 33" in received["lead_legal_basis"]
    assert received["document_ids"] == [document["id"]]
    draft_url = f"{API}/drafts/{received['id']}"
    code = received["code"]

    # -- opinions of a member organisation and an expert ------------------------------------
    await ok(
        await client.post(
            f"{draft_url}/opinions",
            json={
                "source": "member_organisation",
                "author_name": "Hội Liên hiệp Phụ nữ phường",
                "section_number": 2,
                "text": "Mức thu 50.000 đồng/m² là cao đối với hộ kinh doanh nhỏ.",
            },
            headers=front,
        ),
        201,
    )
    await ok(
        await client.post(
            f"{draft_url}/opinions",
            json={
                "source": "expert",
                "author_name": "TS. Lê Minh Châu",
                "text": "Cần đánh giá tác động đến người đi bộ.",
            },
            headers=front,
        ),
        201,
    )

    # -- the public consultation ------------------------------------------------------------
    assert (await client.get(f"/gop-y-du-thao/{code}")).status_code == 404  # not open yet
    detail = await ok(await client.get(draft_url, headers=front))
    opened = await ok(
        await client.post(f"{draft_url}/open-consultation", headers={**front, **etag_of(detail)})
    )
    assert opened["draft"]["state"] == "consulting"
    page = await client.get(f"/gop-y-du-thao/{code}")
    assert page.status_code == 200
    assert "Mục 2. Mức thu phí" in page.text
    # The state and the form in words, not the stored values.
    assert "hội nghị phản biện" in page.text
    assert "đang lấy ý kiến Nhân dân" in page.text
    assert ">conference<" not in page.text
    assert ">consulting<" not in page.text
    listing = (await client.get("/gop-y-du-thao")).text
    assert code in listing
    assert "đang lấy ý kiến Nhân dân" in listing

    comment = {
        "_csrf_token": csrf_token(page.text),
        "form_token": antibot.issue_token(settings, time.time() - 60),
        "website": "",
        "section_number": "2",
        "author_name": "Nguyễn Thị Hoa",
        "text": "Nên miễn phí cho hộ nghèo; liên hệ tôi qua 0912345678.",
    }
    bot = await client.post(f"/gop-y-du-thao/{code}", data={**comment, "website": "x.example"})
    assert bot.status_code == 422
    sent = await client.post(f"/gop-y-du-thao/{code}", data=comment)
    assert sent.status_code == 303, sent.text
    pending = await ok(
        await client.get(f"{draft_url}/opinions", params={"status": "pending"}, headers=front)
    )
    [public] = pending
    assert public["source"] == "public"
    page = await client.get(f"/gop-y-du-thao/{code}")
    assert "miễn phí cho hộ nghèo" not in page.text  # waiting for moderation

    shown = await ok(
        await client.post(
            f"{API}/criticism-opinions/{public['id']}/moderate",
            json={"status": "shown"},
            headers={**front, **etag_of(public)},
        )
    )
    assert shown["status"] == "shown"
    page = await client.get(f"/gop-y-du-thao/{code}")
    assert "Nên miễn phí cho hộ nghèo" in page.text
    assert "0912345678" not in page.text  # redacted as the petitions' answers are

    # -- the criticism ----------------------------------------------------------------------
    points = []
    for section, text in (
        (2, "Đề nghị giảm mức thu và miễn cho hộ nghèo."),
        (1, "Đề nghị bổ sung đánh giá tác động đến người đi bộ."),
    ):
        points.append(
            await ok(
                await client.post(
                    f"{draft_url}/points",
                    json={"section_number": section, "text": text},
                    headers=front,
                ),
                201,
            )
        )
    assert [p["number"] for p in points] == [1, 2]
    detail = await ok(await client.get(draft_url, headers=front))
    issued = await ok(
        await client.post(
            f"{draft_url}/issue",
            json={
                "criticism_text": "Ban Thường trực Ủy ban MTTQ phường phản biện dự thảo như sau.",
                "signer_name": "Phạm Thu Hà",
                "signer_title": "Chủ tịch Ủy ban MTTQ Việt Nam phường",
            },
            headers={**front, **etag_of(detail)},
        )
    )
    assert issued["draft"]["state"] == "issued"
    assert issued["draft"]["document_number"] == "1/PB-MTTQ"
    assert all(p["state"] == "sent" and p["referral_id"] for p in issued["points"])
    assert all(p["due_at"] for p in issued["points"])
    # Nothing more can be added once it is issued.
    late = await client.post(
        f"{draft_url}/points", json={"text": "Một ý kiến muộn."}, headers=front
    )
    assert late.status_code == 409
    assert (await client.get(f"/gop-y-du-thao/{code}")).status_code == 404

    # -- the agency answers per point in its inbox ------------------------------------------
    inbox = await ok(
        await client.get(
            f"{API}/agency/referrals", params={"item_type": "criticism_point"}, headers=agency
        )
    )
    referral_ids = {p["referral_id"] for p in issued["points"]}
    assert referral_ids <= {i["id"] for i in inbox["items"]}
    first, second = issued["points"]
    shown_to_agency = await ok(
        await client.get(f"{API}/agency/referrals/{first['referral_id']}", headers=agency)
    )
    assert shown_to_agency["item"]["draft"]["criticism_number"] == "1/PB-MTTQ"
    assert shown_to_agency["item"]["section"]["title"] == "Mức thu phí"
    other = await logins(people.other_agency_officer)
    hidden = await client.get(f"{API}/agency/referrals/{first['referral_id']}", headers=other)
    assert hidden.status_code == 404

    await answer(
        client,
        agency,
        front,
        first["referral_id"],
        "resolved",
        "UBND phường tiếp thu: giảm mức thu còn 30.000 đồng và miễn cho hộ nghèo.",
    )
    await answer(
        client,
        agency,
        front,
        second["referral_id"],
        "rejected_with_legal_basis",
        "Không tiếp thu: việc đánh giá đã có trong tờ trình.",
    )
    after = await ok(await client.get(draft_url, headers=front))
    states = {p["number"]: p["state"] for p in after["points"]}
    assert states == {1: "accepted", 2: "not_accepted"}
    assert "30.000 đồng" in after["points"][0]["answer_summary"]

    # -- the outcome is public when the Front decides ---------------------------------------
    assert (await client.get(f"/gop-y-du-thao/{code}")).status_code == 404
    published = await ok(
        await client.post(f"{draft_url}/publish-outcome", headers={**front, **etag_of(after)})
    )
    assert published["draft"]["state"] == "published"
    page = await client.get(f"/gop-y-du-thao/{code}")
    assert page.status_code == 200
    assert "Đề nghị giảm mức thu" in page.text
    assert "không tiếp thu" in page.text.lower()
    assert f'action="/gop-y-du-thao/{code}"' not in page.text  # no more comments


async def test_a_draft_received_too_late_is_flagged(
    client: httpx.AsyncClient, people: People, logins: Any
) -> None:
    front = await logins(people.ward_officer)
    soon = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    late = await ok(
        await client.post(
            f"{API}/drafts", json=draft_body(people, opinion_due_at=soon), headers=front
        ),
        201,
    )
    assert late["received_late"] is True
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    refused = await client.post(
        f"{API}/drafts", json=draft_body(people, opinion_due_at=past), headers=front
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "opinion_due_at"


async def test_area_rules_and_preconditions(
    client: httpx.AsyncClient, people: People, logins: Any
) -> None:
    front = await logins(people.ward_officer)
    draft = await ok(
        await client.post(f"{API}/drafts", json=draft_body(people), headers=front), 201
    )
    url = f"{API}/drafts/{draft['id']}"
    # Another ward's officer neither sees it nor receives a draft for this ward.
    other = await logins(people.other_ward_officer)
    assert (await client.get(url, headers=other)).status_code == 404
    assert (
        await client.post(f"{API}/drafts", json=draft_body(people), headers=other)
    ).status_code == 404
    other_list = await ok(await client.get(f"{API}/drafts", headers=other))
    assert draft["id"] not in {d["id"] for d in other_list["items"]}
    mine = await ok(await client.get(f"{API}/drafts", params={"state": "gathering"}, headers=front))
    assert draft["id"] in {d["id"] for d in mine["items"]}
    # The city sees every ward's drafts.
    city = await logins(people.city_officer)
    assert (await client.get(url, headers=city)).status_code == 200
    opinion = await ok(
        await client.post(
            f"{url}/opinions",
            json={"source": "expert", "author_name": "TS. A", "text": "Ý kiến chuyên gia."},
            headers=city,
        ),
        201,
    )
    moderate = f"{API}/criticism-opinions/{opinion['id']}/moderate"
    hidden = await client.post(moderate, json={"status": "hidden"}, headers={**other, **STAR})
    assert hidden.status_code == 404
    pending = await client.post(moderate, json={"status": "pending"}, headers={**front, **STAR})
    assert pending.status_code == 422
    # Agency officers and supervisors have no business here.
    agency = await logins(people.agency_officer)
    assert (await client.get(f"{API}/drafts", headers=agency)).status_code == 403
    # Actions: If-Match required, stale refused, wrong state 409.
    assert (await client.post(f"{url}/open-consultation", headers=front)).status_code == 428
    stale = await client.post(f"{url}/open-consultation", headers={**front, "If-Match": '"9"'})
    assert stale.status_code == 412
    wrong = await client.post(f"{url}/publish-outcome", headers={**front, **STAR})
    assert wrong.status_code == 409
    assert "open_consultation" in wrong.json()["allowed_actions"]
    # Issuing without a point is refused with a reason.
    empty = await client.post(
        f"{url}/issue",
        json={"criticism_text": "Nội dung.", "signer_name": "A", "signer_title": "B"},
        headers={**front, **STAR},
    )
    assert empty.status_code == 422
    # Bad input is a 4xx: an unknown section, a duplicate code, an unknown agency.
    bad_section = await client.post(
        f"{url}/points", json={"text": "Nội dung.", "section_number": 9}, headers=front
    )
    assert bad_section.status_code == 422
    dup = await client.post(
        f"{API}/drafts", json=draft_body(people, code=draft["code"]), headers=front
    )
    assert dup.status_code == 409
    unknown = await client.post(
        f"{API}/drafts",
        json=draft_body(people, drafting_agency_id=str(uuid.uuid4())),
        headers=front,
    )
    assert unknown.status_code == 422
    public_only = await client.post(
        f"{url}/opinions",
        json={"source": "public", "author_name": "X", "text": "Ý kiến."},
        headers=front,
    )
    assert public_only.status_code == 422
