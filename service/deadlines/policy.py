"""The deadline policy: defaults from the law (see the domain guide) and look-ups."""

import uuid
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.deadlines.clock import DeadlineRule, add_duration
from service.deadlines.models import DeadlinePolicy, DeadlineStep, DeadlineUnit, ItemKind, Urgency
from service.directory.calendar import load_calendar

CD, WD, WH = DeadlineUnit.calendar_days, DeadlineUnit.working_days, DeadlineUnit.working_hours
K, U, S = ItemKind, Urgency, DeadlineStep


class D(NamedTuple):
    """One default: the deadline, the "due soon" window, extensions, and the legal basis."""

    amount: int
    unit: DeadlineUnit
    warn_amount: int
    warn_unit: DeadlineUnit
    max_extensions: int
    extension_amount: int
    extension_unit: DeadlineUnit
    legal_basis: str | None


DEFAULT_POLICY: dict[tuple[ItemKind, Urgency, DeadlineStep], D] = {}
_FEEDBACK = (K.feedback, K.recommendation)
_ROUTING = "NĐ 20/2008 (sửa đổi NĐ 92/2017)"
_IHANOI = "QĐ 1207/QĐ-UBND"
_COMPLAINTS = "Luật Khiếu nại 2011"
_DENUNCIATIONS = "Luật Tố cáo 2018"
for _kind in K:
    # The Front forwards what it cannot settle itself within 5 working days; urgent items
    # within the 4 working hours of Hanoi's iHanoi regulation.
    DEFAULT_POLICY[_kind, U.normal, S.routing] = D(5, WD, 1, WD, 0, 0, CD, _ROUTING)
    DEFAULT_POLICY[_kind, U.complex, S.routing] = D(5, WD, 1, WD, 0, 0, CD, _ROUTING)
    DEFAULT_POLICY[_kind, U.urgent, S.routing] = D(4, WH, 2, WH, 0, 0, CD, _IHANOI)
    DEFAULT_POLICY[_kind, U.urgent, S.acceptance] = D(4, WH, 1, WH, 0, 0, CD, _IHANOI)
for _kind in _FEEDBACK:
    # The agency takes an item within 8 working hours; answers by a configurable default.
    DEFAULT_POLICY[_kind, U.normal, S.acceptance] = D(8, WH, 2, WH, 0, 0, CD, _IHANOI)
    DEFAULT_POLICY[_kind, U.complex, S.acceptance] = D(8, WH, 2, WH, 0, 0, CD, _IHANOI)
    DEFAULT_POLICY[_kind, U.normal, S.answer] = D(15, WD, 3, WD, 1, 10, WD, None)
    DEFAULT_POLICY[_kind, U.complex, S.answer] = D(30, WD, 5, WD, 1, 15, WD, None)
    DEFAULT_POLICY[_kind, U.urgent, S.answer] = D(2, WD, 4, WH, 0, 0, WD, _IHANOI)
DEFAULT_POLICY.update(
    {
        # Complaints: accepted within 10 days; resolved within 30 days, 45 when complex.
        (K.complaint, U.normal, S.acceptance): D(10, CD, 2, CD, 0, 0, CD, _COMPLAINTS),
        (K.complaint, U.complex, S.acceptance): D(10, CD, 2, CD, 0, 0, CD, _COMPLAINTS),
        (K.complaint, U.normal, S.answer): D(30, CD, 5, CD, 0, 0, CD, _COMPLAINTS),
        (K.complaint, U.urgent, S.answer): D(30, CD, 5, CD, 0, 0, CD, _COMPLAINTS),
        (K.complaint, U.complex, S.answer): D(45, CD, 5, CD, 0, 0, CD, _COMPLAINTS),
        # Denunciations: checked within 7 working days (10 when several places are involved);
        # resolved within 30 days, extended once by 30 (complex) or twice (particularly
        # complex, our "complex" level).
        (K.denunciation, U.normal, S.acceptance): D(7, WD, 2, WD, 0, 0, CD, _DENUNCIATIONS),
        (K.denunciation, U.complex, S.acceptance): D(10, WD, 2, WD, 0, 0, CD, _DENUNCIATIONS),
        (K.denunciation, U.normal, S.answer): D(30, CD, 5, CD, 1, 30, CD, _DENUNCIATIONS),
        (K.denunciation, U.urgent, S.answer): D(30, CD, 5, CD, 1, 30, CD, _DENUNCIATIONS),
        (K.denunciation, U.complex, S.answer): D(30, CD, 5, CD, 2, 30, CD, _DENUNCIATIONS),
        # Recommendations after a supervision: not settled in law, a policy value.
        (K.supervision_recommendation, U.normal, S.acceptance): D(5, WD, 1, WD, 0, 0, CD, None),
        (K.supervision_recommendation, U.complex, S.acceptance): D(5, WD, 1, WD, 0, 0, CD, None),
        (K.supervision_recommendation, U.normal, S.answer): D(30, CD, 5, CD, 1, 15, CD, None),
        (K.supervision_recommendation, U.complex, S.answer): D(60, CD, 7, CD, 1, 30, CD, None),
    }
)
# Social criticism of drafts: the drafting agency sends the draft at least 15 days before
# the Front's opinion is due (Law on the Fatherland Front 75/2015/QH13 Art. 33; Joint
# Resolution 403/2017/NQLT-UBTVQH14-CP-ĐCTUBTWMTTQVN). The agency's written answer to the
# criticism has no term we could verify: a policy value, as for supervision recommendations.
_CRITICISM = "Luật MTTQ 2015, Điều 33; NQLT 403/2017/NQLT-UBTVQH14-CP-ĐCTUBTWMTTQVN"
DEFAULT_POLICY.update(
    {
        (K.social_criticism, U.normal, S.criticism_lead): D(15, CD, 3, CD, 0, 0, CD, _CRITICISM),
        (K.social_criticism, U.normal, S.acceptance): D(5, WD, 1, WD, 0, 0, CD, None),
        (K.social_criticism, U.normal, S.answer): D(30, CD, 5, CD, 1, 15, CD, None),
    }
)

# Voters' recommendations compiled per Council session: the agency answers before the next
# session, where the answers are reported back to voters (Luật Tổ chức chính quyền địa
# phương 2025; Luật Hoạt động giám sát của Quốc hội và HĐND 2015, giải quyết kiến nghị cử
# tri). The law ties the answer to the next session, not to a number of days: 30 days (60
# when complex) is a policy value for an admin to change.
_VOTERS = "Luật HĐGS của QH và HĐND 2015 (kiến nghị cử tri); giá trị chính sách"
DEFAULT_POLICY.update(
    {
        (K.voter_recommendation, U.normal, S.acceptance): D(5, WD, 1, WD, 0, 0, CD, _VOTERS),
        (K.voter_recommendation, U.complex, S.acceptance): D(5, WD, 1, WD, 0, 0, CD, _VOTERS),
        (K.voter_recommendation, U.normal, S.answer): D(30, CD, 5, CD, 1, 15, CD, _VOTERS),
        (K.voter_recommendation, U.complex, S.answer): D(60, CD, 7, CD, 1, 30, CD, _VOTERS),
    }
)


async def seed_default_policy(session: AsyncSession) -> int:
    """Inserts the defaults that are missing; never overwrites an admin's change."""
    rows = [
        {"id": uuid.uuid4(), "item_kind": kind, "urgency": urgency, "step": step, **d._asdict()}
        for (kind, urgency, step), d in DEFAULT_POLICY.items()
    ]
    result = await session.execute(
        insert(DeadlinePolicy)
        .values(rows)
        .on_conflict_do_nothing()
        .returning(col(DeadlinePolicy.id))
    )
    return len(result.all())


async def rule_for(
    session: AsyncSession, kind: ItemKind, urgency: Urgency, step: DeadlineStep
) -> DeadlineRule:
    """The policy row for (kind, urgency, step), falling back to the normal urgency."""
    rows = (
        await session.execute(
            select(DeadlinePolicy).where(
                col(DeadlinePolicy.item_kind) == kind,
                col(DeadlinePolicy.step) == step,
                col(DeadlinePolicy.urgency).in_([urgency, Urgency.normal]),
            )
        )
    ).scalars()
    by_urgency = {Urgency(row.urgency): row for row in rows}
    policy = by_urgency.get(urgency) or by_urgency.get(Urgency.normal)
    if policy is None:
        raise LookupError(f"no deadline policy for {kind}/{urgency}/{step}")
    # The policy row's columns are the rule's fields: read it as the rule's JSON.
    return DeadlineRule.from_json(policy.model_dump())


async def answer_due_at(
    session: AsyncSession, kind: ItemKind, start: datetime, default_days: int
) -> datetime:
    """When the agency's answer to an item of ``kind`` handed over at ``start`` is due: the
    policy's answer step on the working calendar, else ``default_days`` calendar days (an
    administrator removed the row; the item is still handed over)."""
    try:
        rule = await rule_for(session, kind, Urgency.normal, DeadlineStep.answer)
    except LookupError:
        return start + timedelta(days=default_days)
    return add_duration(await load_calendar(session), start, rule.amount, rule.unit)
