"""A whole supervision over HTTP: plan, approval, an online session with attendance and a
live log, close and seal, evidence, a finding, the conclusion, a recommendation issued to
the ward's People's Committee, answered through the agency inbox and published by the
Front; then a re-supervision checks it. Agencies only see what is addressed to them."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.oversight.conftest import World, plan_data, read_as
from tests.storage.samples import jpeg

API = "/api/v1"


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_a_whole_supervision_from_plan_to_answered_recommendation(
    client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
) -> None:
    head, member, secretary = (
        await logins(world.head),
        await logins(world.member),
        await logins(world.secretary),
    )
    front, agency = await logins(world.ward_officer), await logins(world.agency_officer)

    # -- the plan --------------------------------------------------------------------------
    plan = await _ok(
        await client.post(
            f"{API}/oversight/plans",
            json=plan_data(world).model_dump(mode="json"),
            headers=head,
        ),
        201,
    )
    plan_url = f"{API}/oversight/plans/{plan['id']}"
    submitted = await _ok(
        await client.post(f"{plan_url}/actions/submit", headers={**head, **read_as(plan)})
    )
    approved = await _ok(
        await client.post(f"{plan_url}/actions/approve", headers={**front, **read_as(submitted)})
    )
    assert approved["state"] == "approved"

    # -- an online session -----------------------------------------------------------------
    supervision_session = await _ok(
        await client.post(
            f"{plan_url}/sessions",
            json={
                "title": "Làm việc trực tuyến với UBND phường",
                "mode": "online",
                "scheduled_start": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
                "meeting_link": "https://meet.example.vn/gs-hk-01",
                "agenda": ["Báo cáo", "Chất vấn"],
                "invited": [{"name": "Lê Văn C", "organisation": "UBND phường Hoàn Kiếm"}],
            },
            headers=secretary,
        ),
        201,
    )
    session_url = f"{API}/oversight/sessions/{supervision_session['id']}"
    opened = await _ok(
        await client.post(
            f"{session_url}/actions/open", headers={**secretary, **read_as(supervision_session)}
        )
    )
    assert opened["state"] == "open"
    assert (await _ok(await client.get(plan_url, headers=head)))["state"] == "in_progress"
    await _ok(
        await client.post(
            f"{session_url}/attendance",
            json=[
                {"user_id": str(world.head.id), "capacity": "Trưởng đoàn", "status": "attended"},
                {"user_id": str(world.member.id), "capacity": "Thành viên", "status": "late"},
                {
                    "name": "Lê Văn C",
                    "organisation": "UBND phường Hoàn Kiếm",
                    "capacity": "Chủ tịch UBND phường",
                    "status": "attended",
                },
            ],
            headers=secretary,
        )
    )
    log_url = f"{session_url}/log"
    report = await _ok(
        await client.post(
            log_url,
            json={
                "kind": "statement",
                "text": "Năm 2026 phường nhận 40 kiến nghị, đã xử lý 28.",
                "speaker_name": "Lê Văn C",
                "speaker_organisation": "UBND phường Hoàn Kiếm",
            },
            headers=secretary,
        ),
        201,
    )
    question = await _ok(
        await client.post(
            log_url,
            json={"kind": "question", "text": "Vì sao 12 kiến nghị quá hạn?"},
            headers=member,
        ),
        201,
    )
    await _ok(
        await client.post(
            log_url,
            json={
                "kind": "correction",
                "text": "Sửa: đã xử lý 27 kiến nghị.",
                "corrects_entry_id": report["id"],
            },
            headers=secretary,
        ),
        201,
    )
    photo = await _ok(
        await client.post(
            f"{session_url}/log/{question['id']}/evidence",
            params={"filename": "hien-truong.jpg", "lat": 21.03, "lon": 105.85},
            content=jpeg(),
            headers=member,
        ),
        201,
    )
    # A member who reconnects after the second entry gets the rest.
    missed = await _ok(await client.get(log_url, params={"after": 2}, headers=member))
    assert [e["kind"] for e in missed["entries"]] == ["correction"]

    # -- close, seal, verify ---------------------------------------------------------------
    current = await _ok(await client.get(session_url, headers=secretary))
    closed = await _ok(
        await client.post(f"{session_url}/actions/close", headers={**secretary, **read_as(current)})
    )
    sealed = await _ok(
        await client.post(f"{session_url}/actions/seal", headers={**head, **read_as(closed)})
    )
    assert sealed["state"] == "sealed"
    assert len(sealed["manifest_sha256"]) == 64
    verified = await _ok(await client.get(f"{session_url}/verify", headers=front))
    assert verified["ok"] is True

    # -- finding, conclusion, recommendation -----------------------------------------------
    finding = await _ok(
        await client.post(
            f"{plan_url}/findings",
            json={
                "title": "12 kiến nghị quá hạn",
                "text": "UBND phường chưa trả lời 12 kiến nghị đúng hạn.",
                "session_id": supervision_session["id"],
                "log_entry_ids": [question["id"]],
                "evidence_ids": [photo["evidence_id"]],
            },
            headers=member,
        ),
        201,
    )
    running = await _ok(await client.get(plan_url, headers=head))
    concluded = await _ok(
        await client.post(
            f"{plan_url}/actions/conclude",
            json={"conclusion": "Đề nghị UBND phường khắc phục việc chậm trả lời kiến nghị."},
            headers={**head, **read_as(running)},
        )
    )
    assert concluded["state"] == "concluded"
    rec = await _ok(
        await client.post(
            f"{plan_url}/recommendations",
            json={
                "agency_id": str(world.agency.id),
                "title": "Trả lời dứt điểm 12 kiến nghị quá hạn",
                "text": "Đề nghị UBND phường trả lời 12 kiến nghị quá hạn trong 30 ngày.",
                "finding_id": finding["id"],
            },
            headers=member,
        ),
        201,
    )
    rec_url = f"{API}/oversight/recommendations/{rec['id']}"
    issued = await _ok(await client.post(rec_url + "/issue", headers={**head, **read_as(rec)}))
    assert issued["state"] == "issued"
    assert issued["due_at"] is not None
    referral_id = issued["referral_id"]

    # -- the agency answers through its inbox -----------------------------------------------
    inbox = await _ok(
        await client.get(
            f"{API}/agency/referrals", params={"item_type": "recommendation"}, headers=agency
        )
    )
    [item] = [i for i in inbox["items"] if i["id"] == referral_id]
    assert item["item"] is None  # the content is shown on the referral itself, not in lists
    detail = await _ok(await client.get(f"{API}/agency/referrals/{referral_id}", headers=agency))
    assert detail["item"]["title"] == "Trả lời dứt điểm 12 kiến nghị quá hạn"
    assert detail["item"]["supervision"]["code"] == plan["code"]

    other_agency = await logins(world.other_agency_officer)
    other_inbox = await _ok(await client.get(f"{API}/agency/referrals", headers=other_agency))
    assert referral_id not in {i["id"] for i in other_inbox["items"]}
    hidden = await client.get(f"{API}/agency/referrals/{referral_id}", headers=other_agency)
    assert hidden.status_code == 404
    # Nor does an agency officer reach the supervision itself.
    assert (await client.get(plan_url, headers=agency)).status_code == 403
    assert (await client.get(rec_url, headers=agency)).status_code == 403

    referral_url = f"{API}/agency/referrals/{referral_id}"
    star = {"If-Match": "*"}
    await _ok(
        await client.post(
            referral_url + "/acknowledge",
            json={"agency_reference": "15/UBND-VP"},
            headers={**agency, **star},
        )
    )
    assert (await _ok(await client.get(rec_url, headers=head)))["state"] == "acknowledged"
    await _ok(
        await client.put(
            referral_url + "/answer",
            json={
                "outcome": "resolved",
                "text": "UBND phường đã trả lời đủ 12 kiến nghị quá hạn.",
                "document_number": "88/UBND-VP",
                "document_date": "2026-12-01",
                "signer_name": "Nguyễn Văn E",
                "signer_title": "Chủ tịch UBND phường",
            },
            headers={**agency, **star},
        )
    )
    await _ok(await client.post(referral_url + "/answer/submit", headers={**agency, **star}))
    front_url = f"{API}/referrals/{referral_id}"
    await _ok(await client.post(front_url + "/answer/accept", headers={**front, **star}))
    await _ok(await client.post(front_url + "/publish", headers={**front, **star}))

    answered = await _ok(await client.get(rec_url, headers=member))
    assert answered["state"] == "implemented"
    assert answered["answer_outcome"] == "resolved"
    assert "12 kiến nghị" in answered["answer_summary"]

    # -- re-supervision ----------------------------------------------------------------------
    follow_up = await _ok(
        await client.post(
            f"{API}/oversight/plans",
            json=plan_data(world, subject="Giám sát lại việc trả lời kiến nghị").model_dump(
                mode="json"
            ),
            headers=head,
        ),
        201,
    )
    follow_url = f"{API}/oversight/plans/{follow_up['id']}"
    submitted = await _ok(
        await client.post(f"{follow_url}/actions/submit", headers={**head, **read_as(follow_up)})
    )
    await _ok(
        await client.post(f"{follow_url}/actions/approve", headers={**front, **read_as(submitted)})
    )
    check_session = await _ok(
        await client.post(
            f"{follow_url}/sessions",
            json={
                "title": "Kiểm tra việc thực hiện kiến nghị",
                "mode": "in_person",
                "scheduled_start": datetime.now(UTC).isoformat(),
                "place": "UBND phường Hoàn Kiếm",
                "resupervision_of": [rec["id"]],
            },
            headers=head,
        ),
        201,
    )
    check_url = f"{API}/oversight/sessions/{check_session['id']}"
    await _ok(
        await client.post(
            f"{check_url}/actions/open", headers={**secretary, **read_as(check_session)}
        )
    )
    await _ok(
        await client.post(
            f"{check_url}/checks",
            json={"recommendation_id": rec["id"], "result": "implemented", "note": "Đã kiểm tra"},
            headers=member,
        ),
        201,
    )
    final = await _ok(await client.get(rec_url, headers=head))
    assert final["last_check_result"] == "implemented"
