"""The supervision result report of a plan made through the oversight services."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from reports.models import ReportKind
from service.errors import Invalid
from service.settings import Settings
from service.storage.store import ObjectStore, build_object_store
from tests.reports.world import (
    check_fonts_embedded,
    check_numbered_from_page_two,
    flat,
    in_order,
    pdf_text,
    render,
    squeezed,
    supervision_world,
)


@pytest.fixture
async def store(settings: Settings) -> ObjectStore:
    store = build_object_store(settings)
    await store.start()
    return store


class TestSupervisionReport:
    async def test_every_part_of_the_result(
        self,
        session: AsyncSession,
        settings: Settings,
        seeded: Any,
        store: ObjectStore,
        tmp_path: Path,
    ) -> None:
        world = await supervision_world(session, settings, store)
        result = await render(
            session,
            settings,
            ReportKind.supervision_result,
            {"plan_code": world.plan_code},
            tmp_path / "supervision.pdf",
        )
        text = flat(pdf_text(result.path))
        layout = pdf_text(result.path, layout=True)

        assert "BÁO CÁO" in text
        assert "Kết quả giám sát việc xử lý vi phạm trật tự xây dựng trên địa bàn phường" in text
        assert f"Kế hoạch giám sát số {world.plan_code}" in text
        # Legal basis, supervised agency, members with their roles, the invited expert.
        assert "Luật Mặt trận Tổ quốc Việt Nam năm 2015 (sửa đổi năm 2025), Điều 27" in text
        assert "403/2017/NQLT-UBTVQH14-CP-ĐCTUBTWMTTQVN" in squeezed(layout)
        assert world.agency.name in text
        for user, role in world.members:
            assert in_order(f"{user.full_name} {role}", text), user.full_name
        assert in_order("Đỗ Minh Chuyên Hội Kiến trúc sư Hà Nội Chuyên gia", text)
        # The session, its attendance (the absent with the reason), the log counts.
        for title in world.session_titles:
            assert in_order(title, text)
        assert in_order("Phạm Văn Chủ UBND phường Hoàn Kiếm", text)
        assert in_order("Vũ Thị Vắng", text)
        assert in_order("Vắng (Đi công tác)", text)
        assert "2/1" in text  # present / absent
        total = sum(world.entries.values())
        assert f"ghi nhận {total} nội dung" in text
        assert any(
            line.split()[:2] == ["Buổi", "1"] and line.split()[-1] == str(total)
            for line in layout.splitlines()
        )
        # Findings, conclusion, recommendations with agency and due date.
        for title in world.finding_titles:
            assert title in text
        assert world.conclusion in text
        due = world.recommendation_due[0].astimezone(settings_tz(settings)).strftime("%d/%m/%Y")
        for title in world.recommendation_titles:
            assert in_order(f"{title} {world.agency.name} {due}", text), title
        # The evidence list with hashes, and the session's seal.
        for name, sha256, _size in world.evidence:
            assert in_order(name, text), name
            assert sha256 in squeezed(text), name
        for digest in world.manifest_sha256:
            assert digest in squeezed(text)
        # The full record in the appendix.
        assert in_order("Vì sao 12 công trình chưa bị xử lý dứt điểm?", text)
        # The head of the delegation signs by default; here the frame names the signer.
        assert "Nguyễn Thị Ký" in text

        check_numbered_from_page_two(result.path, result.page_count)
        check_fonts_embedded(result.path)

    async def test_a_draft_plan_has_no_result_report(
        self,
        session: AsyncSession,
        settings: Settings,
        seeded: Any,
        tmp_path: Path,
    ) -> None:
        with pytest.raises(Invalid) as error:
            await render(
                session,
                settings,
                ReportKind.supervision_result,
                {"plan_code": "KH-KHONG-CO"},
                tmp_path / "none.pdf",
            )
        assert error.value.extra["errors"][0]["field"] == "parameters.plan_code"


def settings_tz(settings: Settings) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.timezone)
