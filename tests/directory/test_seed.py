"""Seeding loads the whole country's units and Hanoi's reference data, idempotently."""

import unicodedata
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.directory.models import (
    AdminUnit,
    Agency,
    AgencyKind,
    CalendarDay,
    PetitionCategory,
)
from service.directory.seed import SeedReport, seed_reference_data
from tests.factories import HOAN_KIEM


def test_the_country_and_hanoi_are_complete(seeded: SeedReport) -> None:
    assert seeded.provinces == 34
    assert seeded.hanoi_units == 126
    assert seeded.communes > 3000
    assert seeded.categories == 11
    # The city's People's Committee, 15 departments and equivalents, the police, and one
    # People's Committee per ward/commune (">=": agencies that committing tests create stay,
    # and the session-wide seed may run after them).
    assert seeded.agencies >= 17 + 126
    assert seeded.calendar_days > 0


async def test_hanoi_has_51_wards_and_75_communes(
    seeded: SeedReport, session: AsyncSession
) -> None:
    rows = await session.execute(
        sa.select(col(AdminUnit.division_type), sa.func.count())
        .where(col(AdminUnit.parent_code) == "01")
        .group_by(col(AdminUnit.division_type))
    )
    assert {key: value for key, value in rows} == {"phường": 51, "xã": 75}
    hoan_kiem = await session.get(AdminUnit, HOAN_KIEM)
    assert hoan_kiem is not None
    assert (hoan_kiem.name, hoan_kiem.level, hoan_kiem.parent_code) == (
        "Phường Hoàn Kiếm",
        "commune",
        "01",
    )


async def test_every_hanoi_unit_has_its_peoples_committee(
    seeded: SeedReport, session: AsyncSession
) -> None:
    committees = (
        await session.execute(
            sa.select(Agency).where(
                col(Agency.kind) == AgencyKind.people_committee.value,
                col(Agency.level) == "commune",
            )
        )
    ).scalars()
    by_unit = {agency.unit_code: agency for agency in committees}
    assert len(by_unit) == 126
    city = (
        await session.execute(sa.select(Agency).where(col(Agency.code) == "ubnd-01"))
    ).scalar_one()
    assert by_unit[HOAN_KIEM].code == "ubnd-00070"
    assert by_unit[HOAN_KIEM].name == "UBND phường Hoàn Kiếm"
    assert by_unit[HOAN_KIEM].parent_id == city.id
    assert all(a.name.startswith(("UBND phường ", "UBND xã ")) for a in by_unit.values())


async def test_text_is_nfc(seeded: SeedReport, session: AsyncSession) -> None:
    names = [
        *(await session.execute(sa.select(col(AdminUnit.name)))).scalars(),
        *(await session.execute(sa.select(col(Agency.name)))).scalars(),
        *(await session.execute(sa.select(col(PetitionCategory.name_vi)))).scalars(),
        *(await session.execute(sa.select(col(CalendarDay.name)))).scalars(),
    ]
    assert all(unicodedata.is_normalized("NFC", name) for name in names)


async def test_seeding_again_changes_nothing(seeded: SeedReport, session: AsyncSession) -> None:
    again = await seed_reference_data(session)
    assert again.counts() == seeded.counts()
    assert again.units_written == 0
    assert again.sets_applied == []
    third = await seed_reference_data(session)
    assert third.counts() == seeded.counts()


async def test_seeding_refreshes_units_but_keeps_administrators_changes(
    seeded: SeedReport, session: AsyncSession
) -> None:
    unit = await session.get(AdminUnit, HOAN_KIEM)
    assert unit is not None
    unit.name = "Phường Sai Tên"
    category = await session.get(PetitionCategory, "land")
    assert category is not None
    category.name_vi = "Đất đai, nhà ở"
    day = await session.get(CalendarDay, date(2026, 1, 10))
    assert day is not None
    await session.delete(day)
    await session.flush()

    report = await seed_reference_data(session)

    assert report.units_written == 1
    await session.refresh(unit)
    assert unit.name == "Phường Hoàn Kiếm"
    await session.refresh(category)
    assert category.name_vi == "Đất đai, nhà ở"
    assert await session.get(CalendarDay, date(2026, 1, 10)) is None


async def test_the_hanoi_fixture_still_works_over_seeded_data(
    seeded: SeedReport, hanoi: AdminUnit, session: AsyncSession
) -> None:
    assert hanoi.name == "Thành phố Hà Nội"
    assert (await session.get(AdminUnit, HOAN_KIEM)) is not None


async def test_the_calendar_has_the_2026_holidays(
    seeded: SeedReport, session: AsyncSession
) -> None:
    rows = await session.execute(
        sa.select(col(CalendarDay.day), col(CalendarDay.kind)).where(
            col(CalendarDay.day).between(date(2026, 1, 1), date(2026, 12, 31))
        )
    )
    days = {key: value for key, value in rows}
    holidays = sorted(d for d, kind in days.items() if kind == "holiday")
    # Labour Code Art. 112: 11 holidays a year.
    assert len(holidays) == 11
    assert days[date(2026, 2, 17)] == "holiday"  # mùng 1 Tết Bính Ngọ
    assert days[date(2026, 4, 27)] == "day_off"  # Hùng Kings' day on a Sunday
    assert days[date(2026, 8, 22)] == "working_day"
