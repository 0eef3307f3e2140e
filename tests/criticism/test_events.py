"""What a point takes from its referral's events: the moments they carry, stored or not."""

import uuid
from datetime import UTC, datetime

from service.criticism.models import CriticismPoint, PointState
from service.criticism.service import FOLLOWED as POINTS
from service.oversight.models import RecommendationState
from service.oversight.service.recommendations import FOLLOWED as RECOMMENDATIONS
from service.replies import events
from service.replies.events import ReferralEvent


def event(**data: object) -> ReferralEvent:
    ids = uuid.uuid4()
    return ReferralEvent("referral.acknowledged", ids, "criticism_point", ids, ids, None, data)


def test_a_moment_is_read_as_sent_or_as_its_iso_text() -> None:
    moment = datetime(2026, 12, 31, 10, 0, tzinfo=UTC)
    assert event(due_at=moment).moment("due_at") == moment
    assert event(due_at=moment.isoformat()).moment("due_at") == moment
    assert event(due_at="not a date").moment("due_at") is None
    assert event().moment("due_at") is None


def named(name: str, **data: object) -> ReferralEvent:
    ids = uuid.uuid4()
    return ReferralEvent(name, ids, "criticism_point", ids, ids, None, data)


def test_the_points_and_the_recommendations_read_the_steps_alike() -> None:
    """The one reading of referral events both followers use: what each step makes of a
    point and of a recommendation, including what only one of them follows."""
    due = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
    point = CriticismPoint(draft_id=uuid.uuid4(), number=1, text="…", state=PointState.sent)
    acknowledged = named(events.ACKNOWLEDGED, due_at=due.isoformat())
    assert POINTS.follow(acknowledged, point, PointState.sent) is PointState.acknowledged
    assert point.due_at == due
    overdue = named(events.OVERDUE)
    assert POINTS.follow(overdue, point, PointState.acknowledged) is PointState.overdue
    assert POINTS.follow(overdue, point, PointState.accepted) is PointState.accepted
    answered = named(events.ANSWER_PUBLISHED, outcome="explained", summary="Giải trình")
    assert POINTS.follow(answered, point, PointState.acknowledged) is PointState.explained
    assert point.answer_summary == "Giải trình"
    reopened = named(events.REOPENED, due_at=due.isoformat())
    assert POINTS.follow(reopened, point, PointState.explained) is PointState.acknowledged
    assert point.answer_outcome is None
    assert point.answered_at is None
    cancelled = named(events.CANCELLED, reason="rút")
    assert POINTS.follow(cancelled, point, PointState.accepted) is PointState.accepted
    assert POINTS.follow(cancelled, point, PointState.sent) is PointState.withdrawn
    # A point ignores a decline (its agency is the drafting one); a recommendation follows it.
    declined = named(events.DECLINED, reason="không thuộc thẩm quyền")
    assert POINTS.follow(declined, point, PointState.sent) is None
    assert (
        RECOMMENDATIONS.follow(declined, point, RecommendationState.issued)
        is RecommendationState.declined
    )
    assert POINTS.follow(named(events.RATED), point, PointState.accepted) is None
