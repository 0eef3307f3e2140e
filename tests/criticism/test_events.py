"""What a point takes from its referral's events: the moments they carry, stored or not."""

import uuid
from datetime import UTC, datetime

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
