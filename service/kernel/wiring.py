"""The wiring: every connection between the domains and the platform, built once per process.

``service.wiring.build_wiring(settings)`` (the composition root, the one module that lists the
domains) asks each domain's ``wire(builder, settings)`` what it contributes, and freezes the
answer into a :class:`Wiring`:

- ``subscriptions``: in-process event handlers by event name (``service.replies.events``),
  each with an optional batch form (one call for a list of events of that name: the sweeps
  publish thousands at once, and a subscriber can apply them with one statement);
- ``item_providers``: how replies shows an item another package owns, by item type;
- ``jobs`` (by name) and ``schedules``: what the broker declares and the scheduler enqueues;
- ``clock_tables``: the tables whose deadline clocks move when the calendar changes;
- ``calendar_hooks``: awaited after any change to the working-day calendar.

The app (``create_app``) and the worker (``giamsat worker``) each build one and pass it where it
is needed: to the broker, the scheduler, the worker context, and to every database session
they open. The session is how it reaches code deep inside a unit of work (a service
publishing an event, ``enqueue`` checking a job name) without a module-level registry: the
sessionmaker puts the wiring in ``session.info`` and ``wiring_of(session)`` reads it back. A
session made without one can run SQL but cannot publish events, enqueue jobs or change the
calendar (``wiring_of`` says so).

This module names no domain: types are generic (``Any``) here and precise in the modules
that use them (``service.replies.events.dispatch``, ``service.replies.providers.item_provider``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.jobs.registry import JobSpec, Schedule, job_spec

SESSION_KEY = "giamsat.wiring"

EventHandler = Callable[[AsyncSession, Any], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[Any]], Awaitable[None]]
CalendarHook = Callable[[AsyncSession], Awaitable[None]]


class NotWired(RuntimeError):
    """A session (or process) without a wiring was asked for something only a wiring has."""


@dataclass(frozen=True)
class Wiring:
    """What the domains plugged in; immutable once built (see the module docstring)."""

    subscriptions: Mapping[str, tuple[EventHandler, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    item_providers: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    jobs: Mapping[str, JobSpec] = field(default_factory=lambda: MappingProxyType({}))
    schedules: tuple[Schedule, ...] = ()
    clock_tables: tuple[Any, ...] = ()
    calendar_hooks: tuple[CalendarHook, ...] = ()
    events: frozenset[str] = frozenset()
    batch_forms: Mapping[tuple[str, int], BatchHandler] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def handlers(self, event_name: str) -> tuple[EventHandler, ...]:
        return self.subscriptions.get(event_name, ())

    def batch_form(self, event_name: str, handler: EventHandler) -> BatchHandler | None:
        """The batch form ``handler`` was subscribed with for ``event_name``, if any."""
        return self.batch_forms.get((event_name, id(handler)))

    def item_provider(self, item_type: str) -> Any | None:
        return self.item_providers.get(item_type)

    def job(self, name: str) -> JobSpec | None:
        return self.jobs.get(name)

    def session_info(self) -> dict[str, Any]:
        """The ``info`` of a session that carries this wiring (``AsyncSession(info=...)``)."""
        return {SESSION_KEY: self}

    def sessions(self, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
        """A sessionmaker whose sessions carry this wiring (``expire_on_commit=False``)."""
        return async_sessionmaker(engine, expire_on_commit=False, info=self.session_info())

    def bind(self, session: AsyncSession) -> AsyncSession:
        """Put this wiring on ``session`` (one made by a factory someone else built)."""
        session.info[SESSION_KEY] = self
        return session

    def extend(self, *contributions: Contribution) -> Wiring:
        """A new wiring: this one plus ``contributions`` (tests add a recorder, a stand-in)."""
        builder = WiringBuilder.from_wiring(self)
        for contribute in contributions:
            contribute(builder)
        return builder.build()


def wiring_of(session: AsyncSession) -> Wiring:
    """The wiring the session was opened with; ``NotWired`` when it has none."""
    wiring = session.info.get(SESSION_KEY)
    if not isinstance(wiring, Wiring):
        raise NotWired(
            "this database session carries no wiring: open it from wiring.sessions(engine)"
            " (or AsyncSession(info=wiring.session_info())); build the wiring with"
            " service.wiring.build_wiring(settings)"
        )
    return wiring


class WiringBuilder:
    """Collects the domains' contributions; ``build()`` checks and freezes them."""

    def __init__(self) -> None:
        self._subscriptions: dict[str, list[EventHandler]] = {}
        self._providers: dict[str, Any] = {}
        self._jobs: dict[str, JobSpec] = {}
        self._schedules: dict[str, Schedule] = {}
        self._clock_tables: list[Any] = []
        self._calendar_hooks: list[CalendarHook] = []
        self._events: set[str] = set()
        # Keyed by the handler's id: handlers need not be hashable; the wiring keeps them alive.
        self._batch_forms: dict[tuple[str, int], BatchHandler] = {}

    @classmethod
    def from_wiring(cls, wiring: Wiring) -> WiringBuilder:
        builder = cls()
        builder._subscriptions = {n: list(h) for n, h in wiring.subscriptions.items()}
        builder._providers = dict(wiring.item_providers)
        builder._jobs = dict(wiring.jobs)
        builder._schedules = {s.job_name: s for s in wiring.schedules}
        builder._clock_tables = list(wiring.clock_tables)
        builder._calendar_hooks = list(wiring.calendar_hooks)
        builder._events = set(wiring.events)
        builder._batch_forms = dict(wiring.batch_forms)
        return builder

    def declare_events(self, names: Iterable[str]) -> None:
        """The event names a publisher may dispatch (subscriptions to others fail at build)."""
        self._events.update(names)

    def subscribe(
        self, event_name: str, handler: EventHandler, *, batch: BatchHandler | None = None
    ) -> None:
        """Call ``handler`` for every event ``event_name``, in subscription order (once).

        ``batch``, if given, takes a list of such events in one call and must do what
        ``handler`` would do for each; a publisher of many events at once calls it instead
        (a subscriber without one gets its events one by one)."""
        handlers = self._subscriptions.setdefault(event_name, [])
        if handler not in handlers:
            handlers.append(handler)
        if batch is not None:
            subscribed = handlers[handlers.index(handler)]  # the one kept, if equal to another
            self._batch_forms[(event_name, id(subscribed))] = batch

    def unsubscribe_all(self, *event_names: str) -> None:
        """Drop every handler of ``event_names`` (all events when none is named)."""
        for name in event_names or list(self._subscriptions):
            self._subscriptions.pop(name, None)
        self._batch_forms = {
            key: batch for key, batch in self._batch_forms.items() if key[0] in self._subscriptions
        }

    def provide(self, item_type: str, provider: Any) -> None:
        """The item provider of ``item_type`` (a later one replaces an earlier one)."""
        self._providers[item_type] = provider

    def add_jobs(self, *sources: ModuleType | Callable[..., Any]) -> None:
        """Every ``@job`` function of these modules (or these functions themselves)."""
        for source in sources:
            candidates = (
                [value for _, value in inspect.getmembers(source)]
                if isinstance(source, ModuleType)
                else [source]
            )
            found = False
            for candidate in candidates:
                spec = job_spec(candidate)
                if spec is None:
                    continue
                found = True
                existing = self._jobs.get(spec.name)
                if existing is not None and existing.fn is not spec.fn:
                    raise ValueError(f"job {spec.name!r} is already declared by {existing.fn!r}")
                self._jobs[spec.name] = spec
            if not found:
                raise ValueError(f"{source!r} declares no @job")

    def schedule(
        self, job_name: str, every_seconds: int, payload: dict[str, Any] | None = None
    ) -> None:
        """Enqueue ``job_name`` once per ``every_seconds`` slot (replaces its earlier schedule)."""
        if every_seconds < 1:
            raise ValueError("every_seconds must be at least 1")
        self._schedules[job_name] = Schedule(job_name, int(every_seconds), dict(payload or {}))

    def clock_table(self, model: Any) -> None:
        """A table with deadline clock columns, recomputed when the calendar changes."""
        if model not in self._clock_tables:
            self._clock_tables.append(model)

    def on_calendar_change(self, hook: CalendarHook) -> None:
        """Await ``hook(session)`` after any calendar change, in the same transaction."""
        if hook not in self._calendar_hooks:
            self._calendar_hooks.append(hook)

    def build(self) -> Wiring:
        unknown = sorted(set(self._subscriptions) - self._events)
        if unknown:
            raise ValueError(
                f"subscriptions to undeclared events {unknown}; known: {sorted(self._events)}"
            )
        missing = sorted(
            s.job_name for s in self._schedules.values() if s.job_name not in self._jobs
        )
        if missing:
            raise ValueError(f"schedules of jobs nobody declared: {missing}")
        return Wiring(
            subscriptions=MappingProxyType(
                {name: tuple(handlers) for name, handlers in self._subscriptions.items()}
            ),
            item_providers=MappingProxyType(dict(self._providers)),
            jobs=MappingProxyType(dict(self._jobs)),
            schedules=tuple(self._schedules.values()),
            clock_tables=tuple(self._clock_tables),
            calendar_hooks=tuple(self._calendar_hooks),
            events=frozenset(self._events),
            batch_forms=MappingProxyType(dict(self._batch_forms)),
        )


Contribution = Callable[[WiringBuilder], None]
