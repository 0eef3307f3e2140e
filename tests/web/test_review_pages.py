"""The Front's answer review over plain HTTP: the loop agency -> Front -> agency -> Front on
the pages (return with comments, the feedback on the agency's page, resubmission, accept,
the redacted preview, publish), and who may open what."""

import re
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from tests.factories import BA_DINH, create_user
from tests.petitions.conftest import IDENTIFIED
from tests.web.support import console_login
from tests.web.test_agency_pages import INBOX, Desk, make_desk, post_form, referred, vi

REVIEW = "/console/review"
ANSWER = {
    "outcome": "resolved",
    "text": "Kính gửi ông Nguyễn Văn An: UBND phường đã nạo vét cống trước số 12 Hàng Bông.",
    "document_number": "45/UBND-HK",
    "document_date": "2026-11-30",
    "signer_name": "Lê Văn Cường",
    "signer_title": "Phó Chủ tịch UBND phường",
}


@pytest.fixture
async def desk(session: AsyncSession, seeded: Any) -> Desk:
    return await make_desk(session)


async def as_user(client: httpx.AsyncClient, username: str) -> None:
    client.cookies.clear()
    await console_login(client, username)


async def submitted(client: httpx.AsyncClient, desk: Desk) -> str:
    """A referral whose complete answer the agency has submitted, from its pages."""
    referral_id = await referred(client, desk, petitioner=dict(IDENTIFIED), consent_to_publish=True)
    page = f"{INBOX}/{referral_id}"
    await as_user(client, desk.agency_officer.username)
    for action, data in (
        ("acknowledge", {"agency_reference": "15/UBND-HK"}),
        ("save_draft", ANSWER),
        ("submit", {}),
    ):
        response = await post_form(client, page, action, data)
        assert response.status_code == 303, (action, response.text)
    return referral_id


def preview_of(html: str) -> str:
    found = re.search(r'<section class="preview".*?</section>', html, re.S)
    assert found, "the page has no preview"
    return found.group(0)


async def test_return_feedback_resubmit_accept_preview_publish(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    referral_id = await submitted(client, desk)
    review = f"{REVIEW}/{referral_id}"
    await as_user(client, desk.front_officer.username)
    listed = await client.get(REVIEW)
    assert f'href="{review}"' in listed.text
    shown = await client.get(review)
    assert "45/UBND-HK" in shown.text
    # The preview is the public feed's text: the petitioner's name is masked there.
    preview = preview_of(shown.text)
    assert "Nguyễn Văn An" not in preview
    assert "[họ tên đã ẩn]" in preview
    assert "nạo vét cống" in preview

    no_comment = await post_form(client, review, "return_answer", {"reason": ""})
    assert no_comment.status_code == 422
    assert 'id="return_answer-reason-error"' in no_comment.text
    comment = "Đề nghị nêu rõ thời gian hoàn thành nạo vét."
    returned = await post_form(client, review, "return_answer", {"reason": comment})
    assert returned.status_code == 303
    assert returned.headers["location"] == review

    # The agency sees the Front's comments, corrects the draft (kept from the returned
    # answer) and submits again.
    page = f"{INBOX}/{referral_id}"
    await as_user(client, desk.agency_officer.username)
    agency_view = await client.get(page)
    assert vi("web.referrals.feedback") in agency_view.text
    assert comment in agency_view.text
    assert "45/UBND-HK" in agency_view.text  # the draft form starts from the returned answer
    corrected = {**ANSWER, "text": ANSWER["text"] + " Hoàn thành ngày 05/12/2026."}
    assert (await post_form(client, page, "save_draft", corrected)).status_code == 303
    assert (await post_form(client, page, "submit", {})).status_code == 303

    await as_user(client, desk.front_officer.username)
    assert (await post_form(client, review, "accept_answer", {})).status_code == 303
    accepted = await client.get(review)
    assert vi("enum.replies.ReferralState.answer_accepted") in accepted.text
    assert "Hoàn thành ngày 05/12/2026." in preview_of(accepted.text)
    published = await post_form(client, review, "publish", {"note": ""})
    assert published.status_code == 303
    after = await client.get(review)
    assert vi("web.referrals.done.publish") in after.text
    assert vi("enum.replies.ReferralState.published") in after.text
    feed = (await client.get("/api/v1/public/answers")).text
    assert "Hoàn thành ngày 05/12/2026." in feed
    assert "Nguyễn Văn An" not in feed


async def test_another_wards_front_and_an_agency_officer_cannot_review(
    client: httpx.AsyncClient, desk: Desk, session: AsyncSession
) -> None:
    referral_id = await submitted(client, desk)
    # The agency officer's own page shows the answer as submitted, but the review is not theirs.
    assert (await client.get(REVIEW)).status_code == 403
    other_ward = await create_user(session, Role.front_officer, unit_code=BA_DINH)
    await as_user(client, other_ward.username)
    assert referral_id not in (await client.get(REVIEW)).text
    assert (await client.get(f"{REVIEW}/{referral_id}")).status_code == 404
