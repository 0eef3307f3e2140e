"""One state-machine mechanism for every domain: a table of transitions, and one answer to
"may this caller do this now?".

A domain declares its ``Transition`` rows once (from state, action, to state, the parties that
may take it, and an optional condition on the resource); :class:`Workflow` answers the rest the
same way everywhere:

- **403** (``Forbidden``) when none of the caller's parties may ever take the action: it is
  someone else's action, whatever the state;
- **409** (``StateConflict``, listing the actions the caller may take now) when the caller may
  take it, but not from this state (or the condition does not hold).

Actions and states are passed to the messages as enum members, so the reader sees their
catalogue labels ("tiếp nhận", not ``accept``).

Parties are the domain's own words (a role towards the resource: ``agency``, ``front``,
``head``, ``approver``, ``citizen``, ``system``); the domain maps a principal to its parties.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from service.errors import Forbidden, StateConflict
from service.i18n import msg

StateT = TypeVar("StateT", bound=Enum)
ActionT = TypeVar("ActionT", bound=Enum)
PartyT = TypeVar("PartyT", bound=Hashable)


@dataclass(frozen=True)
class Transition(Generic[StateT, ActionT, PartyT]):
    source: StateT
    action: ActionT
    target: StateT
    parties: frozenset[PartyT]
    # Shown to the citizen (tracking view, notifications) where the domain has one.
    citizen_visible: bool = False
    # An extra condition on the resource (e.g. "the draft was submitted"); None = always.
    condition: Callable[[Any], bool] | None = None

    def holds(self, subject: Any) -> bool:
        return self.condition is None or subject is None or self.condition(subject)


class Workflow(Generic[StateT, ActionT, PartyT]):
    """The transitions of one kind of resource, looked up by (state, action)."""

    def __init__(
        self,
        name: str,
        rows: Iterable[Transition[StateT, ActionT, PartyT]],
    ) -> None:
        self.name = name  # for messages: "petition", "referral", "plan", "session"
        self.rows = tuple(rows)
        self._by_key: dict[tuple[StateT, ActionT], Transition[StateT, ActionT, PartyT]] = {}
        for row in self.rows:
            key = (row.source, row.action)
            if key in self._by_key:
                raise ValueError(f"{name}: two transitions for {row.source} + {row.action}")
            self._by_key[key] = row

    def find(self, state: StateT, action: ActionT) -> Transition[StateT, ActionT, PartyT] | None:
        return self._by_key.get((state, action))

    def allowed(
        self,
        state: StateT,
        parties: frozenset[PartyT] | None = None,
        subject: Any = None,
    ) -> list[str]:
        """The actions possible in ``state`` (for ``parties`` when given, else for anyone)."""
        return sorted(
            str(row.action.value)
            for row in self.rows
            if row.source == state
            and (parties is None or row.parties & parties)
            and row.holds(subject)
        )

    def may_ever(self, action: ActionT, parties: frozenset[PartyT]) -> bool:
        return any(row.action == action and row.parties & parties for row in self.rows)

    def step(
        self,
        state: StateT,
        action: ActionT,
        parties: frozenset[PartyT],
        subject: Any = None,
    ) -> Transition[StateT, ActionT, PartyT]:
        """The transition ``action`` takes from ``state``, or 403 / 409 as the module says."""
        if not self.may_ever(action, parties):
            raise Forbidden(msg("action_not_for_caller", action=action))
        row = self.find(state, action)
        if row is None or not row.parties & parties or not row.holds(subject):
            raise StateConflict(
                msg("action_not_allowed_now", action=action, state=state),
                state=str(state.value),
                allowed_actions=self.allowed(state, parties, subject),
            )
        return row
