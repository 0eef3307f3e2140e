"""The one way a referral changes: ``begin`` (the referral, locked and visible; the workflow
step for the action, 403 / 409) and the ``Change`` it returns, whose ``finish`` records it (new
state, version + 1, a ``referral_history`` row, an audit event, flush); then the operation
dispatches its referral event in the same transaction. Nothing here commits.

An operation takes only the referral already loaded visible and locked ``FOR UPDATE``
(``access.load_for_change``: the HTTP actions' loader, which also checks If-Match; or
``access.lock_referral`` for the system's callers): it is not read again here, and a caller
holding an id has one obvious way to get there, never one that skips the lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.service import actor_fields, record
from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.deadlines.clock import DeadlineRule, start_clock
from service.deadlines.models import DeadlineStep
from service.deadlines.policy import rule_for
from service.directory.calendar import load_calendar
from service.errors import Conflict
from service.i18n import msg
from service.replies import events
from service.replies.access import Actor
from service.replies.models import Referral, ReferralHistory, ReferralState
from service.replies.workflow import Action, Transition, transition

NOTIFY_JOB = "replies.notify_agency"


# What the audit log keeps of a referral, with the number of its extension requests.
SNAPSHOT_FIELDS = (
    *("state", "version", "agency_id", "deadline_step", "due_at", "deadline_status"),
    *("agency_reference", "reopen_count"),
)


def snapshot(referral: Referral | sa.Row[Any], extensions: int | None = None) -> dict[str, Any]:
    """``SNAPSHOT_FIELDS`` of a referral, or of a row a statement returned with them (then
    ``extensions`` is the count the statement gave)."""
    count = len(referral.extensions) if extensions is None else extensions
    return {**{name: getattr(referral, name) for name in SNAPSHOT_FIELDS}, "extensions": count}


@dataclass(frozen=True)
class Change:
    """A change of one referral, begun by ``begin``; ``finish`` ends it."""

    session: AsyncSession
    referral: Referral
    step: Transition
    actor: Actor
    before: dict[str, Any]  # the audit's "before"

    async def finish(
        self,
        *,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
        audit_data: dict[str, Any] | None = None,
        event: str | None = None,
    ) -> None:
        """New state, version + 1, a ``referral_history`` row, an audit event, flush; then the
        domain ``event`` with ``data``, when the step is one the other domains hear of."""
        session, referral, step, actor = self.session, self.referral, self.step, self.actor
        now = utcnow()
        from_state = ReferralState(referral.state)
        referral.state = step.target
        referral.version += 1
        referral.updated_at = now
        session.add(referral)
        session.add(
            history_entry(
                referral,
                actor,
                action=step.action.value,
                from_state=from_state.value,
                to_state=step.target.value,
                reason=reason,
                visible=step.citizen_visible,
                data=data,
                at=now,
            )
        )
        await record(
            session,
            actor=actor,
            action=f"referral.{step.action.value}",
            entity_type="referral",
            entity_id=referral.id,
            before=self.before,
            after={**snapshot(referral), **(audit_data if audit_data is not None else data or {})},
        )
        await session.flush()
        if event is not None:
            await emit(session, event, referral, actor, data)


async def begin(
    session: AsyncSession, referral: Referral, action: Action, actor: Actor
) -> tuple[Referral, Change]:
    """The referral (already locked, visible) and its change by ``action``: the workflow's
    step for ``actor`` (403 / 409) and the audit's "before"."""
    found = transition(ReferralState(referral.state), action, actor)
    return referral, Change(session, referral, found, actor, snapshot(referral))


def user_id_of(actor: Actor) -> uuid.UUID | None:
    return actor.user_id if isinstance(actor, StaffPrincipal) else None


def history_entry(
    referral: Referral,
    actor: Actor,
    *,
    action: str,
    from_state: str | None,
    to_state: str,
    reason: str | None,
    visible: bool,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ReferralHistory:
    actor_type, actor_id = actor_fields(actor)
    role = actor.role.value if isinstance(actor, StaffPrincipal) else None
    jsonable: dict[str, Any] = to_jsonable_python(data or {})
    return ReferralHistory(
        referral_id=referral.id,
        at=at or utcnow(),
        actor_type=actor_type.value,
        actor_id=actor_id,
        actor_role=role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        visible_to_citizen=visible,
        data=jsonable,
    )


async def emit(
    session: AsyncSession,
    name: str,
    referral: Referral,
    actor: Actor,
    data: dict[str, Any] | None = None,
) -> None:
    await events.dispatch(session, events.ReferralEvent.of(name, referral, actor, data))


def rule_of(referral: Referral) -> DeadlineRule:
    if referral.deadline_rule is None:
        raise Conflict(msg("referral_no_deadline_rule"))
    return DeadlineRule.from_json(referral.deadline_rule)


async def start_step_clock(
    session: AsyncSession,
    referral: Referral,
    step: DeadlineStep,
    now: datetime,
    *,
    rule: DeadlineRule | None = None,
) -> None:
    """Start the clock of ``step`` (acceptance, answer) from ``now``, by the policy for the
    item's kind and urgency unless the caller already read that ``rule``."""
    if rule is None:
        rule = await rule_for(session, referral.item_kind, referral.urgency, step)
    start_clock(referral, await load_calendar(session), rule, now)
