"""The public portal over HTTP: filing from the web (the API's rules, the bot checks,
idempotency, the receipt shown once), tracking and the citizen's actions, report
verification, the home page's figures."""

import re
import time
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from reports.models import Report, ReportKind, ReportState
from service.db import utcnow
from service.i18n import LOCALES, has
from service.petitions.models import (
    Channel,
    NotifyChannel,
    Petition,
    Petitioner,
    PetitionEvidence,
    PetitionKind,
    PetitionStatus,
)
from service.petitions.ratelimit import PER_ADDRESS
from service.ratelimit import APP_STATE_KEY
from service.replies.models import AnswerOutcome
from service.settings import Settings
from service.web.public import antibot
from service.web.public.receipts import PORTAL_CLIENT_ID
from tests.factories import HOAN_KIEM
from tests.petitions.conftest import Staff, act, policy, staff_headers  # noqa: F401
from tests.petitions.conftest import staff as staff  # the fixture
from tests.web.support import csrf_token

pytestmark = pytest.mark.usefixtures("policy")

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81"
    b"\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def fields(html: str, settings: Settings, **overrides: str | None) -> dict[str, str]:
    """A filled form as a browser posts it, with a token issued a minute ago (a person
    takes that long; a fresh one is refused as too fast)."""
    data = {
        "_csrf_token": csrf_token(html),
        "form_token": antibot.issue_token(settings, time.time() - 60),
        "website": "",
        "kind": "feedback",
        "category": "environment_sanitation",
        "unit_code": HOAN_KIEM,
        "title": "Rác tồn đọng ở ngõ 5 Hàng Bông",
        "description": "Rác không được thu gom ba ngày nay, bốc mùi.",
        "consent_to_process": "yes",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


async def file_page(client: httpx.AsyncClient) -> str:
    page = await client.get("/gui-kien-nghi")
    assert page.status_code == 200
    return page.text


async def petitions_filed(session: AsyncSession) -> int:
    query = select(func.count()).where(col(Petition.client_id) == PORTAL_CLIENT_ID)
    return int((await session.execute(query)).scalar_one())


async def refused_filing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    *,
    status: int = 422,
    files: list[Any] | None = None,
    **overrides: str | None,
) -> str:
    """Posts the form with ``overrides`` (None: the input left out); asserts the refusal's
    status and that nothing was filed; returns the page."""
    html = await file_page(client)
    before = await petitions_filed(session)
    data = fields(html, settings, **overrides)
    sent = await client.post("/gui-kien-nghi", data=data, files=files)
    assert sent.status_code == status, sent.text
    assert await petitions_filed(session) == before
    return sent.text


def receipt_of(html: str) -> tuple[str, str]:
    code = re.search(r"Mã tra cứu</dt><dd>([^<]+)</dd>", html)
    secret = re.search(r"Mã bí mật</dt><dd>([^<]+)</dd>", html)
    assert code, html
    assert secret, html
    return code.group(1), secret.group(1)


async def file_one(
    client: httpx.AsyncClient, settings: Settings, **overrides: str
) -> tuple[str, str]:
    html = await file_page(client)
    sent = await client.post("/gui-kien-nghi", data=fields(html, settings, **overrides))
    assert sent.status_code == 303, sent.text
    receipt = await client.get(sent.headers["location"])
    return receipt_of(receipt.text)


class TestFiling:
    async def test_a_petition_with_a_photo_gets_a_receipt_once(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        html = await file_page(client)
        sent = await client.post(
            "/gui-kien-nghi",
            data=fields(html, settings),
            files=[("evidence", ("ngo5.png", PNG, "image/png"))],
        )
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == "/gui-kien-nghi/bien-nhan"
        receipt = await client.get("/gui-kien-nghi/bien-nhan")
        code, secret = receipt_of(receipt.text)
        assert code.startswith("HN-")
        petition = (
            await session.execute(select(Petition).where(col(Petition.tracking_code) == code))
        ).scalar_one()
        assert petition.channel == Channel.web
        assert petition.client_id == PORTAL_CLIENT_ID
        files = await session.execute(
            select(func.count()).where(col(PetitionEvidence.petition_id) == petition.id)
        )
        assert files.scalar_one() == 1
        # Shown once: the page after forgets it.
        again = await client.get("/gui-kien-nghi/bien-nhan")
        assert secret not in again.text
        assert "chỉ hiển thị một lần" in again.text
        # The API's tracking accepts the secret of the receipt.
        tracked = await client.get(f"/api/v1/track/{code}", headers={"X-Tracking-Secret": secret})
        assert tracked.status_code == 200

    async def test_a_double_submit_files_once(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        html = await file_page(client)
        data = fields(html, settings)
        first = await client.post("/gui-kien-nghi", data=data)
        code, _ = receipt_of((await client.get(first.headers["location"])).text)
        before = await petitions_filed(session)
        second = await client.post("/gui-kien-nghi", data=data)
        assert second.status_code == 303
        assert receipt_of((await client.get(second.headers["location"])).text)[0] == code
        assert await petitions_filed(session) == before

    async def test_a_complaint_needs_the_identity_said_next_to_the_fields(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        page = await refused_filing(client, session, settings, kind="complaint")
        for name in ("full_name", "national_id", "address", "phone"):
            assert f'id="f-{name}-error"' in page, name
        assert 'value="Rác tồn đọng ở ngõ 5 Hàng Bông"' in page  # kept for the next try

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"consent_to_process": None}, "consent_to_process"),
            ({"unit_code": "99999"}, "unit_code"),
            ({"title": "ab"}, "title"),
            ({"kind": "nonsense"}, "kind"),
            ({"phone": "not a phone"}, "phone"),
            ({"contested_decision_date": "31/02/2026"}, "contested_decision_date"),
        ],
    )
    async def test_bad_input_is_refused_next_to_its_field(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        overrides: dict[str, Any],
        field: str,
    ) -> None:
        page = await refused_filing(client, session, settings, **overrides)
        assert f'id="f-{field}-error"' in page

    async def test_a_file_of_a_refused_type_rolls_the_filing_back(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        program = ("run.png", b"MZ\x90\x00 a program, not a photo", "image/png")
        page = await refused_filing(client, session, settings, files=[("evidence", program)])
        assert 'id="f-evidence-error"' in page

    async def test_the_honeypot_refuses(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        page = await refused_filing(client, session, settings, website="http://spam.example")
        assert "Không thể nhận biểu mẫu này." in page

    @pytest.mark.parametrize(
        ("token", "message"),
        [
            ("", "Biểu mẫu không hợp lệ"),
            ("123.abc.forged", "Biểu mẫu không hợp lệ"),
            ("fresh", "quá nhanh"),
            ("old", "quá lâu"),
        ],
    )
    async def test_the_form_token_is_checked(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        token: str,
        message: str,
    ) -> None:
        if token == "fresh":
            token = antibot.issue_token(settings)
        elif token == "old":
            token = antibot.issue_token(settings, time.time() - antibot.MAX_AGE_SECONDS - 5)
        assert message in await refused_filing(client, session, settings, form_token=token)

    async def test_the_address_limit_refuses(
        self, client: httpx.AsyncClient, app: Litestar, settings: Settings
    ) -> None:
        html = await file_page(client)
        counters = app.state[APP_STATE_KEY]
        for _ in range(antibot.FILINGS_PER_ADDRESS.allowed):
            await counters.hit(
                "portal-file:address:127.0.0.1", antibot.FILINGS_PER_ADDRESS.window_seconds
            )
        sent = await client.post("/gui-kien-nghi", data=fields(html, settings))
        assert sent.status_code == 429
        assert "quá nhiều kiến nghị" in sent.text

    async def test_without_the_csrf_token_nothing_is_filed(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        page = await refused_filing(client, session, settings, status=403, _csrf_token=None)
        assert "Biểu mẫu đã hết hạn" in page


async def look_up(client: httpx.AsyncClient, code: str, secret: str) -> httpx.Response:
    form = await client.get("/tra-cuu")
    return await client.post(
        "/tra-cuu", data={"_csrf_token": csrf_token(form.text), "code": code, "secret": secret}
    )


async def petition_of(session: AsyncSession, code: str) -> Petition:
    query = select(Petition).where(col(Petition.tracking_code) == code)
    petition = (await session.execute(query.execution_options(populate_existing=True))).scalar_one()
    return petition


class TestTracking:
    async def test_a_wrong_secret_is_the_unknown_code_page(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        code, _ = await file_one(client, settings)
        wrong = await look_up(client, code, "not-the-secret")
        unknown = await look_up(client, "HN-1999-000001", "not-the-secret")
        assert wrong.status_code == unknown.status_code == 404
        for answer in (wrong, unknown):
            assert "Không tìm thấy đơn với mã tra cứu và mã bí mật này." in answer.text
        assert "tracking" not in wrong.cookies

    async def test_past_the_limit_guesses_get_429_and_the_right_secret_still_works(
        self, client: httpx.AsyncClient, app: Litestar, settings: Settings
    ) -> None:
        code, secret = await file_one(client, settings)
        counters = app.state[APP_STATE_KEY]
        for _ in range(PER_ADDRESS.allowed):
            await counters.hit("track:address:127.0.0.1", PER_ADDRESS.window_seconds)
        guessed = await look_up(client, code, "guess")
        assert guessed.status_code == 429
        assert "Có quá nhiều lần tra cứu sai từ địa chỉ này" in guessed.text
        assert (await look_up(client, code, secret)).status_code == 303

    async def test_the_page_needs_the_code_and_secret_first(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        code, _ = await file_one(client, settings)
        page = await client.get(f"/tra-cuu/{code}")
        assert page.status_code == 303
        assert page.headers["location"] == f"/tra-cuu?ma={code}"

    async def test_follow_answer_the_question_and_add_information(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        staff: Staff,
    ) -> None:
        code, secret = await file_one(client, settings)
        found = await look_up(client, code.lower(), secret)
        assert found.status_code == 303
        assert found.headers["location"] == f"/tra-cuu/{code}"
        page = await client.get(f"/tra-cuu/{code}")
        assert page.status_code == 200
        assert "Rác tồn đọng ở ngõ 5 Hàng Bông" in page.text
        assert "Đã tiếp nhận" in page.text or "Mới tiếp nhận" in page.text or code in page.text
        # The Front asks a question (the API); the page shows it with a form to answer.
        petition = await petition_of(session, code)
        headers = await staff_headers(client, staff.ward_front)
        asked = await act(
            client, headers, petition.id, "request-info", {"question": "Ngõ số mấy, đoạn nào?"}
        )
        assert asked.status_code == 200, asked.text
        page = await client.get(f"/tra-cuu/{code}")
        assert "Ngõ số mấy, đoạn nào?" in page.text
        action = re.search(r'action="(/tra-cuu/[^"]+/cau-hoi/[^"]+)"', page.text)
        assert action
        empty = await client.post(
            action.group(1), data={"_csrf_token": csrf_token(page.text), "answer": " "}
        )
        assert empty.status_code == 422
        assert 'id="f-answer-error"' in empty.text
        answered = await client.post(
            action.group(1),
            data={"_csrf_token": csrf_token(page.text), "answer": "Ngõ 5, đoạn cuối ngõ."},
        )
        assert answered.status_code == 303
        assert (await petition_of(session, code)).status != PetitionStatus.needs_info
        page = await client.get(f"/tra-cuu/{code}")
        assert "Đã gửi câu trả lời của bạn" in page.text
        assert "/cau-hoi/" not in page.text  # the question is answered
        added = await client.post(
            f"/tra-cuu/{code}/bo-sung",
            data={"_csrf_token": csrf_token(page.text), "text": "Có thêm ảnh sau."},
        )
        assert added.status_code == 303
        # Rating before any answer: refused plainly, not a 500.
        rated = await client.post(
            f"/tra-cuu/{code}/danh-gia",
            data={"_csrf_token": csrf_token(page.text), "satisfied": "yes"},
        )
        assert rated.status_code == 409
        # Leaving forgets the secret on this browser.
        left = await client.post("/tra-cuu/thoat", data={"_csrf_token": csrf_token(page.text)})
        assert left.status_code == 303
        assert (await client.get(f"/tra-cuu/{code}")).status_code == 303

    async def test_the_citizen_stops_and_restarts_the_notices(
        self, client: httpx.AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        code, secret = await file_one(client, settings)
        await look_up(client, code, secret)
        # The portal files with no notices, so its page offers nothing to stop.
        page = await client.get(f"/tra-cuu/{code}")
        assert f"/tra-cuu/{code}/nhan-thong-bao" not in page.text
        # As a petition filed by SMS (or through an API client asking for SMS) is.
        await session.execute(
            update(Petition)
            .where(col(Petition.tracking_code) == code)
            .values(notify_channel=NotifyChannel.sms)
        )
        await session.commit()
        page = await client.get(f"/tra-cuu/{code}")
        assert "Bạn đang nhận thông báo về đơn này qua tin nhắn SMS" in page.text

        async def press(value: str) -> int:
            data = {"_csrf_token": csrf_token(page.text), "notifications": value}
            return (await client.post(f"/tra-cuu/{code}/nhan-thong-bao", data=data)).status_code

        assert await press("off") == 303
        assert (await petition_of(session, code)).notify_opted_out_at is not None
        page = await client.get(f"/tra-cuu/{code}")
        assert "Đã lưu lựa chọn nhận thông báo của bạn." in page.text
        assert "Bạn đã dừng nhận thông báo về đơn này." in page.text
        assert 'name="notifications" value="on"' in page.text
        assert await press("maybe") == 422
        assert (await petition_of(session, code)).notify_opted_out_at is not None
        assert await press("on") == 303
        assert (await petition_of(session, code)).notify_opted_out_at is None
        page = await client.get(f"/tra-cuu/{code}")
        assert 'name="notifications" value="off"' in page.text


class TestVerify:
    async def test_a_printed_report_shows_issuer_number_date_and_hash(
        self, client: httpx.AsyncClient, session: AsyncSession
    ) -> None:
        digest = "ab" * 32
        session.add(
            Report(
                series_id=uuid.uuid4(),
                kind=ReportKind.council_periodic,
                parameters={},
                summary="Tổng hợp ý kiến, kiến nghị cử tri",
                state=ReportState.issued,
                issued_at=utcnow(),
                sha256=digest,
                object_key="reports/pqrs.pdf",
                size_bytes=12345,
                page_count=3,
                verification_code="PQRS-2345",
                number_symbol="12/BC-MTTQ",
                parent_body="Ủy ban MTTQ Việt Nam",
                issuing_body="Ban Thường trực\\nthành phố Hà Nội",
                place="Hà Nội",
                issue_date=date(2026, 11, 30),
                signer_name="Nguyễn Văn A",
                signer_title="Chủ tịch",
            )
        )
        await session.flush()
        page = await client.get("/xac-minh", params={"ma": "pqrs2345"})
        assert page.status_code == 200
        for shown in (digest, "12/BC-MTTQ", "30/11/2026", "Ban Thường trực thành phố Hà Nội"):
            assert shown in page.text

    @pytest.mark.parametrize("code", ["ZZZZ-ZZZZ", "<script>", "x" * 90])
    async def test_an_unknown_code_says_so(self, client: httpx.AsyncClient, code: str) -> None:
        page = await client.get("/xac-minh", params={"ma": code})
        assert page.status_code == 404
        assert 'id="f-ma-error"' in page.text

    async def test_the_empty_form(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/xac-minh")
        assert page.status_code == 200
        assert 'id="f-ma"' in page.text


async def test_the_home_page_counts_this_years_petitions(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    def received(html: str) -> int:
        row = re.search(
            r"<th scope=\"row\">Phường Hoàn Kiếm</th>\s*<td class=\"num\">([\d.]+)", html
        )
        assert row, html
        return int(row.group(1).replace(".", ""))

    before = received((await client.get("/")).text)
    await file_one(client, settings)
    home = await client.get("/")
    assert home.status_code == 200
    assert received(home.text) == before + 1
    assert "<svg" in home.text


async def test_a_denunciation_from_the_web_keeps_the_denouncer_secret(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    identity = {
        "full_name": "Trần Văn Tố",
        "national_id": "001203004567",
        "address": "1 Hàng Bông",
        "phone": "0912345678",
    }
    html = await file_page(client)
    sent = await client.post(
        "/gui-kien-nghi", data=fields(html, settings, kind="denunciation", **identity)
    )
    assert sent.status_code == 303, sent.text
    receipt = await client.get(sent.headers["location"])
    code, secret = receipt_of(receipt.text)
    petition = await petition_of(session, code)
    assert petition.identified
    stored = (
        await session.execute(select(Petitioner).where(col(Petitioner.petition_id) == petition.id))
    ).scalar_one()
    assert stored.identity_ciphertext
    assert stored.full_name is None
    assert stored.phone is None
    await look_up(client, code, secret)
    tracking = await client.get(f"/tra-cuu/{code}")
    for page in (receipt.text, tracking.text):
        for value in identity.values():
            assert value not in page


async def test_the_form_speaks_english_from_the_same_catalogue(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    english = {"Accept-Language": "en"}
    page = await client.get("/gui-kien-nghi", headers=english)
    assert '<html lang="en">' in page.text
    assert "Send the petition" in page.text
    assert "Ward or commune" in page.text
    sent = await client.post(
        "/gui-kien-nghi", data=fields(page.text, settings, title="ab"), headers=english
    )
    assert sent.status_code == 422
    assert "The form has invalid entries" in sent.text
    assert 'id="f-title-error"' in sent.text
    assert "Tiêu đề" not in sent.text


@pytest.mark.parametrize(
    ("prefix", "values"),
    [
        ("web.portal.outcome.", [member.value for member in AnswerOutcome]),
        ("web.portal.report_kind.", [member.value for member in ReportKind]),
        ("web.portal.kind_hint.", [member.value for member in PetitionKind]),
        (
            "web.portal.notify_via.",
            [member.value for member in NotifyChannel if member != NotifyChannel.none],
        ),
    ],
)
def test_the_labels_built_from_values_are_in_the_catalogue(prefix: str, values: list[str]) -> None:
    """The templates name these codes by concatenation, which the templates' own code check
    cannot see."""
    for value in values:
        for locale in LOCALES:
            assert has(prefix + value, locale), (prefix + value, locale)
