"""Deadline policy (data an admin can change) and the clock columns items carry."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from service.db import partial_index, uuid_id


class ItemKind(StrEnum):
    feedback = "feedback"
    recommendation = "recommendation"
    complaint = "complaint"
    denunciation = "denunciation"
    supervision_recommendation = "supervision_recommendation"
    social_criticism = "social_criticism"  # a point of the Front's criticism of a draft
    voter_recommendation = "voter_recommendation"  # kiến nghị cử tri (voters.models)


class Urgency(StrEnum):
    """How urgent an item is, which picks its deadlines from the policy: ``urgent`` items
    get the shortest (some in working hours), ``complex`` ones a longer time to answer."""

    urgent = "urgent"
    normal = "normal"
    complex = "complex"


class DeadlineStep(StrEnum):
    routing = "routing"  # the Front forwards the item to the competent agency
    acceptance = "acceptance"  # the agency formally accepts it (thụ lý)
    answer = "answer"  # the agency answers/resolves it
    # Social criticism: how long before the Front's opinion is due the draft must reach it.
    criticism_lead = "criticism_lead"


class DeadlineUnit(StrEnum):
    calendar_days = "calendar_days"
    working_days = "working_days"
    working_hours = "working_hours"


class DeadlineStatus(StrEnum):
    none = "none"
    running = "running"
    paused = "paused"
    due_soon = "due_soon"
    overdue = "overdue"
    stopped = "stopped"


OPEN_STATUSES = (DeadlineStatus.running, DeadlineStatus.due_soon, DeadlineStatus.overdue)


class DeadlinePolicy(SQLModel, table=True):
    """How long one step of one kind of item may take at one urgency, when it is "due
    soon", how it may be extended and (answer step) the citizen's feedback window."""

    __tablename__ = "deadline_policy"
    __table_args__ = (
        sa.UniqueConstraint("item_kind", "urgency", "step"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: uuid.UUID = uuid_id()
    item_kind: ItemKind = Field(sa_type=sa.String(32))
    urgency: Urgency = Field(sa_type=sa.String(16))
    step: DeadlineStep = Field(sa_type=sa.String(16))
    amount: int
    unit: DeadlineUnit = Field(sa_type=sa.String(16))
    # "Due soon" starts this long before the deadline.
    warn_amount: int = Field(default=2)
    warn_unit: DeadlineUnit = Field(default=DeadlineUnit.working_days, sa_type=sa.String(16))
    max_extensions: int = Field(default=0)
    extension_amount: int = Field(default=0)
    extension_unit: DeadlineUnit = Field(default=DeadlineUnit.calendar_days, sa_type=sa.String(16))
    # Answer step only: how long the citizen may rate the answer, and how often it may reopen.
    feedback_window_days: int = Field(default=15)
    reopen_limit: int = Field(default=2)
    legal_basis: str | None = Field(default=None, max_length=300)


class DeadlineClock(SQLModel):
    """Columns of a running legal deadline, inherited by the tables that have one.

    The due date is always recomputable from (start, rule, pauses, extensions) and the
    calendar, which is what lets a calendar change move every running deadline.
    """

    deadline_step: DeadlineStep | None = Field(default=None, sa_type=sa.String(16))
    deadline_rule: dict[str, Any] | None = Field(default=None, sa_type=postgresql.JSONB)
    clock_started_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    clock_paused_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # Closed pauses as [[start_iso, end_iso], ...]; the open one is clock_paused_at.
    clock_pauses: list[list[str]] = Field(default_factory=list, sa_type=postgresql.JSONB)
    due_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    warn_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    deadline_status: DeadlineStatus = Field(default=DeadlineStatus.none, sa_type=sa.String(16))
    clock_stopped_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # Granted extensions as [[amount, unit], ...] applied after the base rule.
    extensions: list[list[Any]] = Field(default_factory=list, sa_type=postgresql.JSONB)


def clock_indexes(table: str) -> tuple[sa.Index, ...]:
    """Partial indexes that keep the sweep and "overdue"/"due soon" filters cheap."""
    open_statuses = ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)
    return (
        partial_index(
            f"ix_{table}_due_at_open", "due_at", where=f"deadline_status IN ({open_statuses})"
        ),
        partial_index(
            f"ix_{table}_warn_at_running", "warn_at", where="deadline_status = 'running'"
        ),
    )
