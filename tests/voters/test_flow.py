"""A session's voter meetings end to end, on real PostgreSQL through HTTP: the minutes
spreadsheet imported (preview, confirm, the job's batches), opinions of two wards compiled
into one recommendation keeping both sources, referred to the agency, answered through the
replies inbox, and the answer back on the recommendation."""

import subprocess
import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.data.common import Period
from reports.data.council.facts import CouncilParameters
from reports.data.council.voters import voters_paragraph
from service.jobs.models import OutboxMessage
from service.voters import service as voters
from service.voters.repository import SessionFigures
from service.voters.service import SAVE_IMPORT_JOB, save_import_batch
from tests.factories import BA_DINH
from tests.voters.conftest import API, People, Setup, meeting_body, ok
from tests.voters.sheets import xlsx

XLSX = {"Content-Type": "application/octet-stream"}


async def test_import_compile_refer_answer(
    client: httpx.AsyncClient, session: AsyncSession, people: People, setup: Setup, logins: Any
) -> None:
    ward = await logins(people.ward)
    city = await logins(people.city)
    other = await logins(people.other_ward)
    rows = [
        (1, "Đề nghị sửa chữa tuyến đường Hàng Bông bị sụt lún", "Giao thông", "UBND phường", 3),
        (2, "Đề nghị tăng cường chiếu sáng ngõ 12 phố Hàng Gai", "Đô thị", None, ("=1+1", 2)),
        (3, "Đề nghị xử lý rác thải tồn đọng ở chợ Hàng Da", "Môi trường", None, 1),
    ]
    data = xlsx(rows)
    url = f"{API}/meetings/{setup.meeting_id}/imports"

    # -- preview: validated, nothing saved -------------------------------------------------
    preview = await ok(
        await client.post(url, params={"filename": "bien-ban.xlsx"}, content=data, headers=ward),
        201,
    )
    assert preview["state"] == "previewed"
    assert preview["total_rows"] == 3
    assert preview["errors"] == []
    assert preview["file_format"] == "xlsx"
    assert preview["preview"][1]["voters"] == 2  # the formula's cached value, not evaluated
    opinions_url = f"{API}/meetings/{setup.meeting_id}/opinions"
    assert await ok(await client.get(opinions_url, headers=ward)) == []
    # The same file again is the same import.
    again = await ok(await client.post(url, content=data, headers=ward))
    assert again["id"] == preview["id"]

    import_url = f"{API}/imports/{preview['id']}"
    assert (await client.post(import_url + "/confirm", headers=ward)).status_code == 428
    stale = await client.post(import_url + "/confirm", headers={**ward, "If-Match": '"99"'})
    assert stale.status_code == 412
    # Another ward's officer does not see the import at all.
    assert (await client.get(import_url, headers=other)).status_code == 404
    confirmed = await ok(
        await client.post(
            import_url + "/confirm", headers={**ward, "If-Match": f'"{preview["version"]}"'}
        )
    )
    assert confirmed["state"] == "queued"
    assert confirmed["progress"] == 0
    queued = (
        (
            await session.execute(
                select(OutboxMessage).where(OutboxMessage.job_name == SAVE_IMPORT_JOB)
            )
        )
        .scalars()
        .all()
    )
    assert [m.payload["import_id"] for m in queued] == [preview["id"]]

    # -- the job, two rows a batch; a repeated batch saves nothing twice --------------------
    import_id = uuid.UUID(preview["id"])
    assert not await save_import_batch(session, import_id, batch_rows=2)
    progress = await ok(await client.get(import_url, headers=ward))
    assert progress["processed_rows"] == 2
    assert 0 < progress["progress"] < 100
    assert await save_import_batch(session, import_id, batch_rows=2)
    assert await save_import_batch(session, import_id, batch_rows=2)  # nothing left
    done = await ok(await client.get(import_url, headers=ward))
    assert done["state"] == "done"
    assert done["progress"] == 100
    saved = await ok(await client.get(opinions_url, headers=ward))
    assert [o["row_number"] for o in saved] == [2, 3, 4]
    assert [o["voters_count"] for o in saved] == [3, 2, 1]

    # -- another ward's meeting raises the same matter (typed in) ---------------------------
    council_url = f"{API}/sessions/{setup.session_id}"
    other_meeting = await ok(
        await client.post(
            council_url + "/meetings",
            json=meeting_body(unit_code=BA_DINH, place="Hội trường phường Ba Đình"),
            headers=other,
        ),
        201,
    )
    typed = await ok(
        await client.post(
            f"{API}/meetings/{other_meeting['id']}/opinions",
            json={
                "text": "Cử tri đề nghị sớm sửa chữa tuyến đường Hàng Bông bị sụt lún",
                "voters_count": 4,
            },
            headers=other,
        ),
        201,
    )
    # Each ward sees only its own meeting.
    assert (
        await client.get(f"{API}/meetings/{setup.meeting_id}", headers=other)
    ).status_code == 404
    assert len(await ok(await client.get(council_url + "/meetings", headers=other))) == 1

    # -- compile: suggested, then confirmed by the city Front ------------------------------
    assert (await client.get(council_url + "/suggestions", headers=ward)).status_code == 403
    suggested = await ok(await client.get(council_url + "/suggestions", headers=city))
    road = saved[0]["id"]
    [group] = [
        g for g in suggested["items"] if typed["id"] in {o["opinion_id"] for o in g["opinions"]}
    ]
    assert {o["opinion_id"] for o in group["opinions"]} == {road, typed["id"]}
    created = await ok(
        await client.post(
            council_url + "/recommendations",
            json={
                "title": "Sửa chữa tuyến đường Hàng Bông bị sụt lún",
                "text": "Cử tri hai phường đề nghị sớm sửa chữa tuyến đường Hàng Bông.",
                "opinion_ids": [road],
                "agency_id": str(people.agency.id),
            },
            headers=city,
        ),
        201,
    )
    rec_url = f"{API}/recommendations/{created['id']}"
    merged = await ok(
        await client.post(
            rec_url + "/merge",
            json={"opinion_ids": [typed["id"]]},
            headers={**city, "If-Match": f'"{created["version"]}"'},
        )
    )
    assert merged["meetings"] == 2
    assert merged["voters_total"] == 7
    assert {s["unit_code"] for s in merged["sources"]} == {setup_unit(), BA_DINH}
    # An opinion is compiled once.
    twice = await client.post(
        council_url + "/recommendations",
        json={"title": "Lần nữa", "text": "Lần nữa", "opinion_ids": [road]},
        headers=city,
    )
    assert twice.status_code == 409

    # -- refer; the agency answers through its inbox ---------------------------------------
    referred = await ok(
        await client.post(
            rec_url + "/refer", json={}, headers={**city, "If-Match": f'"{merged["version"]}"'}
        )
    )
    assert referred["state"] == "referred"
    assert referred["referral_id"]
    referral_id = referred["referral_id"]
    agency = await logins(people.agency_officer)
    detail = await ok(
        await client.get(
            f"{API.removesuffix('/voter-meetings')}/agency/referrals/{referral_id}", headers=agency
        )
    )
    assert detail["item"]["voters_total"] == 7
    star = {"If-Match": "*"}
    referral_url = f"/api/v1/agency/referrals/{referral_id}"
    await ok(
        await client.post(
            referral_url + "/acknowledge",
            json={"agency_reference": "21/UBND"},
            headers={**agency, **star},
        )
    )
    assert (await ok(await client.get(rec_url, headers=city)))["state"] == "acknowledged"
    await ok(
        await client.put(
            referral_url + "/answer",
            json={
                "outcome": "resolved",
                "text": "UBND phường đã sửa chữa xong tuyến đường Hàng Bông.",
                "document_number": "90/UBND-VP",
                "document_date": "2026-12-01",
                "signer_name": "Nguyễn Văn E",
                "signer_title": "Chủ tịch UBND phường",
            },
            headers={**agency, **star},
        )
    )
    await ok(await client.post(referral_url + "/answer/submit", headers={**agency, **star}))
    front_url = f"/api/v1/referrals/{referral_id}"
    await ok(await client.post(front_url + "/answer/accept", headers={**city, **star}))
    await ok(await client.post(front_url + "/publish", headers={**city, **star}))
    answered = await ok(await client.get(rec_url, headers=city))
    assert answered["state"] == "answered"
    assert answered["answer_outcome"] == "resolved"
    assert "Hàng Bông" in answered["answer_summary"]

    # -- the report back to voters for the next round of meetings ---------------------------
    pdf = await client.get(
        council_url + "/documents/report-back", params={"signer_name": "Lê Văn Cường"}, headers=city
    )
    assert pdf.status_code == 200, pdf.text
    text = pdf_text(pdf.content)
    text = " ".join(text.split())
    assert "xong tuyến đường Hàng Bông" in text  # the answer (cells wrap mid-phrase)
    assert "Đã giải quyết" in text
    # Where voters raised it, with no bracket inside a bracket.
    assert "Cử tri nêu tại: Phường Hoàn Kiếm (3 cử tri); Phường Ba Đình (4 cử tri)" in text

    # -- the period's figures (the council report's section I and the dashboard) -----------
    november = (date(2026, 11, 1), date(2026, 11, 30))
    city_figures = await voters.period_figures(session, None, *november)
    assert city_figures == SessionFigures(
        meetings=2, voters=240, opinions=4, recommendations=1, referred=1, answered=1
    )
    ba_dinh = await voters.period_figures(session, BA_DINH, *november)
    assert (ba_dinh.meetings, ba_dinh.opinions, ba_dinh.recommendations) == (1, 1, 1)
    december = await voters.period_figures(session, None, date(2026, 12, 1), date(2026, 12, 31))
    assert december == SessionFigures(0, 0, 0, 0, 0, 0)
    paragraph = await voters_paragraph(
        session, CouncilParameters(period=Period(*november), unit_code=None)
    )
    assert paragraph.text.startswith(
        "Tiếp xúc cử tri: 2 cuộc tiếp xúc với 240 lượt cử tri; 4 ý kiến"
    )


def setup_unit() -> str:
    from tests.factories import HOAN_KIEM

    return HOAN_KIEM


async def test_documents_of_the_session(
    client: httpx.AsyncClient, people: People, setup: Setup, logins: Any
) -> None:
    """The compiled report and the report back to voters, as PDF text."""
    city = await logins(people.city)
    ward = await logins(people.ward)
    opinion = await ok(
        await client.post(
            f"{API}/meetings/{setup.meeting_id}/opinions",
            json={"text": "Đề nghị lắp đèn tín hiệu ở ngã tư Hàng Bài", "voters_count": 5},
            headers=ward,
        ),
        201,
    )
    council_url = f"{API}/sessions/{setup.session_id}"
    await ok(
        await client.post(
            council_url + "/recommendations",
            json={
                "title": "Lắp đèn tín hiệu giao thông ở ngã tư Hàng Bài",
                "text": "Cử tri phường Hoàn Kiếm đề nghị lắp đèn tín hiệu.",
                "opinion_ids": [opinion["id"]],
                "agency_id": str(people.agency.id),
            },
            headers=city,
        ),
        201,
    )
    texts = {}
    for kind in ("compiled", "report-back"):
        response = await client.get(
            f"{council_url}/documents/{kind}",
            params={"signer_name": "Nguyễn Thị Hoa"},
            headers=city,
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        texts[kind] = pdf_text(response.content)
        texts[kind] = " ".join(texts[kind].split())
    for text in texts.values():
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "Nguyễn Thị Hoa" in text
        assert "Nơi nhận" in text
        assert "Hàng Bài" in text
    assert "TỔNG HỢP" in texts["compiled"].upper()
    assert "5 cử tri" in texts["compiled"]
    assert "Đang tổng hợp" in texts["report-back"]  # not yet sent: its status says so
    bad = await client.get(
        f"{council_url}/documents/other", params={"signer_name": "A B"}, headers=city
    )
    assert bad.status_code in (400, 404, 422)
    outsider = await logins(people.supervisor)
    assert (
        await client.get(
            f"{council_url}/documents/compiled", params={"signer_name": "A B"}, headers=outsider
        )
    ).status_code == 403


def pdf_text(pdf: bytes) -> str:
    """The PDF's text in content order (``pdftotext -raw``: a table cell's words together)."""
    done = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()
