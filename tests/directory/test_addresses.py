"""Resolving a free address text to a 2025 Hanoi ward or commune, with real old and new
Hanoi addresses (the package's real data: nothing here is a stand-in)."""

import threading
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.directory import addresses
from service.directory.addresses import (
    AddressOutcome,
    AddressRule,
    jurisdiction,
    preload_address_tables,
    resolve_address,
    resolve_address_async,
)
from service.directory.models import AdminUnit, UnitLevel
from service.directory.reference_data import HANOI

HOAN_KIEM = "00070"
BA_DINH = "00004"
NGOC_HA = "00008"
LANG = "00187"
YEN_HOA = "00175"
DONG_ANH = "00454"
THU_LAM = "00484"
BAT_TRANG = "00583"
GIA_LAM = "00565"


class TestTheUnits:
    async def test_every_hanoi_unit_is_one_of_ours(
        self, session: AsyncSession, seeded: Any
    ) -> None:
        """The package's 2025 units of Hanoi are matched to the directory's, all 126."""
        units = jurisdiction(HANOI).units
        ours = dict(
            (
                await session.execute(
                    select(col(AdminUnit.code), col(AdminUnit.name)).where(
                        col(AdminUnit.parent_code) == HANOI,
                        col(AdminUnit.level) == UnitLevel.commune,
                    )
                )
            ).all()
        )
        assert len(ours) == 126
        assert {unit.code: unit.name for unit in units.values()} == ours


class TestNewAddresses:
    @pytest.mark.parametrize(
        ("text", "code"),
        [
            ("phường Hoàn Kiếm, Hà Nội", HOAN_KIEM),
            ("Số 5 Hàng Gai, Phường Hoàn Kiếm, Thành phố Hà Nội", HOAN_KIEM),
            ("phuong hoan kiem, ha noi", HOAN_KIEM),
            ("phường Ngọc Hà", NGOC_HA),
            ("xã Đông Anh, Hà Nội", DONG_ANH),
            ("Xã Bát Tràng", BAT_TRANG),
        ],
    )
    def test_a_new_name_is_the_unit(self, text: str, code: str) -> None:
        resolution = resolve_address(text)
        assert resolution.outcome == AddressOutcome.resolved
        assert resolution.unit is not None
        assert resolution.unit.code == code
        assert resolution.rule == AddressRule.new_name


class TestOldAddresses:
    @pytest.mark.parametrize(
        ("text", "code", "rule"),
        [
            # Hoàn Kiếm: a ward of the former district, in every spelling.
            ("phường Hàng Trống, quận Hoàn Kiếm, Hà Nội", HOAN_KIEM, "old_ward_converted"),
            ("P. Hàng Trống, Q. Hoàn Kiếm", HOAN_KIEM, "old_ward_converted"),
            ("phuong Hang Trong, quan Hoan Kiem, Ha Noi", HOAN_KIEM, "old_ward_converted"),
            ("phường Hàng Trống, Hà Nội", HOAN_KIEM, "old_ward_without_district"),
            (
                "số 5 ngõ 12 phố Hàng Gai, phường Hàng Gai, quận Hoàn Kiếm, Hà Nội",
                HOAN_KIEM,
                "old_ward_converted",
            ),
            # Ba Đình, Đống Đa, Cầu Giấy.
            ("phường Quán Thánh, quận Ba Đình", BA_DINH, "old_ward_converted"),
            ("phường Láng Thượng, quận Đống Đa, Hà Nội", LANG, "old_ward_converted"),
            ("Ngõ 5 Trần Duy Hưng, phường Trung Hòa, quận Cầu Giấy", YEN_HOA, "old_ward_converted"),
            # Communes of former districts: Gia Lâm.
            ("xã Bát Tràng, huyện Gia Lâm, Hà Nội", BAT_TRANG, "old_ward_converted"),
            ("thi tran Trau Quy, huyen Gia Lam", GIA_LAM, "old_ward_converted"),
        ],
    )
    def test_an_old_ward_is_converted(self, text: str, code: str, rule: str) -> None:
        resolution = resolve_address(text)
        assert resolution.outcome == AddressOutcome.resolved, resolution
        assert resolution.unit is not None
        assert resolution.unit.code == code
        assert resolution.rule == AddressRule(rule)

    def test_the_street_is_what_is_left(self) -> None:
        resolution = resolve_address("Ngõ 5 Trần Duy Hưng, phường Trung Hòa, quận Cầu Giấy")
        assert resolution.street == "Ngõ 5 Trần Duy Hưng"
        assert resolution.province_assumed is True
        assert resolve_address("phường Hoàn Kiếm, Hà Nội").province_assumed is False


class TestAmbiguous:
    @pytest.mark.parametrize(
        ("text", "codes"),
        [
            ("phường Đội Cấn, quận Ba Đình, Hà Nội", [BA_DINH, NGOC_HA]),
            ("phuong Doi Can, quan Ba Dinh", [BA_DINH, NGOC_HA]),
            ("xã Uy Nỗ, huyện Đông Anh", [THU_LAM, DONG_ANH]),
        ],
    )
    def test_an_old_ward_split_lists_the_new_ones(self, text: str, codes: list[str]) -> None:
        resolution = resolve_address(text)
        assert resolution.outcome == AddressOutcome.ambiguous
        assert resolution.unit is None
        assert resolution.rule == AddressRule.old_ward_split
        assert sorted(candidate.code for candidate in resolution.candidates) == sorted(codes)

    def test_the_candidates_have_their_vietnamese_names(self) -> None:
        resolution = resolve_address("phường Đội Cấn, quận Ba Đình")
        assert {c.name for c in resolution.candidates} == {"Phường Ba Đình", "Phường Ngọc Hà"}

    @pytest.mark.parametrize("text", ["quận Hoàn Kiếm, Hà Nội", "12 Hàng Bông, Hoàn Kiếm"])
    def test_an_old_district_is_not_its_namesake_ward(self, text: str) -> None:
        """ "quận Hoàn Kiếm" (or a bare "Hoàn Kiếm") is the former district, now four wards,
        not the new phường Hoàn Kiếm alone."""
        resolution = resolve_address(text)
        assert resolution.outcome == AddressOutcome.ambiguous
        assert resolution.rule == AddressRule.old_district_split
        assert HOAN_KIEM in {candidate.code for candidate in resolution.candidates}
        assert len(resolution.candidates) > 1


class TestNothing:
    @pytest.mark.parametrize(
        "text", ["asdf qwerty", "12345", "số 5 ngõ 12 phố Hàng Gai", "Hà Nội", "", "   ", "x" * 600]
    )
    def test_no_ward_is_unresolved(self, text: str) -> None:
        resolution = resolve_address(text)
        assert resolution.outcome == AddressOutcome.unresolved
        assert resolution.unit is None
        assert resolution.candidates == ()

    @pytest.mark.parametrize(
        "text", ["phường Bến Nghé, quận 1, TP Hồ Chí Minh", "Thành phố Hồ Chí Minh"]
    )
    def test_another_province_is_outside(self, text: str) -> None:
        resolution = resolve_address(text)
        assert resolution.outcome == AddressOutcome.outside
        assert resolution.unit is None


class TestFromAsyncCode:
    async def test_off_the_event_loop_the_same_answer(self) -> None:
        resolution = await resolve_address_async("P. Hàng Trống, Q. Hoàn Kiếm")
        assert resolution == resolve_address("P. Hàng Trống, Q. Hoàn Kiếm")
        assert await resolve_address_async(None) == resolve_address(None)


class TestPreload:
    def test_the_tables_are_built_in_a_background_thread(self) -> None:
        preload_address_tables()
        builders = [t for t in threading.enumerate() if t.name == "address-tables"]
        for builder in builders:
            assert builder.daemon  # never holds the process up at exit
            builder.join(timeout=300)
        assert addresses._warmed
        assert resolve_address("phường Hàng Trống, quận Hoàn Kiếm").unit is not None
