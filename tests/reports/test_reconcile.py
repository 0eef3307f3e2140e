"""Every figure of a report reconciles with every other figure that counts the same thing:
page-1 sentences with the tables and the charts' data, the rows of a table with its total,
the wards with the city, the agencies with the referrals, one report with another.

The data are varied on purpose (tests/reports/world.py `reconcile_world`): every kind and
status of petition, referrals of petitions and of supervision recommendations, overdue,
answered on time and late, declined, withdrawn, merged, two wards."""

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reports.data import council, scorecard, supervision
from reports.data.common import Period
from reports.models import ReportKind
from reports.parameters import resolve
from service.db import utcnow
from service.settings import Settings
from tests.factories import BA_DINH, HOAN_KIEM
from tests.reports.world import (
    ReconcileWorld,
    flat,
    pdf_text,
    reconcile_world,
    render,
)

WARD_NAMES = {HOAN_KIEM: "Phường Hoàn Kiếm", BA_DINH: "Phường Ba Đình"}


def _period(world: ReconcileWorld) -> Period:
    return Period(world.first, world.last)


async def _council(
    session: AsyncSession, world: ReconcileWorld, unit_code: str | None, now: datetime
) -> council.CouncilData:
    params = council.CouncilParameters(_period(world), unit_code, WARD_NAMES.get(unit_code or ""))
    return await council.gather(session, params, now=now)


def check_council(data: council.CouncilData, *, city: bool) -> None:
    """One report's figures against each other."""
    # Page 1: the received split into what became of them.
    assert data.received == data.issues + data.merged
    assert data.received == (
        data.answered + data.rejected + data.withdrawn + data.merged + data.unanswered_open
    )
    assert data.overdue <= data.unanswered_open
    # Section II: "Đã chuyển N lượt" is what Bảng 4 adds up to, petitions AND supervision
    # recommendations.
    assert data.referrals == sum(card.received for card in data.scorecards)
    assert data.referrals == sum(data.referrals_by_item.values())
    assert data.referrals_by_item.get("petition", 0) > 0
    assert data.referrals_by_item.get("recommendation", 0) > 0
    assert data.referrals_answered == sum(card.answered for card in data.scorecards)
    assert data.answered_on_time == sum(card.answered_on_time for card in data.scorecards)
    assert data.acknowledged == sum(card.acknowledged for card in data.scorecards)
    assert data.declined == sum(card.bounces for card in data.scorecards)
    assert 0 < data.answered_on_time < data.referrals_answered <= data.referrals
    # Bảng 1 (kinds): its rows sum to its total row, which is page 1's.
    kinds = data.by_kind.values()
    assert sum(c.received for c in kinds) == data.received
    assert sum(c.answered for c in kinds) == data.answered
    assert sum(c.overdue for c in kinds) == data.overdue
    assert data.by_kind["denunciation"].received == data.denunciations
    # Bảng 2 (wards, city report only).
    if city:
        assert sum(c.received for c in data.by_unit) == data.received
        assert sum(c.answered for c in data.by_unit) == data.answered
        assert sum(c.overdue for c in data.by_unit) == data.overdue
    # Bảng 3 (agencies): the "vụ việc", merged duplicates left out.
    assert sum(c.received for c in data.by_agency) == data.issues
    assert sum(c.answered for c in data.by_agency) == data.answered
    assert sum(c.overdue for c in data.by_agency) == data.overdue
    # Biểu đồ 1 (fields) and 2 (months).
    assert sum(c.received for c in data.by_category) == data.received
    assert sum(c.answered for c in data.by_category) == data.answered
    assert sum(data.received_by_month) == data.received
    assert sum(data.answered_by_month) == data.answered
    # Section IV and Bảng 6; Bảng 7.
    assert data.plans == len(data.plan_rows) > 0
    assert data.sessions == sum(row[3] for row in data.plan_rows) > 0
    assert data.recommendations_issued == sum(row[4] for row in data.plan_rows) > 0
    assert data.recommendations_overdue <= sum(data.recommendation_states.values())


class TestEveryFigureReconciles:
    async def test_council_reports_city_and_wards(
        self, session: AsyncSession, settings: Settings, seeded: Any, tmp_path: Path
    ) -> None:
        world = await reconcile_world(session, settings)
        now = utcnow()
        city = await _council(session, world, None, now)
        wards = {unit: await _council(session, world, unit, now) for unit in WARD_NAMES}
        check_council(city, city=True)
        for data in wards.values():
            check_council(data, city=False)

        # The wards add up to the city, and each ward's row of the city's Bảng 2 is that
        # ward's own report.
        for figure in ("received", "issues", "answered", "overdue", "referrals", "plans"):
            assert getattr(city, figure) == sum(getattr(w, figure) for w in wards.values()), figure
        assert city.sessions == sum(w.sessions for w in wards.values())
        assert city.recommendations_issued == sum(w.recommendations_issued for w in wards.values())
        rows = {count.name: count for count in city.by_unit}
        for unit, data in wards.items():
            row = rows[WARD_NAMES[unit]]
            assert (row.received, row.answered, row.overdue) == (
                data.received,
                data.answered,
                data.overdue,
            )
        # An agency's card in the city's report is the sum of its cards in the wards'
        # reports (a ward counts what was referred from that ward, whatever the agency).
        cards = {card.agency_code: card for card in city.scorecards}
        for code, card in cards.items():
            in_wards = [c for w in wards.values() for c in w.scorecards if c.agency_code == code]
            for figure in ("received", "acknowledged", "answered", "answered_on_time", "bounces"):
                assert getattr(card, figure) == sum(getattr(c, figure) for c in in_wards), (
                    code,
                    figure,
                )

        # What the page says is what the tables add up to.
        for unit, data in [(None, city), *wards.items()]:
            result = await render(
                session,
                settings,
                ReportKind.council_periodic,
                {
                    "from": world.first.isoformat(),
                    "to": world.last.isoformat(),
                    **({"unit_code": unit} if unit else {}),
                },
                tmp_path / f"council-{unit}.pdf",
            )
            text = flat(pdf_text(result.path))
            assert f"Đã chuyển {data.referrals} lượt đến cơ quan có thẩm quyền (gồm " in text
            assert (
                f"{data.referrals_by_item['petition']} lượt ý kiến, kiến nghị của cử tri và "
                f"Nhân dân, {data.referrals_by_item['recommendation']} lượt kiến nghị sau "
                "giám sát)"
            ) in text
            assert f"đã tiếp nhận {data.received} ý kiến, kiến nghị" in text
            assert (
                f"Trong kỳ có {data.plans} cuộc giám sát được triển khai, {data.sessions} buổi "
                f"làm việc và {data.recommendations_issued} kiến nghị sau giám sát"
            ) in text

    async def test_scorecards_agree_with_the_council_report_and_themselves(
        self, session: AsyncSession, settings: Settings, seeded: Any
    ) -> None:
        world = await reconcile_world(session, settings)
        now = utcnow()
        city = await _council(session, world, None, now)
        cards = {card.agency_code: card for card in city.scorecards}
        for agency in world.agencies.values():
            data = await scorecard.gather(
                session,
                scorecard.ScorecardParameters(_period(world), agency.id, agency.code, agency.name),
                now=now,
            )
            card = data.card
            assert card == cards[agency.code]
            assert sum(row[1] for row in data.by_kind) == card.received
            assert sum(row[2] for row in data.by_kind) == card.answered
            assert sum(row[3] for row in data.by_kind) == card.answered_on_time
            assert sum(data.by_state.values()) == card.received
            assert sum(data.received_by_month) == card.received
            assert sum(data.answered_by_month) == card.answered
            # Bảng 3 lists what Bảng 2 counts, the declined referral included.
            kinds = {row[0]: row[1] for row in data.by_kind}
            assert len(data.recommendations) == kinds["supervision_recommendation"] == 3
            assert 0 < card.answered_on_time < card.answered

    async def test_supervision_report_agrees_with_itself_and_the_council_report(
        self, session: AsyncSession, settings: Settings, seeded: Any
    ) -> None:
        world = await reconcile_world(session, settings)
        now = utcnow()
        for unit, code in world.plan_codes.items():
            ward = await _council(session, world, unit, now)
            plan_row = next(row for row in ward.plan_rows if row[0] == code)
            resolved = await resolve(
                session, ReportKind.supervision_result, {"plan_code": code}, timezone="UTC"
            )
            assert isinstance(resolved.typed, supervision.SupervisionParameters)
            data = await supervision.gather(session, resolved.typed)
            # The log: per-session counts, their total, and each seal's entry count.
            per_session = {
                d.session.id: sum(data.log_counts.get(d.session.id, {}).values())
                for d in data.sessions
            }
            assert sum(per_session.values()) == data.log_count
            for manifest in data.manifests:
                assert manifest.entry_count == per_session[manifest.session_id]
            assert all(check.verification.ok for check in data.seal_checks)
            assert len(data.seal_checks) == len(data.manifests) == (1 if unit == HOAN_KIEM else 0)
            # The council's plan row: sessions and recommendations of the period.
            issued = [r for r in data.recommendations if r.issued_at is not None]
            assert plan_row[3] == len(data.sessions)
            assert plan_row[4] == len(issued)
