"""The agency inbox over plain HTTP: the rules a browser cannot see (404 for another agency's
referral, CSRF, stale versions, bad input, upload checks, confidentiality), on a referral made
the real way (a petition filed through the API, accepted and referred by the ward Front)."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.deadlines.policy import seed_default_policy
from service.i18n import READERS_TIMEZONE, translate
from tests.factories import HOAN_KIEM, create_api_client, create_user, login
from tests.petitions.conftest import IDENTIFIED, act, agency_by_code, petition_body
from tests.storage import samples
from tests.web.support import console_login, csrf_token

INBOX = "/console/inbox"


@dataclass
class Desk:
    """The people of one referral: the ward's agency officer, another agency's, the ward's
    Front officer, and a client app filing petitions."""

    agency_officer: StaffUser
    other_agency_officer: StaffUser
    front_officer: StaffUser
    api_key: str
    ward_agency_id: uuid.UUID


async def make_desk(session: AsyncSession) -> Desk:
    """The people (and the deadline policy) of a referral to UBND phường Hoàn Kiếm."""
    await seed_default_policy(session)
    ward = await agency_by_code(session, "ubnd-00070")
    other = await agency_by_code(session, "ubnd-00004")
    _client, key = await create_api_client(session)
    return Desk(
        agency_officer=await create_user(session, Role.agency_officer, agency=ward),
        other_agency_officer=await create_user(session, Role.agency_officer, agency=other),
        front_officer=await create_user(session, Role.front_officer, unit_code=HOAN_KIEM),
        api_key=key,
        ward_agency_id=ward.id,
    )


@pytest.fixture
async def desk(session: AsyncSession, seeded: Any) -> Desk:
    return await make_desk(session)


async def referred(client: httpx.AsyncClient, desk: Desk, **overrides: Any) -> str:
    """A petition filed, accepted and referred to UBND phường Hoàn Kiếm; its referral id."""
    filed = await client.post(
        "/api/v1/petitions",
        json=petition_body(**overrides),
        headers={"X-API-Key": desk.api_key, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert filed.status_code == 201, filed.text
    petition_id = filed.json()["id"]
    front = await login(client, desk.front_officer)
    assert (await act(client, front, petition_id, "accept")).status_code == 200
    # Named, not the routing rules' suggestion: a denunciation's rules may route it higher.
    target = {"agency_id": str(desk.ward_agency_id), "reason": "Thuộc thẩm quyền của phường"}
    response = await act(client, front, petition_id, "refer", target)
    assert response.status_code == 200, response.text
    referral_id: str = response.json()["referral_id"]
    return referral_id


def version_of(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "the page has no action form"
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient, page: str, action: str, data: dict[str, Any], **kw: Any
) -> httpx.Response:
    """Posts an action form of ``page`` as the browser would (its token and version)."""
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text
    form = {"_csrf_token": csrf_token(shown.text), "version": version_of(shown.text), **data}
    return await client.post(f"{page}/{action}", data=form, **kw)


async def opened(client: httpx.AsyncClient, desk: Desk) -> tuple[str, httpx.Response]:
    """A new referral's page, opened by the ward's agency officer: its path and the page."""
    page = f"{INBOX}/{await referred(client, desk)}"
    await console_login(client, desk.agency_officer.username)
    return page, await client.get(page)


def vi(code: str, **params: Any) -> str:
    """A catalogue text as the page writes it (HTML-escaped as Jinja does)."""
    return translate(code, "vi", **params).replace("'", "&#39;").replace('"', "&#34;")


async def test_the_inbox_lists_the_agencys_referrals_and_no_other_agency_sees_them(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    referral_id = await referred(client, desk)
    await console_login(client, desk.agency_officer.username)
    inbox = await client.get(INBOX)
    assert inbox.status_code == 200
    assert f'href="{INBOX}/{referral_id}"' in inbox.text
    assert "Ngập nước đường Hàng Bông sau mưa" in inbox.text
    assert vi("enum.replies.ReferralState.sent") in inbox.text
    overdue = await client.get(INBOX, params={"overdue": "1"})
    assert referral_id not in overdue.text  # just referred: not overdue
    bad = await client.get(INBOX, params={"state": "nonsense"})
    assert bad.status_code == 422
    # The filters through htmx get the results alone; a history restore the whole page.
    partial = await client.get(INBOX, params={"state": "sent"}, headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="referral-list"')
    assert f'href="{INBOX}/{referral_id}"' in partial.text
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in (await client.get(INBOX, headers=restore)).text

    client.cookies.clear()
    await console_login(client, desk.other_agency_officer.username)
    assert referral_id not in (await client.get(INBOX)).text
    not_found = await client.get(f"{INBOX}/{referral_id}")
    assert not_found.status_code == 404
    assert not_found.headers["content-type"].startswith("text/html")  # a page, not JSON
    assert vi("referral_not_found") in not_found.text
    # An action on it is the same 404 (the API's loader), not a refusal that confirms it.
    home = await client.get(INBOX)
    forged = await client.post(
        f"{INBOX}/{referral_id}/acknowledge",
        data={"_csrf_token": csrf_token(home.text), "version": "1", "agency_reference": "1"},
    )
    assert forged.status_code == 404


async def test_a_front_officer_may_not_open_the_inbox(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    await console_login(client, desk.front_officer.username)
    assert (await client.get(INBOX)).status_code == 403


async def test_acknowledge_validates_next_to_the_field_then_changes_the_state(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    page, _shown = await opened(client, desk)
    empty = await post_form(client, page, "acknowledge", {"agency_reference": ""})
    assert empty.status_code == 422
    assert 'id="acknowledge-agency_reference-error"' in empty.text
    assert vi("missing") in empty.text
    done = await post_form(client, page, "acknowledge", {"agency_reference": "15/UBND-HK"})
    assert done.status_code == 303
    assert done.headers["location"] == page
    shown = await client.get(page)
    assert vi("web.referrals.done.acknowledge") in shown.text
    assert vi("enum.replies.ReferralState.acknowledged") in shown.text
    assert "15/UBND-HK" in shown.text


async def test_a_stale_version_says_so_and_shows_the_referral_as_it_is_now(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    page, before = await opened(client, desk)
    stale_version = version_of(before.text)
    assert (
        await post_form(client, page, "acknowledge", {"agency_reference": "15/UBND-HK"})
    ).status_code == 303
    stale = await client.post(
        f"{page}/decline",
        data={
            "_csrf_token": csrf_token(before.text),
            "version": stale_version,
            "reason": "Không thuộc thẩm quyền của phường",
        },
    )
    assert stale.status_code == 412
    assert vi("referral_changed") in stale.text
    assert vi("enum.replies.ReferralState.acknowledged") in stale.text  # the current state
    assert "Không thuộc thẩm quyền của phường" in stale.text  # what they typed is kept
    assert version_of(stale.text) != stale_version
    # Without any version: the same plain message, nothing changed.
    missing = await client.post(
        f"{page}/decline",
        data={"_csrf_token": csrf_token(before.text), "reason": "Không thuộc thẩm quyền"},
    )
    assert missing.status_code == 428
    assert vi("referral_changed") in missing.text


async def test_a_form_without_its_csrf_token_is_refused(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    page, shown = await opened(client, desk)
    refused = await client.post(
        f"{page}/acknowledge",
        data={"version": version_of(shown.text), "agency_reference": "15/UBND-HK"},
    )
    assert refused.status_code == 403
    assert vi("enum.replies.ReferralState.sent") in (await client.get(page)).text


async def test_uploads_keep_the_apis_type_checks_and_submit_names_missing_fields(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    page, _shown = await opened(client, desk)
    await post_form(client, page, "acknowledge", {"agency_reference": "15/UBND-HK"})

    async def upload(name: str, content: bytes, mime: str) -> httpx.Response:
        shown = await client.get(page)
        return await client.post(
            f"{page}/attachments",
            data={"_csrf_token": csrf_token(shown.text)},
            files={"file": (name, content, mime)},
        )

    refused = await upload("script.html", b"<html><script>alert(1)</script></html>", "text/html")
    assert refused.status_code == 415
    assert 'id="upload-file-error"' in refused.text
    nothing = await upload("", b"", "application/octet-stream")
    assert nothing.status_code == 422
    assert vi("web.referrals.file_missing") in nothing.text
    stored = await upload("tra-loi.pdf", samples.pdf(), "application/pdf")
    assert stored.status_code == 303
    shown = await client.get(page)
    assert "tra-loi.pdf" in shown.text
    evidence_id = re.search(r'name="attachment_ids" value="([0-9a-f-]{36})"', shown.text)
    assert evidence_id
    download = await client.get(f"{page}/attachments/{evidence_id.group(1)}")
    assert download.status_code == 307

    # A draft with only its text: submitting it names what is missing, next to the fields.
    saved = await post_form(
        client, page, "save_draft", {"text": "Đang xử lý", "attachment_ids": ["", evidence_id[1]]}
    )
    assert saved.status_code == 303
    incomplete = await post_form(client, page, "submit", {})
    assert incomplete.status_code == 422
    assert vi("answer_incomplete") in incomplete.text
    for name in ("outcome", "document_number", "signer_name"):
        assert f'id="save_draft-{name}-error"' in incomplete.text
    assert "Đang xử lý" in incomplete.text  # the draft as saved
    assert re.search(rf'value="{evidence_id[1]}" checked', incomplete.text)


async def test_a_denouncers_identity_is_not_on_the_agency_page(
    client: httpx.AsyncClient, desk: Desk, session: AsyncSession
) -> None:
    referral_id = await referred(
        client,
        desk,
        kind="denunciation",
        category="officials_conduct",
        title="Nguyễn Văn An tố cáo cán bộ địa chính nhận tiền",
        description="Cán bộ địa chính phường nhận tiền. Người tố cáo: Nguyễn Văn An, 0912345678.",
        petitioner=dict(IDENTIFIED),
    )
    await console_login(client, desk.agency_officer.username)
    inbox = await client.get(INBOX)
    assert referral_id in inbox.text
    assert IDENTIFIED["full_name"] not in inbox.text  # nor in the list's titles
    page = await client.get(f"{INBOX}/{referral_id}")
    assert page.status_code == 200
    assert vi("web.referrals.petitioner_confidential") in page.text
    for value in IDENTIFIED.values():
        assert value not in page.text

    # The competent resolver may see it: an explicit, audited step with a reason, shown in
    # that one response and on no later page.
    short = await post_form(client, f"{INBOX}/{referral_id}", "reveal", {"reason": "cần"})
    assert short.status_code == 422
    assert 'id="reveal-reason-error"' in short.text
    assert IDENTIFIED["full_name"] not in short.text
    reason = "Xác minh nhân thân người tố cáo theo Điều 28 Luật Tố cáo"
    shown = await post_form(client, f"{INBOX}/{referral_id}", "reveal", {"reason": reason})
    assert shown.status_code == 200
    assert IDENTIFIED["full_name"] in shown.text
    assert vi("web.referrals.reveal.audited") in shown.text
    audited = await session.execute(
        text(
            "SELECT count(*) FROM audit_event"
            " WHERE action = 'petition.confidential_identity_viewed'"
            " AND entity_id = (SELECT item_id::text FROM referral WHERE id = :id)"
        ),
        {"id": uuid.UUID(referral_id)},
    )
    assert audited.scalar_one() == 1
    assert IDENTIFIED["full_name"] not in (await client.get(f"{INBOX}/{referral_id}")).text


async def test_an_extension_within_policy_then_declining_with_a_reason(
    client: httpx.AsyncClient, desk: Desk
) -> None:
    page, _shown = await opened(client, desk)
    await post_form(client, page, "acknowledge", {"agency_reference": "15/UBND-HK"})
    shown = await client.get(page)
    due = re.search(r'<dd><time datetime="([^"]+)"', shown.text)
    assert due
    due_day = datetime.fromisoformat(due.group(1)).astimezone(ZoneInfo(READERS_TIMEZONE)).date()
    reason = "Cần khảo sát hiện trường"
    for refused in (due_day, due_day + timedelta(days=365)):  # not later; beyond the policy
        answer = await post_form(
            client,
            page,
            "request_extension",
            {"new_due_date": refused.isoformat(), "reason": reason},
        )
        assert answer.status_code == 422
        assert 'id="request_extension-new_due_date-error"' in answer.text
        assert reason in answer.text  # kept in the form
    asked = await post_form(
        client,
        page,
        "request_extension",
        {"new_due_date": (due_day + timedelta(days=3)).isoformat(), "reason": reason},
    )
    assert asked.status_code == 303
    shown = await client.get(page)
    assert vi("web.referrals.done.request_extension") in shown.text
    assert vi("enum.replies.ExtensionStatus.pending") in shown.text

    short = await post_form(client, page, "decline", {"reason": "x"})
    assert short.status_code == 422
    assert 'id="decline-reason-error"' in short.text
    declined = await post_form(client, page, "decline", {"reason": "Không thuộc thẩm quyền"})
    assert declined.status_code == 303
    shown = await client.get(page)
    assert vi("enum.replies.ReferralState.declined") in shown.text
    assert "Không thuộc thẩm quyền" in shown.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("document_date", "2026-13-45"),
        ("outcome", "everything_fine"),
        ("attachment_ids", "not-a-uuid"),
        ("text", "x" * 50_001),
    ],
)
async def test_bad_draft_input_is_a_422_next_to_its_field(
    client: httpx.AsyncClient, desk: Desk, field: str, value: str
) -> None:
    page, _shown = await opened(client, desk)
    await post_form(client, page, "acknowledge", {"agency_reference": "15/UBND-HK"})
    answer = await post_form(client, page, "save_draft", {"text": "Đang xử lý", field: value})
    assert answer.status_code == 422
    assert vi("web.form.has_errors") in answer.text
    if field != "attachment_ids":  # no file yet: no checkbox to put the error next to
        assert f'id="save_draft-{field}-error"' in answer.text
