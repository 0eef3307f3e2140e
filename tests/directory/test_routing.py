"""Routing rules: the most specific active rule wins, then priority, then fallbacks."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.directory import service
from service.directory.models import AdminUnit, Agency, RoutingRule, UnitLevel
from service.directory.routing import people_committee_of, suggest_agency, suggest_route
from service.directory.schemas import RoutingRuleCreate
from service.directory.seed import SeedReport
from tests.factories import BA_DINH, HANOI, HOAN_KIEM


async def _agency(session: AsyncSession, code: str) -> Agency:
    return await service.get_agency_by_code(session, code)


async def _code(session: AsyncSession, category: str, unit: str) -> str | None:
    agency = await suggest_agency(session, category, unit)
    return agency.code if agency else None


class TestDefaults:
    async def test_ward_matters_go_to_the_wards_peoples_committee(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        assert await _code(session, "land", HOAN_KIEM) == "ubnd-00070"
        assert await _code(session, "construction_order", BA_DINH) == "ubnd-00004"
        assert await _code(session, "environment_sanitation", HOAN_KIEM) == "ubnd-00070"
        assert await _code(session, "traffic_infrastructure", HOAN_KIEM) == "ubnd-00070"

    async def test_city_wide_matters_go_to_departments(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        assert await _code(session, "land", HANOI) == "so-nong-nghiep-va-moi-truong"
        assert await _code(session, "traffic_infrastructure", HANOI) == "so-xay-dung"

    async def test_police_inspectorate_and_fallback(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        assert await _code(session, "public_security_order", HOAN_KIEM) == "cong-an-thanh-pho"
        assert await _code(session, "officials_conduct", HOAN_KIEM) == "thanh-tra-thanh-pho"
        assert await _code(session, "other", HOAN_KIEM) == "ubnd-01"
        suggestion = await suggest_route(session, "other", HOAN_KIEM)
        assert suggestion is not None
        assert suggestion.rule.is_fallback

    async def test_unknown_unit_gets_nothing(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        assert await suggest_agency(session, "land", "99999") is None

    async def test_a_unit_without_a_peoples_committee_falls_back(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        # A ward of Ho Chi Minh City: no agency seeded there, the rule for "the ward's
        # People's Committee" cannot apply.
        outside = (
            await session.execute(
                sa.select(col(AdminUnit.code)).where(col(AdminUnit.parent_code) == "79").limit(1)
            )
        ).scalar_one()
        assert await people_committee_of(session, outside) is None
        assert await _code(session, "land", outside) == "ubnd-01"


class TestSpecificity:
    async def test_an_exact_unit_beats_a_unit_level(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        construction = await _agency(session, "so-xay-dung")
        await service.create_rule(
            session,
            RoutingRuleCreate(category_code="land", unit_code=HOAN_KIEM, agency_id=construction.id),
        )
        assert await _code(session, "land", HOAN_KIEM) == "so-xay-dung"
        assert await _code(session, "land", BA_DINH) == "ubnd-00004"

    async def test_a_unit_level_beats_any_unit(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        assert await _code(session, "health", HOAN_KIEM) == "so-y-te"
        await service.create_rule(
            session,
            RoutingRuleCreate(
                category_code="health", unit_level=UnitLevel.commune, agency_of_unit=True
            ),
        )
        assert await _code(session, "health", HOAN_KIEM) == "ubnd-00070"
        assert await _code(session, "health", HANOI) == "so-y-te"

    async def test_a_specific_category_beats_any_category(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        tourism = await _agency(session, "so-du-lich")
        await service.create_rule(
            session, RoutingRuleCreate(unit_level=UnitLevel.commune, agency_id=tourism.id)
        )
        assert await _code(session, "land", HOAN_KIEM) == "ubnd-00070"
        assert await _code(session, "other", HOAN_KIEM) == "so-du-lich"  # beats the fallback

    async def test_the_smaller_priority_wins_among_equals(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        culture = await _agency(session, "so-van-hoa-va-the-thao")
        await service.create_rule(
            session,
            RoutingRuleCreate(
                category_code="land",
                unit_level=UnitLevel.commune,
                agency_id=culture.id,
                priority=10,
            ),
        )
        assert await _code(session, "land", HOAN_KIEM) == "so-van-hoa-va-the-thao"
        await service.create_rule(
            session,
            RoutingRuleCreate(
                category_code="land",
                unit_level=UnitLevel.commune,
                agency_of_unit=True,
                priority=5,
            ),
        )
        assert await _code(session, "land", HOAN_KIEM) == "ubnd-00070"

    async def test_inactive_rules_and_agencies_are_skipped(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        police = await _agency(session, "cong-an-thanh-pho")
        await service.deactivate_agency(session, police.id)
        assert await _code(session, "public_security_order", HOAN_KIEM) == "ubnd-01"

        rules = await service.list_rules(session, category_code="land")
        for rule in rules:
            rule.active = False
        await session.flush()
        assert await _code(session, "land", HOAN_KIEM) == "ubnd-01"

    async def test_fallbacks_only_when_nothing_else_matches(
        self, seeded: SeedReport, session: AsyncSession
    ) -> None:
        justice = await _agency(session, "so-tu-phap")
        exact_fallback = await service.create_rule(
            session,
            RoutingRuleCreate(unit_code=HOAN_KIEM, agency_id=justice.id, is_fallback=True),
        )
        assert await _code(session, "land", HOAN_KIEM) == "ubnd-00070"
        suggestion = await suggest_route(session, "other", HOAN_KIEM)
        assert suggestion is not None
        # Among fallbacks the exact unit wins too.
        assert suggestion.rule.id == exact_fallback.id
        assert isinstance(suggestion.rule, RoutingRule)
