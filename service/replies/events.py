"""Referral events, delivered in-process inside the transaction of the change.

Petitions and oversight learn what happened to their referrals by subscribing in their
``wire(builder, settings)`` (``builder.subscribe(events.ANSWER_PUBLISHED, handler)``); the
subscriptions live in the process's wiring (``service.kernel.wiring``), which reaches
``dispatch`` on the session.

Documented choice: handlers run in the same session and transaction, after the referral
change has been flushed. A handler that raises rolls the whole change back, so a referral
and the item that mirrors it never disagree. Handlers must therefore stay inside the
database: anything that leaves it (email, webhook) goes through ``service.jobs.outbox``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.db import utcnow
from service.kernel.wiring import wiring_of

Actor = StaffPrincipal | ClientPrincipal | None

ACKNOWLEDGED = "referral.acknowledged"
DECLINED = "referral.declined"
EXTENSION_GRANTED = "referral.extension_granted"
ANSWER_PUBLISHED = "referral.answer_published"
RATED = "referral.rated"
CLOSED = "referral.closed"
REOPENED = "referral.reopened"
ESCALATED = "referral.escalated"
DUE_SOON = "referral.due_soon"
OVERDUE = "referral.overdue"
CANCELLED = "referral.cancelled"

EVENT_NAMES = frozenset(
    {
        ACKNOWLEDGED,
        DECLINED,
        EXTENSION_GRANTED,
        ANSWER_PUBLISHED,
        RATED,
        CLOSED,
        REOPENED,
        ESCALATED,
        DUE_SOON,
        OVERDUE,
        CANCELLED,
    }
)

# What an item handed to an agency by the Front follows to mirror its own state (a
# supervision's or the voters' recommendation): every step of the referral but the citizen's
# rating and closing, and the due-soon notice.
ITEM_STATE_EVENTS = (
    ACKNOWLEDGED,
    DECLINED,
    EXTENSION_GRANTED,
    ANSWER_PUBLISHED,
    REOPENED,
    ESCALATED,
    OVERDUE,
    CANCELLED,
)


class FollowingItem(Protocol):
    """An item that follows its current referral (a petition, a recommendation, a point)."""

    @property
    def referral_id(self) -> uuid.UUID | None: ...


Item = TypeVar("Item", bound=FollowingItem)


class StatedItem(FollowingItem, Protocol):
    """A following item with states of its own (a recommendation, a point)."""

    @property
    def state(self) -> str: ...


Stated = TypeVar("Stated", bound=StatedItem)


class AnsweredItem(Protocol):
    """An item that keeps its referral's published answer (a recommendation, a point)."""

    answered_at: datetime | None
    answer_outcome: str | None
    answer_summary: str | None


def clear_answer(item: AnsweredItem) -> None:
    """The answer withdrawn (``referral.reopened``): the item waits for the next one."""
    item.answered_at = item.answer_outcome = item.answer_summary = None


@dataclass(frozen=True)
class ReferralEvent:
    """What happened to one referral. ``data`` per name:

    - ``referral.acknowledged``: agency_reference, due_at (the answer deadline)
    - ``referral.declined``: reason, suggested_agency_id (or None)
    - ``referral.extension_granted``: new_due_at, reason, extension_id
    - ``referral.answer_published``: outcome, summary (first 500 characters of the answer),
      answer_id, feedback_due_at
    - ``referral.rated``: satisfied, comment
    - ``referral.closed``: reason (``satisfied`` | ``feedback_window_ended`` | ``cancelled``)
    - ``referral.reopened``: reason, reopen_count, due_at
    - ``referral.escalated``: to (``superior_agency`` | ``council``), reason,
      new_referral_id and new_agency_id (superior agency only)
    - ``referral.due_soon`` / ``referral.overdue``: due_at, step
    - ``referral.cancelled``: reason
    """

    name: str
    referral_id: uuid.UUID
    item_type: str
    item_id: uuid.UUID
    agency_id: uuid.UUID
    actor: Actor
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls, name: str, referral: Any, actor: Actor, data: dict[str, Any] | None = None
    ) -> ReferralEvent:
        """The event ``name`` of ``referral`` (a row or the swept columns of one: its id,
        item and agency)."""
        return cls(
            name=name,
            referral_id=referral.id,
            item_type=referral.item_type,
            item_id=referral.item_id,
            agency_id=referral.agency_id,
            actor=actor,
            data=data or {},
        )

    async def current_item(
        self, item_type: str, load: Callable[[uuid.UUID], Awaitable[Item | None]]
    ) -> Item | None:
        """The item this event is about, as ``load`` reads it (locked), or None: the event is
        about another type of item, the item is gone, or the referral is not the item's
        current one any more (an older referral, before re-routing or re-issuing)."""
        if self.item_type != item_type:
            return None
        item = await load(self.item_id)
        if item is None or item.referral_id != self.referral_id:
            return None
        return item

    def record_answer(self, item: AnsweredItem) -> str:
        """``referral.answer_published`` copied onto ``item``; its outcome ('' when none)."""
        outcome = str(self.data.get("outcome") or "")
        summary = self.data.get("summary")
        item.answered_at = utcnow()
        item.answer_outcome = outcome or None
        item.answer_summary = str(summary) if summary is not None else None
        return outcome

    def escalation(self) -> tuple[uuid.UUID, uuid.UUID] | None:
        """``referral.escalated`` to a superior agency: (the new referral, its agency)."""
        referral, agency = self.data.get("new_referral_id"), self.data.get("new_agency_id")
        if not (referral and agency):
            return None
        return uuid.UUID(str(referral)), uuid.UUID(str(agency))

    def moment(self, key: str) -> datetime | None:
        """A moment the event's ``data`` carries (``due_at``, ``new_due_at``): a datetime, or
        its ISO text; None when absent or unreadable, so a follower keeps what it had."""
        value = self.data.get(key)
        if isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                return None
        return None


class TimedItem(AnsweredItem, Protocol):
    """An answered item that also keeps its referral's answer deadline."""

    due_at: datetime | None


S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True)
class FollowedStates(Generic[S]):
    """How an item's own states follow its referral's steps (criticism's points, oversight's
    and the voters' recommendations): one reading of the events for every follower, so a
    step means the same everywhere. The follower's ``states`` name the steps as replies
    does (``acknowledged``, ``overdue``, ``withdrawn``, and ``declined`` when a decline moves
    the item); ``referred`` is the state of an item just handed over. ``outcomes`` maps the
    agency's answer outcome to a state (an outcome not listed leaves the item where it was);
    a cancelled referral withdraws the item unless it is ``answered``. An escalation is the
    follower's own business (who it now follows)."""

    states: type[S]
    referred: S
    outcomes: Mapping[str, S]
    answered: frozenset[S]

    @property
    def acknowledged(self) -> S:
        return self.states["acknowledged"]

    @property
    def overdue(self) -> S:
        return self.states["overdue"]

    async def moving(
        self,
        event: ReferralEvent,
        item_type: str,
        load: Callable[[uuid.UUID], Awaitable[Stated | None]],
    ) -> tuple[Stated, S] | None:
        """The item ``event`` may move and its state now: the item ``event.current_item``
        finds, unless it is withdrawn (a withdrawn item stays so whatever its referral
        does); None when there is nothing to move."""
        item = await event.current_item(item_type, load)
        if item is None:
            return None
        state = self.states(item.state)
        if state is self.states["withdrawn"]:
            return None
        return item, state

    def follow(self, event: ReferralEvent, item: TimedItem, state: S) -> S | None:
        """The item's state after ``event``, its deadline and answer copied from it; None
        for an event that does not move the item (nothing to record)."""
        if event.name in (ACKNOWLEDGED, REOPENED):
            item.due_at = event.moment("due_at") or item.due_at
        if event.name == ACKNOWLEDGED:
            return self.acknowledged if state in (self.referred, self.overdue) else state
        if event.name == EXTENSION_GRANTED:
            item.due_at = event.moment("new_due_at") or item.due_at
            return self.acknowledged if state is self.overdue else state
        if event.name == ANSWER_PUBLISHED:
            return self.outcomes.get(event.record_answer(item), state)
        if event.name == REOPENED:
            clear_answer(item)
            return self.acknowledged
        if event.name == OVERDUE:
            return self.overdue if state in (self.referred, self.acknowledged) else state
        if event.name == CANCELLED:
            return state if state in self.answered else self.states["withdrawn"]
        if event.name == DECLINED:
            return self.states.__members__.get("declined")
        return None


Handler = Callable[[AsyncSession, ReferralEvent], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[ReferralEvent]], Awaitable[None]]


async def dispatch_many(session: AsyncSession, batch: Sequence[ReferralEvent]) -> None:
    """The batch form of ``dispatch`` for many events of one name (the sweeps'): each handler
    subscribed with a batch form gets them in one call, every other handler one by one."""
    if not batch:
        return
    name = batch[0].name
    if name not in EVENT_NAMES:
        raise ValueError(f"unknown referral event {name!r}; known: {sorted(EVENT_NAMES)}")
    if any(event.name != name for event in batch):
        raise ValueError("dispatch_many takes events of one name")
    wiring = wiring_of(session)
    for handler in wiring.handlers(name):
        batch_form = wiring.batch_form(name, handler)
        if batch_form is not None:
            await batch_form(session, batch)
            continue
        for event in batch:
            await handler(session, event)


async def dispatch(session: AsyncSession, event: ReferralEvent) -> None:
    """Run every handler of ``event.name`` in order, in the caller's transaction."""
    if event.name not in EVENT_NAMES:
        raise ValueError(f"unknown referral event {event.name!r}; known: {sorted(EVENT_NAMES)}")
    for handler in wiring_of(session).handlers(event.name):
        await handler(session, event)
