"""The supervision result report of a plan made through the oversight services."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession

from reports.models import ReportKind
from service.errors import Invalid
from service.settings import Settings
from service.storage.backends import build_object_store
from service.storage.store import ObjectStore
from tests.reports.world import (
    TAMPERED_TEXT,
    check_fonts_embedded,
    check_numbered_from_page_two,
    flat,
    in_order,
    pdf_text,
    render,
    small_pdf,
    squeezed,
    supervision_world,
    tamper_with_log,
)


@pytest.fixture
async def store(settings: Settings) -> ObjectStore:
    store = build_object_store(settings)
    await store.start()
    return store


class TestSealedMaterialIsVerified:
    """A report prints a seal only after checking it, with the verify route's own check."""

    async def test_an_altered_log_is_flagged_on_page_one_and_in_the_metadata(
        self,
        session: AsyncSession,
        settings: Settings,
        seeded: Any,
        store: ObjectStore,
        tmp_path: Path,
    ) -> None:
        world = await supervision_world(session, settings, store)
        intact = await render(
            session,
            settings,
            ReportKind.supervision_result,
            {"plan_code": world.plan_code},
            tmp_path / "intact.pdf",
            store=store,
        )
        assert intact.integrity_warnings == ()
        assert "CẢNH BÁO" not in pdf_text(intact.path, 1)

        await tamper_with_log(session, world.plan_id)
        result = await render(
            session,
            settings,
            ReportKind.supervision_result,
            {"plan_code": world.plan_code},
            tmp_path / "tampered.pdf",
            store=store,
        )
        assert len(result.integrity_warnings) == 1
        warning = result.integrity_warnings[0]
        assert "Buổi làm việc số 1" in warning
        assert "1 nội dung bị sửa, 1 nội dung bị xóa" in warning
        page_one = flat(pdf_text(result.path, 1))
        assert "CẢNH BÁO: DỮ LIỆU ĐÃ NIÊM PHONG KHÔNG CÒN NGUYÊN VẸN" in page_one
        assert "1 nội dung bị sửa, 1 nội dung bị xóa" in page_one
        # The seal's row says it does not match.
        assert "KHÔNG KHỚP với dữ liệu hiện có" in flat(pdf_text(result.path))
        metadata = PdfReader(result.path).metadata
        assert metadata is not None
        assert "CẢNH BÁO: DỮ LIỆU ĐÃ NIÊM PHONG KHÔNG CÒN NGUYÊN VẸN" in str(metadata.subject)
        assert "Buổi làm việc số 1" in str(metadata.get("/Keywords"))
        assert TAMPERED_TEXT in flat(pdf_text(result.path))

    async def test_an_evidence_file_changed_in_the_store_is_flagged(
        self,
        session: AsyncSession,
        settings: Settings,
        seeded: Any,
        store: ObjectStore,
        tmp_path: Path,
    ) -> None:
        world = await supervision_world(session, settings, store)
        name, _, _ = world.evidence[0]
        key = (
            await session.execute(
                sa.text("SELECT object_key FROM evidence WHERE original_name = :name"),
                {"name": name},
            )
        ).scalar_one()

        async def other_bytes() -> AsyncIterator[bytes]:
            yield small_pdf("đã bị thay")

        await store.put_stream(key, other_bytes(), content_type="application/pdf")
        result = await render(
            session,
            settings,
            ReportKind.supervision_result,
            {"plan_code": world.plan_code},
            tmp_path / "evidence.pdf",
            store=store,
        )
        assert len(result.integrity_warnings) == 1
        assert (
            f"Tệp chứng cứ “{name}” trong kho lưu trữ không còn khớp"
            in (result.integrity_warnings[0])
        )
        assert "CẢNH BÁO" in pdf_text(result.path, 1)


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
