"""Which agency should answer a petition of a category in a unit.

A rule matches when its category is the petition's or NULL (any), its ``unit_code`` is the
petition's unit or NULL, and its ``unit_level`` is the unit's level or NULL. Among matching
active rules whose target agency exists and is active, the winner is, in this order:
1. an ordinary rule before a fallback rule;
2. the most specific unit: an exact unit, then a unit level, then any unit;
3. a specific category before "any category";
4. the smaller ``priority``;
5. the older rule (then the id), so the answer is stable.
A rule with ``agency_of_unit`` targets the People's Committee of the petition's own unit
(``Agency.kind = people_committee`` with that ``unit_code``); it does not match a unit that
has none, and the next rule is tried.
"""

import functools
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.directory.models import AdminUnit, Agency, AgencyKind, RoutingRule


@dataclass(frozen=True)
class RouteSuggestion:
    agency: Agency
    rule: RoutingRule


@functools.cache
def _route_statement() -> Any:
    """The winning rule's query, built once (its two aliases of ``agency`` were a good part
    of an intake's CPU when built per call): the petition's category and unit are bound
    parameters."""
    category_code = sa.bindparam("category_code", type_=sa.String)
    unit_code = sa.bindparam("unit_code", type_=sa.String)
    unit_level = sa.bindparam("unit_level", type_=sa.String)
    rule = RoutingRule.__table__.c  # type: ignore[attr-defined]
    agency_table = Agency.__table__  # type: ignore[attr-defined]
    direct_table = agency_table.alias("direct")
    committee_table = agency_table.alias("committee")
    direct, committee = direct_table.c, committee_table.c
    target = sa.func.coalesce(direct.id, committee.id)
    return (
        sa.select(rule.id.label("rule_id"), target.label("agency_id"))
        .select_from(RoutingRule.__table__)  # type: ignore[attr-defined]
        .outerjoin(direct_table, sa.and_(direct.id == rule.agency_id, direct.active.is_(True)))
        .outerjoin(
            committee_table,
            sa.and_(
                rule.agency_of_unit.is_(True),
                committee.unit_code == unit_code,
                committee.kind == AgencyKind.people_committee.value,
                committee.active.is_(True),
            ),
        )
        .where(
            rule.active.is_(True),
            sa.or_(rule.category_code.is_(None), rule.category_code == category_code),
            sa.or_(rule.unit_code.is_(None), rule.unit_code == unit_code),
            sa.or_(rule.unit_level.is_(None), rule.unit_level == unit_level),
            target.is_not(None),
        )
        .order_by(
            rule.is_fallback,
            rule.unit_code.is_(None),
            rule.unit_level.is_(None),
            rule.category_code.is_(None),
            rule.priority,
            rule.created_at,
            rule.id,
        )
        .limit(1)
    )


async def _winner(session: AsyncSession, category_code: str, unit_code: str) -> Any:
    """The winning (rule_id, agency_id), or None."""
    unit = await session.get(AdminUnit, unit_code)
    if unit is None:
        return None
    return (
        await session.execute(
            _route_statement(),
            {"category_code": category_code, "unit_code": unit.code, "unit_level": str(unit.level)},
        )
    ).first()


async def suggested_agency_id(
    session: AsyncSession, category_code: str, unit_code: str
) -> uuid.UUID | None:
    """``suggest_agency``'s id, without loading the agency and the rule (the reference
    cache's, at intake)."""
    row = await _winner(session, category_code, unit_code)
    return None if row is None else row.agency_id


async def suggest_route(
    session: AsyncSession, category_code: str, unit_code: str
) -> RouteSuggestion | None:
    """The winning rule and its agency, or None (unknown unit, or nothing matches)."""
    row = await _winner(session, category_code, unit_code)
    if row is None:
        return None
    agency = await session.get(Agency, row.agency_id)
    chosen = await session.get(RoutingRule, row.rule_id)
    assert agency is not None
    assert chosen is not None
    return RouteSuggestion(agency=agency, rule=chosen)


async def suggest_agency(
    session: AsyncSession, category_code: str, unit_code: str
) -> Agency | None:
    """The agency the routing rules suggest for a petition, or None."""
    suggestion = await suggest_route(session, category_code, unit_code)
    return suggestion.agency if suggestion else None


async def people_committee_of(session: AsyncSession, unit_code: str) -> Agency | None:
    """The active People's Committee of a unit (a ward's, or the city's for ``"01"``)."""
    stmt = sa.select(Agency).where(
        col(Agency.unit_code) == unit_code,
        col(Agency.kind) == AgencyKind.people_committee.value,
        col(Agency.active).is_(True),
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def superior_of(session: AsyncSession, agency_id: object) -> Agency | None:
    """The active superior agency (``parent_id``) of an agency, or None (the top, or unknown)."""
    agency = await session.get(Agency, agency_id)
    if agency is None or agency.parent_id is None:
        return None
    parent = await session.get(Agency, agency.parent_id)
    return parent if parent is not None and parent.active else None
