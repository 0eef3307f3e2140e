"""The Front's criticism document: requested through the reports API once the criticism is
issued (numbered as the criticism, signed as it was issued, scoped to the draft's area), and
its PDF read back as text."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from reports.models import ReportKind
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.criticism import service
from service.criticism.models import OpinionSource
from service.criticism.schemas import DraftCreate, IssueRequest, OpinionCreate, PointCreate
from service.criticism.workflow import DraftAction
from service.settings import Settings
from tests.criticism.conftest import API, People, draft_body
from tests.factories import HOAN_KIEM
from tests.reports.world import check_fonts_embedded, flat, pdf_text, render


def officer(people: People) -> StaffPrincipal:
    user = people.ward_officer
    return StaffPrincipal(
        user_id=user.id, username=user.username, role=Role.front_officer, unit_code=user.unit_code
    )


async def test_the_issued_criticism_is_a_numbered_signed_pdf(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    people: People,
    logins: Any,
    tmp_path: Path,
) -> None:
    actor = officer(people)
    draft = await service.receive_draft(session, actor, DraftCreate(**draft_body(people)))
    await service.add_opinion(
        session,
        actor,
        draft.id,
        OpinionCreate(
            source=OpinionSource.expert, author_name="TS. Lê Minh Châu", text="Cần lộ trình."
        ),
    )
    front = await logins(people.ward_officer)
    early = await client.post(
        f"{API}/reports",
        json={"kind": "social_criticism", "parameters": {"draft_code": draft.code}},
        headers=front,
    )
    assert early.status_code == 422  # nothing issued yet
    await service.add_point(
        session, actor, draft.id, PointCreate(section_number=2, text="Đề nghị giảm mức thu.")
    )
    await service.transition(session, draft, actor, DraftAction.open_consultation)
    await service.issue(
        session,
        draft,
        actor,
        IssueRequest(
            criticism_text="Dự thảo cần bảo đảm quyền lợi của hộ kinh doanh nhỏ.",
            signer_name="Phạm Thu Hà",
            signer_title="Chủ tịch Ủy ban MTTQ Việt Nam phường",
        ),
    )

    created = await client.post(
        f"{API}/reports",
        json={"kind": "social_criticism", "parameters": {"draft_code": draft.code}},
        headers=front,
    )
    assert created.status_code == 202, created.text
    report = created.json()
    assert report["number_symbol"] == "1/PB-MTTQ"
    assert report["signer_name"] == "Phạm Thu Hà"
    other = await logins(people.other_ward_officer)
    outside = await client.post(
        f"{API}/reports",
        json={"kind": "social_criticism", "parameters": {"draft_code": draft.code}},
        headers=other,
    )
    assert outside.status_code == 404

    rendered = await render(
        session,
        settings,
        ReportKind.social_criticism,
        {"draft_code": draft.code},
        tmp_path / "criticism.pdf",
    )
    text = flat(pdf_text(rendered.path))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Phản biện xã hội đối với dự thảo Nghị quyết" in text
    assert "NỘI DUNG PHẢN BIỆN VÀ KIẾN NGHỊ" in text
    assert "1. Nội dung 1 (mục 2. Mức thu phí)" in text
    assert "Đề nghị giảm mức thu." in text
    assert "1 ý kiến của chuyên gia" in text
    assert "TS. Lê Minh Châu" not in text  # opinions are counted, not named
    check_fonts_embedded(rendered.path)

    # The council report of the ward counts the draft and its criticism (section IV).
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    council = await render(
        session,
        settings,
        ReportKind.council_periodic,
        {
            "from": (today - timedelta(days=1)).isoformat(),
            "to": today.isoformat(),
            "unit_code": HOAN_KIEM,
        },
        tmp_path / "council.pdf",
    )
    council_text = flat(pdf_text(council.path))
    assert "Hoạt động phản biện xã hội" in council_text
    assert "đã tiếp nhận 1 dự thảo đề nghị phản biện xã hội" in council_text
    assert "đã ban hành 1 văn bản phản biện với 1 nội dung" in council_text
    assert council_text.index("Hoạt động phản biện xã hội") < council_text.index("V. KIẾN NGHỊ")
