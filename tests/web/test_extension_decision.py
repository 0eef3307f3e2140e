"""The Front's decision on an agency's extension request, on the review page over HTTP: the
pending request shown first (asked on, current and asked-for deadlines in dd/mm/yyyy, the
reason), approve (the deadline moves) or refuse with a note, the API's rules on the form."""

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from service.i18n import READERS_TIMEZONE
from tests.factories import BA_DINH, create_user
from tests.web.support import console_login, csrf_token
from tests.web.test_agency_pages import INBOX, Desk, make_desk, post_form, referred, version_of, vi

REVIEW = "/console/review"
REASON = "Cần khảo sát hiện trường và lấy ý kiến Sở Xây dựng"


@pytest.fixture
async def desk(session: AsyncSession, seeded: Any) -> Desk:
    return await make_desk(session)


async def as_user(client: httpx.AsyncClient, username: str) -> None:
    client.cookies.clear()
    answer = await console_login(client, username)
    assert answer.status_code == 303, answer.text


def _due_day(html: str) -> date:
    due = re.search(r'<dd><time datetime="([^"]+)"', html)
    assert due, "the page shows no deadline"
    return datetime.fromisoformat(due.group(1)).astimezone(ZoneInfo(READERS_TIMEZONE)).date()


async def asked(client: httpx.AsyncClient, desk: Desk) -> tuple[str, date, date]:
    """A referral the agency acknowledged and asked 3 more days for: its id, the deadline
    before and the date asked for."""
    referral_id = await referred(client, desk)
    page = f"{INBOX}/{referral_id}"
    await as_user(client, desk.agency_officer.username)
    acknowledged = await post_form(client, page, "acknowledge", {"agency_reference": "9/UBND"})
    assert acknowledged.status_code == 303
    due = _due_day((await client.get(page)).text)
    new = due + timedelta(days=3)
    data = {"new_due_date": new.isoformat(), "reason": REASON}
    assert (await post_form(client, page, "request_extension", data)).status_code == 303
    return referral_id, due, new


async def decide(
    client: httpx.AsyncClient, referral_id: str, data: dict[str, Any], version: str | None = None
) -> httpx.Response:
    page = await client.get(f"{REVIEW}/{referral_id}")
    assert page.status_code == 200, page.text
    action = re.search(r'action="(/console/review/[^"]+/extensions/[^"]+/decision)"', page.text)
    assert action, "no decision form on the page"
    form = {"_csrf_token": csrf_token(page.text), "version": version or version_of(page.text)}
    return await client.post(action.group(1), data={**form, **data})


async def test_the_pending_request_is_shown_first_and_approving_moves_the_deadline(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    referral_id, due, new = await asked(client, desk)
    await as_user(client, desk.front_officer.username)
    listed = (await client.get(REVIEW)).text
    waiting = listed.split('class="pending-extensions"', 1)[1].split("</ul>", 1)[0]
    assert f'href="{REVIEW}/{referral_id}"' in waiting
    page = (await client.get(f"{REVIEW}/{referral_id}")).text
    pending = page.split('class="action extension-pending"', 1)[1].split("</section>", 1)[0]
    assert page.index("extension-pending") < page.index('id="history-title"')
    assert vi("web.referrals.decide_extension.title") in pending
    assert f'<dd class="requested-due">{new.strftime("%d/%m/%Y")}</dd>' in pending
    assert f"<dd>{due.strftime('%d/%m/%Y')}</dd>" in pending
    assert REASON in pending

    approved = await decide(client, referral_id, {"approve": "true", "note": "Đồng ý"})
    assert approved.status_code == 303, approved.text
    assert approved.headers["location"] == f"{REVIEW}/{referral_id}"
    after = (await client.get(f"{REVIEW}/{referral_id}")).text
    assert vi("web.referrals.done.decide_extension") in after
    assert "extension-pending" not in after
    # the deadline the policy grants for the date asked for (its end moves past a day off)
    granted = _due_day(after)
    assert new <= granted <= new + timedelta(days=3)
    assert vi("web.referrals.decide_extension.granted", date=granted.strftime("%d/%m/%Y")) in after
    assert 'class="pending-extensions"' not in (await client.get(REVIEW)).text
    # the agency sees the decision and its new deadline
    await as_user(client, desk.agency_officer.username)
    inbox = (await client.get(f"{INBOX}/{referral_id}")).text
    assert _due_day(inbox) == granted
    assert vi("enum.replies.ExtensionStatus.approved") in inbox


async def test_refusing_keeps_the_deadline_and_says_why(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    referral_id, due, _new = await asked(client, desk)
    await as_user(client, desk.front_officer.username)
    note = "Thời hạn hiện tại đủ để trả lời"
    refused = await decide(client, referral_id, {"approve": "false", "note": note})
    assert refused.status_code == 303, refused.text
    after = (await client.get(f"{REVIEW}/{referral_id}")).text
    assert "extension-pending" not in after
    assert vi("enum.replies.ExtensionStatus.refused") in after
    assert f"({note})" in after
    assert _due_day(after) == due


async def test_a_bad_decision_is_said_next_to_its_field(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    referral_id, _due, _new = await asked(client, desk)
    await as_user(client, desk.front_officer.username)
    unsure = await decide(client, referral_id, {"approve": "maybe", "note": "Chưa rõ"})
    assert unsure.status_code == 422
    assert 'id="decide_extension-approve-error"' in unsure.text
    assert "Chưa rõ</textarea>" in unsure.text  # what they typed stays
    long_note = await decide(client, referral_id, {"approve": "false", "note": "x" * 4001})
    assert long_note.status_code == 422
    assert 'id="decide_extension-note-error"' in long_note.text
    assert "extension-pending" in (await client.get(f"{REVIEW}/{referral_id}")).text


async def test_a_stale_page_says_the_referral_changed(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    referral_id, _due, _new = await asked(client, desk)
    await as_user(client, desk.front_officer.username)
    page = (await client.get(f"{REVIEW}/{referral_id}")).text
    stale = await decide(client, referral_id, {"approve": "true"}, str(int(version_of(page)) - 1))
    assert stale.status_code == 412
    assert vi("referral_changed") in stale.text
    assert "extension-pending" in stale.text  # the request as it is now, still pending


async def test_only_the_wards_front_officer_decides(
    client: httpx.AsyncClient, desk: Desk, session: AsyncSession
) -> None:
    referral_id, _due, _new = await asked(client, desk)
    await as_user(client, desk.front_officer.username)
    page = (await client.get(f"{REVIEW}/{referral_id}")).text
    action = re.search(r'action="(/console/review/[^"]+/decision)"', page)
    assert action
    url, version = action.group(1), version_of(page)
    # no CSRF token: refused, and the request is still pending
    assert (await client.post(url, data={"version": version, "approve": "true"})).status_code == 403
    other = await create_user(session, Role.front_officer, unit_code=BA_DINH)
    await as_user(client, other.username)
    elsewhere = (await client.get(REVIEW)).text
    assert 'class="pending-extensions"' not in elsewhere  # another ward's request
    token = csrf_token(elsewhere)
    hidden = await client.post(
        url, data={"_csrf_token": token, "version": version, "approve": "true"}
    )
    assert hidden.status_code == 404
    await as_user(client, desk.agency_officer.username)
    token = csrf_token((await client.get(f"{INBOX}/{referral_id}")).text)
    wrong = await client.post(
        url, data={"_csrf_token": token, "version": version, "approve": "true"}
    )
    assert wrong.status_code == 403
    await as_user(client, desk.front_officer.username)
    assert "extension-pending" in (await client.get(f"{REVIEW}/{referral_id}")).text


async def test_every_pending_request_is_reached_by_keyset_pages(
    client: httpx.AsyncClient, desk: Desk, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.web.referrals import review

    monkeypatch.setattr(review, "PAGE_SIZE", 2)
    asked_ids = {(await asked(client, desk))[0] for _ in range(3)}
    await as_user(client, desk.front_officer.username)
    listed = (await client.get(REVIEW)).text
    first = set(re.findall(rf'href="{REVIEW}/([0-9a-f-]{{36}})"', _pending_part(listed)))
    assert len(first) == 2
    more = re.search(rf'href="({REVIEW}/extensions\?cursor=[^"]+)" rel="next"', listed)
    assert more, "no way to the rest"
    assert vi("web.referrals.review.all_pending_extensions") in listed
    rest_page = await client.get(more.group(1).replace("&amp;", "&"))
    assert rest_page.status_code == 200
    rest = set(re.findall(rf'href="{REVIEW}/([0-9a-f-]{{36}})"', rest_page.text))
    assert first | rest == asked_ids
    assert not first & rest
    assert 'rel="next"' not in rest_page.text  # the last page
    assert f'href="{REVIEW}/extensions"' in rest_page.text  # back to the first
    whole = await client.get(f"{REVIEW}/extensions")
    assert set(re.findall(rf'href="{REVIEW}/([0-9a-f-]{{36}})"', whole.text)) == first
    bad = await client.get(f"{REVIEW}/extensions", params={"cursor": "not-a-cursor"})
    assert 400 <= bad.status_code < 500
    other = await create_user(session, Role.front_officer, unit_code=BA_DINH)
    await as_user(client, other.username)
    elsewhere = await client.get(f"{REVIEW}/extensions")
    assert elsewhere.status_code == 200
    assert vi("web.referrals.review.no_pending_extensions") in elsewhere.text


def _pending_part(html: str) -> str:
    return html.split('class="pending-extensions"', 1)[1].split("</ul>", 1)[0]
