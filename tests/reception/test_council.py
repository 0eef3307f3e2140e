"""The council report's paragraph on online reception and the dashboard's figures, from
bookings made and swept through the service (the PDF read back with pdftotext)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from reports.models import ReportKind
from service.directory.calendar import load_calendar
from service.reception import service
from service.reception.models import ReceptionSchedule
from service.reception.schemas import BookingCreate, CompleteRequest, StartRequest
from service.settings import Settings
from tests.factories import HOAN_KIEM, PASSWORD
from tests.petitions.conftest import principal
from tests.reception.conftest import CCCD, People, booking_body
from tests.reports.world import flat, pdf_text, render
from tests.web.support import console_login


async def _two_bookings(
    session: AsyncSession, settings: Settings, people: People, schedule: ReceptionSchedule
) -> Any:
    slot = (await service.free_slots(session, schedule.id))[0]
    body = BookingCreate.model_validate(booking_body(schedule, slot.starts_at))
    came = await service.book(session, settings, body)
    await service.book(session, settings, body)
    officer = principal(people.ward_front)
    await service.start(
        session, settings, came.booking, officer, StartRequest(national_id=CCCD, document="CCCD")
    )
    await service.write_record(session, came.booking, officer, "Công dân phản ánh tiếng ồn.")
    await service.complete(
        session,
        settings,
        came.booking,
        officer,
        CompleteRequest(
            outcome="petition",
            kind="feedback",
            category="environment_sanitation",
            title="Tiếng ồn công trình ban đêm",
            description="Công trình số 3 thi công sau 22 giờ.",
        ),
    )
    assert await service.sweep_no_shows(session, slot.ends_at + timedelta(hours=1)) == 1
    return slot


async def test_council_report_counts_the_receptions(
    session: AsyncSession,
    settings: Settings,
    people: People,
    schedule: ReceptionSchedule,
    tmp_path: Path,
) -> None:
    slot = await _two_bookings(session, settings, people, schedule)
    day = (await load_calendar(session)).local_date(slot.starts_at)
    result = await render(
        session,
        settings,
        ReportKind.council_periodic,
        {"from": day.isoformat(), "to": day.isoformat(), "unit_code": HOAN_KIEM},
        tmp_path / "council.pdf",
    )
    text = flat(pdf_text(result.path))
    assert (
        "Tiếp công dân trực tuyến: 2 lượt công dân đặt lịch; đã tiếp 1 lượt, vắng mặt 1 lượt, "
        "công dân hủy lịch 0 lượt; qua tiếp công dân đã tiếp nhận 1 đơn theo quy trình chung."
    ) in text
    assert text.index("Tiếp công dân trực tuyến") < text.index("II. KẾT QUẢ GIẢI QUYẾT")
    assert CCCD not in text
    assert "Nguyễn Văn An" not in text


async def test_dashboard_shows_the_reception_figures(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    people: People,
    schedule: ReceptionSchedule,
) -> None:
    slot = await _two_bookings(session, settings, people, schedule)
    day = (await load_calendar(session)).local_date(slot.starts_at)
    await console_login(client, people.ward_front.username, PASSWORD)
    page = await client.get(
        "/console/dashboard", params={"from": day.isoformat(), "to": day.isoformat()}
    )
    assert page.status_code == 200
    text = flat(page.text)
    assert "Tiếp công dân trực tuyến" in text
    for label, value in (("Lượt đặt lịch", 2), ("Đã tiếp", 1), ("Vắng mặt", 1), ("Thành đơn", 1)):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in text.replace("> <", "><"), label
