"""The voter meetings' forms in the console over HTTP: a council session, a meeting, an
opinion typed in, the minutes spreadsheet (preview with every row's errors, confirm, the
job's progress, reject, a hostile file), compiling ticked opinions into a new or an existing
recommendation, referring it, the session's PDFs; each the API's operation with its rules:
the ward, the version the page was read at."""

import re
import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import StaffUser
from service.voters.models import VoterOpinion, VoterRecommendation
from service.voters.service import save_import_batch
from tests.factories import BA_DINH, HANOI, HOAN_KIEM
from tests.voters.conftest import API, People, Setup, ok
from tests.voters.conftest import logins as logins  # the voters tests' fixtures
from tests.voters.conftest import people as people
from tests.voters.conftest import setup as setup
from tests.voters.sheets import xlsx
from tests.web.support import console_login, csrf_token

BASE = "/console/voter-meetings"
STALE = "Dữ liệu đã thay đổi kể từ khi bạn mở; vui lòng tải lại rồi thử lại."


async def _as(client: httpx.AsyncClient, user: StaffUser) -> None:
    client.cookies.clear()
    answer = await console_login(client, user.username)
    assert answer.status_code == 303, answer.text


def _version(html: str, after: str = "") -> str:
    start = html.index(after) if after else 0
    return html[start:].split('name="version" value="', 1)[1].split('"', 1)[0]


def _field_error(html: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="f-{name}-error">([^<]+)</p>', html)
    assert match, f"no error next to {name}"
    return match.group(1)


async def _post(client: httpx.AsyncClient, page: str, url: str, **data: Any) -> httpx.Response:
    token = csrf_token((await client.get(page)).text)
    return await client.post(url, data={"_csrf_token": token, **data})


async def test_a_session_recorded_from_the_list_and_its_errors(
    client: httpx.AsyncClient, people: People
) -> None:
    await _as(client, people.city)
    listing = await client.get(BASE)
    assert "<summary>Ghi nhận kỳ họp</summary>" in listing.text
    fields = {
        "title": "Kỳ họp thứ tư HĐND thành phố Hà Nội",
        "term": "2026-2031",
        "number": "4",
        "level": "city",
        "unit_code": HANOI,
        "starts_on": "2027-06-01",
        "ends_on": "2027-06-03",
    }
    wrong = await _post(client, BASE, f"{BASE}/", **{**fields, "number": "0", "title": "K"})
    assert wrong.status_code == 422
    # Vietnamese, next to each field
    assert _field_error(wrong.text, "title") == "Cần nhập ít nhất 3 ký tự."
    assert _field_error(wrong.text, "number").startswith("Giá trị phải từ 1")
    created = await _post(client, BASE, f"{BASE}/", **fields)
    assert created.status_code == 303, created.text
    page = await client.get(created.headers["location"])
    assert "Đã ghi nhận kỳ họp." in page.text
    assert "<h1>Kỳ họp thứ tư HĐND thành phố Hà Nội</h1>" in page.text
    again = await _post(client, BASE, f"{BASE}/", **fields)  # the same number in the term
    assert again.status_code == 409
    assert "form-errors" in again.text


async def test_a_meeting_and_an_opinion_from_their_forms(
    client: httpx.AsyncClient, people: People, setup: Setup, session: AsyncSession
) -> None:
    await _as(client, people.ward)
    page = f"{BASE}/{setup.session_id}"
    created = await _post(
        client,
        page,
        f"{page}/meetings",
        timing="after",
        unit_code=HOAN_KIEM,
        held_on="2026-12-20",
        place="Hội trường UBND phường Hoàn Kiếm",
        delegates="Đại biểu Nguyễn Văn A\n\nĐại biểu Lê Thị C\n",
        voters_attending="85",
    )
    assert created.status_code == 303, created.text
    meeting_url = created.headers["location"]
    meeting = await client.get(meeting_url)
    assert "Đã ghi nhận cuộc tiếp xúc cử tri." in meeting.text
    assert "Đại biểu Nguyễn Văn A; Đại biểu Lê Thị C" in meeting.text
    # A ward's officer records meetings in their own ward only: the other ward is refused.
    refused = await _post(
        client,
        page,
        f"{page}/meetings",
        timing="after",
        unit_code=BA_DINH,
        held_on="2026-12-20",
        place="Nhà văn hóa",
    )
    assert refused.status_code == 403
    short = await _post(client, meeting_url, f"{meeting_url}/opinions", text="ab")
    assert short.status_code == 422
    assert re.search(r"[ơưăâđêôý]", _field_error(short.text, "text"))
    added = await _post(
        client,
        meeting_url,
        f"{meeting_url}/opinions",
        text="Đề nghị lắp đèn chiếu sáng ngõ 8 phố Hàng Bạc",
        topic="Đô thị",
        voters_count="5",
    )
    assert added.status_code == 303, added.text
    shown = await client.get(meeting_url)
    assert "Đã thêm ý kiến." in shown.text
    assert '<th scope="row">Đề nghị lắp đèn chiếu sáng ngõ 8 phố Hàng Bạc</th>' in shown.text
    saved = (await session.execute(select(VoterOpinion))).scalars().all()
    assert [(o.text, o.voters_count) for o in saved] == [
        ("Đề nghị lắp đèn chiếu sáng ngõ 8 phố Hàng Bạc", 5)
    ]


async def test_another_wards_meeting_is_not_found(
    client: httpx.AsyncClient, people: People, setup: Setup
) -> None:
    await _as(client, people.other_ward)
    url = f"{BASE}/meetings/{setup.meeting_id}"
    assert (await client.get(url)).status_code == 404
    token = csrf_token((await client.get(BASE)).text)
    posted = await client.post(f"{url}/opinions", data={"_csrf_token": token, "text": "Ý kiến"})
    assert posted.status_code == 404
    assert (await client.get(f"{BASE}/meetings/{uuid.uuid4()}")).status_code == 404


async def _upload(
    client: httpx.AsyncClient, setup: Setup, data: bytes, name: str
) -> httpx.Response:
    url = f"{BASE}/meetings/{setup.meeting_id}"
    token = csrf_token((await client.get(url)).text)
    return await client.post(
        f"{url}/imports",
        data={"_csrf_token": token},
        files={"file": (name, data, "application/octet-stream")},
    )


ROWS = [
    (1, "Đề nghị sửa chữa tuyến đường Hàng Bông bị sụt lún", "Giao thông", "UBND phường", 3),
    (2, "Đề nghị tăng cường chiếu sáng ngõ 12 phố Hàng Gai", "Đô thị", None, 2),
    (3, "Đề nghị xử lý rác thải tồn đọng ở chợ Hàng Da", "Môi trường", None, 1),
]


async def test_the_minutes_previewed_confirmed_and_saved_with_progress(
    client: httpx.AsyncClient, people: People, setup: Setup, session: AsyncSession
) -> None:
    await _as(client, people.ward)
    uploaded = await _upload(client, setup, xlsx(ROWS), "bien-ban.xlsx")
    assert uploaded.status_code == 303, uploaded.text
    import_url = uploaded.headers["location"]
    preview = await client.get(import_url)
    assert "Bảng tính có 3 dòng, 0 dòng có lỗi." in preview.text
    for _, text, *_rest in ROWS:
        assert f"<td>{text}</td>" in preview.text
    assert (await session.execute(select(VoterOpinion))).scalars().all() == []  # nothing yet
    # A version the page did not show: the conflict message, nothing queued.
    token = csrf_token(preview.text)
    stale = await client.post(
        f"{import_url}/actions/confirm", data={"_csrf_token": token, "version": "9"}
    )
    assert stale.status_code == 412
    assert STALE in stale.text
    confirmed = await client.post(
        f"{import_url}/actions/confirm",
        data={"_csrf_token": token, "version": _version(preview.text)},
    )
    assert confirmed.status_code == 303, confirmed.text
    queued = await client.get(import_url)
    assert "Đã xác nhận; các dòng đang được lưu." in queued.text
    assert 'hx-trigger="every 1s"' in queued.text
    assert f'<a href="{import_url}">Tải lại trang để xem tiến độ</a>' in queued.text
    # The job, one row a batch; the page's poll gets the fragment.
    import_id = uuid.UUID(import_url.rsplit("/", 1)[1])
    assert not await save_import_batch(session, import_id, batch_rows=2)
    fragment = await client.get(import_url, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="progress"')
    assert "đã lưu 2/3 dòng (66%)" in fragment.text
    assert await save_import_batch(session, import_id, batch_rows=2)
    done = await client.get(import_url, headers={"HX-Request": "true"})
    assert "đã lưu 3/3 dòng (100%)" in done.text
    assert "hx-trigger" not in done.text  # the poll stops
    meeting = await client.get(f"{BASE}/meetings/{setup.meeting_id}")
    assert "Đề nghị xử lý rác thải tồn đọng ở chợ Hàng Da" in meeting.text


async def test_row_errors_listed_and_the_file_rejected(
    client: httpx.AsyncClient, people: People, setup: Setup
) -> None:
    await _as(client, people.ward)
    rows = [*ROWS, (4, None, "Đô thị", None, 1), (5, "Đề nghị lát lại vỉa hè", None, None, "x")]
    uploaded = await _upload(client, setup, xlsx(rows), "co-loi.xlsx")
    assert uploaded.status_code == 303, uploaded.text
    preview = await client.get(uploaded.headers["location"])
    assert "Bảng tính có 5 dòng, 2 dòng có lỗi." in preview.text
    assert "Thiếu nội dung ý kiến, kiến nghị." in preview.text
    assert "Xác nhận lưu" not in preview.text  # only rejecting is offered
    token = csrf_token(preview.text)
    version = _version(preview.text)
    refused = await client.post(
        uploaded.headers["location"] + "/actions/confirm",
        data={"_csrf_token": token, "version": version},
    )
    assert refused.status_code == 422
    rejected = await client.post(
        uploaded.headers["location"] + "/actions/reject",
        data={"_csrf_token": token, "version": version},
    )
    assert rejected.status_code == 303
    assert "Đã hủy bảng tính." in (await client.get(uploaded.headers["location"])).text
    unknown = await client.post(
        uploaded.headers["location"] + "/actions/publish",
        data={"_csrf_token": token, "version": version},
    )
    assert unknown.status_code == 404  # only the API's own actions are forms


async def test_a_hostile_file_gets_a_clear_message(
    client: httpx.AsyncClient, people: People, setup: Setup
) -> None:
    await _as(client, people.ward)
    fake = await _upload(client, setup, b"not a zip at all", "fake.xlsx")
    assert fake.status_code == 422
    assert _field_error(fake.text, "file") == "Tệp không phải bảng tính XLSX hợp lệ."
    huge = await _upload(client, setup, b"x" * (5 * 1024 * 1024 + 1), "huge.csv")
    assert huge.status_code == 413
    assert "5" in _field_error(huge.text, "file")
    token = csrf_token((await client.get(f"{BASE}/meetings/{setup.meeting_id}")).text)
    none = await client.post(
        f"{BASE}/meetings/{setup.meeting_id}/imports",
        data={"_csrf_token": token},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert none.status_code == 422
    assert _field_error(none.text, "file") == "Hãy chọn tệp bảng tính."


async def _opinion(client: httpx.AsyncClient, headers: Any, meeting_id: str, text: str) -> str:
    url = f"{API}/meetings/{meeting_id}/opinions"
    body = await ok(
        await client.post(url, json={"text": text, "voters_count": 2}, headers=headers), 201
    )
    return str(body["id"])


async def test_compile_merge_and_refer(
    client: httpx.AsyncClient,
    people: People,
    setup: Setup,
    logins: Any,
    session: AsyncSession,
) -> None:
    ward = await logins(people.ward)
    first = await _opinion(
        client, ward, setup.meeting_id, "Đề nghị sửa chữa đường Hàng Bông bị sụt lún"
    )
    second = await _opinion(
        client, ward, setup.meeting_id, "Đề nghị sớm sửa chữa đường Hàng Bông bị sụt lún"
    )
    third = await _opinion(client, ward, setup.meeting_id, "Đề nghị xây thêm nhà vệ sinh công cộng")
    await _as(client, people.city)
    page_url = f"{BASE}/{setup.session_id}"
    page = await client.get(page_url)
    assert "Các ý kiến có nội dung giống nhau" in page.text
    picked = re.search(r'href="([^"]*pick=[^"]*)#compile"', page.text)
    assert picked
    assert first in picked.group(1)
    assert second in picked.group(1)
    chosen = await client.get(picked.group(1).replace("&amp;", "&"))
    assert f'value="{first}" checked' in chosen.text
    assert f'value="{third}" checked' not in chosen.text

    token = csrf_token(page.text)
    missing = await client.post(
        f"{page_url}/compile", data={"_csrf_token": token, "into": "new", "title": "Sửa đường"}
    )
    assert missing.status_code == 422
    assert _field_error(missing.text, "opinion_ids")
    created = await client.post(
        f"{page_url}/compile",
        data={
            "_csrf_token": token,
            "into": "new",
            "opinion_ids": [first, second],
            "title": "Sửa chữa tuyến đường Hàng Bông",
            "text": "Cử tri đề nghị sớm sửa chữa tuyến đường Hàng Bông bị sụt lún.",
        },
    )
    assert created.status_code == 303, created.text
    page = await client.get(page_url)
    assert '<th scope="row">Sửa chữa tuyến đường Hàng Bông</th>' in page.text
    rec = (await session.execute(select(VoterRecommendation))).scalar_one()
    # Adding the third at a version the page did not show: the conflict message.

    async def merge(version: str) -> httpx.Response:
        fields = {"into": "merge", "opinion_ids": third, "recommendation_id": str(rec.id)}
        data = {"_csrf_token": token, **fields, f"version-{rec.id}": version}
        return await client.post(f"{page_url}/compile", data=data)

    stale = await merge(str(rec.version + 1))
    assert stale.status_code == 412
    assert STALE in stale.text
    shown = re.findall(rf'name="version-{rec.id}" value="(\d+)"', page.text)
    assert shown == [str(rec.version)]
    merged = await merge(shown[0])
    assert merged.status_code == 303, merged.text
    await session.refresh(rec)
    linked = (
        (
            await session.execute(
                select(VoterOpinion.id).where(VoterOpinion.recommendation_id == rec.id)
            )
        )
        .scalars()
        .all()
    )
    assert {str(i) for i in linked} == {first, second, third}

    page = await client.get(page_url)
    refer_url = f"{BASE}/recommendations/{rec.id}/actions/refer"
    version = _version(page.text, f'action="{refer_url}"')
    assert version == str(rec.version)
    no_agency = await client.post(refer_url, data={"_csrf_token": token, "version": version})
    assert no_agency.status_code == 422
    assert f'id="r-{rec.id}-agency_id-error"' in no_agency.text
    stale_refer = await client.post(
        refer_url,
        data={"_csrf_token": token, "version": "1", "agency_id": str(people.agency.id)},
    )
    assert stale_refer.status_code == 412
    assert STALE in stale_refer.text
    referred = await client.post(
        refer_url,
        data={"_csrf_token": token, "version": version, "agency_id": str(people.agency.id)},
    )
    assert referred.status_code == 303, referred.text
    page = await client.get(page_url)
    assert "Đã chuyển kiến nghị đến cơ quan giải quyết." in page.text
    await session.refresh(rec)
    assert rec.state == "referred"
    assert rec.agency_id == people.agency.id
    assert f'action="{refer_url}"' not in page.text  # referred: no second referral form


async def test_the_session_documents(
    client: httpx.AsyncClient, people: People, setup: Setup
) -> None:
    await _as(client, people.city)
    page = await client.get(f"{BASE}/{setup.session_id}")
    url = f"{BASE}/sessions/{setup.session_id}/documents"
    assert f'action="{url}/compiled"' in page.text
    assert f'formaction="{url}/report-back"' in page.text
    unsigned = await client.get(f"{url}/compiled")
    assert unsigned.status_code == 400  # the API's own route: its parameters' rules
    for kind in ("compiled", "report-back"):
        pdf = await client.get(f"{url}/{kind}", params={"signer_name": "Nguyễn Văn An"})
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
    unknown = f"{BASE}/sessions/{uuid.uuid4()}/documents/compiled"
    assert (await client.get(unknown, params={"signer_name": "Nguyễn Văn An"})).status_code == 404
