"""The batch form of referral events (``events.dispatch_many``, the sweeps'): a subscriber
with a batch form gets the whole batch in one call, one without gets every event one by one;
the single form (``dispatch``) still calls the single handlers only."""

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.kernel.wiring import Wiring, WiringBuilder
from service.replies import events
from tests.replies.conftest import Recorder


@dataclass(eq=False)
class SingleRecorder(Recorder):
    """A second recorder (the builder compares handlers by equality: two equal recorders
    would be one subscription)."""


class BatchRecorder:
    def __init__(self) -> None:
        self.batches: list[list[uuid.UUID]] = []

    async def __call__(self, session: AsyncSession, batch: object) -> None:
        assert isinstance(batch, list | tuple)
        self.batches.append([event.referral_id for event in batch])


@pytest.fixture
def one_by_one() -> Recorder:
    return Recorder()


@pytest.fixture
def single_of_batched() -> SingleRecorder:
    return SingleRecorder()


@pytest.fixture
def batched() -> BatchRecorder:
    return BatchRecorder()


@pytest.fixture
def wiring(
    base_wiring: Wiring, one_by_one: Recorder, single_of_batched: Recorder, batched: BatchRecorder
) -> Wiring:
    def subscribers(builder: WiringBuilder) -> None:
        builder.unsubscribe_all()
        builder.subscribe(events.CLOSED, one_by_one)
        builder.subscribe(events.CLOSED, single_of_batched, batch=batched)

    return base_wiring.extend(subscribers)


def _closed(referral_id: uuid.UUID) -> events.ReferralEvent:
    return events.ReferralEvent(
        name=events.CLOSED,
        referral_id=referral_id,
        item_type="petition",
        item_id=uuid.uuid4(),
        agency_id=uuid.uuid4(),
        actor=None,
        data={"reason": "feedback_window_ended"},
    )


async def test_a_batch_reaches_batch_forms_at_once_and_others_one_by_one(
    session: AsyncSession, one_by_one: Recorder, single_of_batched: Recorder, batched: BatchRecorder
) -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    await events.dispatch_many(session, [_closed(i) for i in ids])
    assert [e.referral_id for e in one_by_one.seen] == ids
    assert batched.batches == [ids]
    assert single_of_batched.seen == []

    single = uuid.uuid4()
    await events.dispatch(session, _closed(single))
    assert single_of_batched.names() == ["referral.closed"]
    assert one_by_one.seen[-1].referral_id == single
    assert batched.batches == [ids]


async def test_a_batch_is_of_one_known_event(session: AsyncSession) -> None:
    await events.dispatch_many(session, [])  # nothing to do
    mixed = [_closed(uuid.uuid4()), _closed(uuid.uuid4())]
    mixed[1] = events.ReferralEvent(**{**mixed[1].__dict__, "name": events.OVERDUE})
    with pytest.raises(ValueError, match="one name"):
        await events.dispatch_many(session, mixed)
    unknown = events.ReferralEvent(**{**mixed[0].__dict__, "name": "referral.vanished"})
    with pytest.raises(ValueError, match="unknown referral event"):
        await events.dispatch_many(session, [unknown])


def test_unsubscribing_drops_the_batch_forms(base_wiring: Wiring, batched: BatchRecorder) -> None:
    recorder = Recorder()

    def subscribe(builder: WiringBuilder) -> None:
        builder.unsubscribe_all()
        builder.subscribe(events.CLOSED, recorder, batch=batched)

    wired = base_wiring.extend(subscribe)
    assert wired.batch_form(events.CLOSED, recorder) is batched
    assert wired.extend(lambda b: b.unsubscribe_all()).batch_form(events.CLOSED, recorder) is None
