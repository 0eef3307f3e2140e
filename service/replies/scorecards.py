"""Agency scorecards, computed in one SQL statement.

The period selects the referrals an agency RECEIVED in [start, end) (``created_at``); every
figure but ``overdue_now`` describes that cohort:

- ``received``; ``acknowledged`` and ``acknowledged_on_time`` (acknowledged by the acceptance
  deadline); ``answered`` and ``answered_on_time`` (the answer the Front accepted was
  submitted by the answer deadline, extensions included);
- ``median_working_days_to_answer``: median of working days from receipt to that
  submission, counted as the directory's SQL ``working_days_between`` counts them (the
  calendar data), from one running count of working days over the period's span;
- ``extensions`` granted; ``bounces`` (declined as not competent);
- ``published``, ``reopened`` (at least once) and ``reopen_rate`` = reopened / published;
- ``rated``, ``satisfied`` (latest rating) and ``satisfaction_rate`` = satisfied / rated.

``overdue_now`` counts the agency's referrals (whenever received) whose live clock is past
its deadline at ``now``. Rates are None when their denominator is 0. Agencies appear when
they received something in the period or have something overdue now.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from pydantic import ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import custom_plans, utcnow
from service.replies.schemas import ScorecardCounts

SCORECARD_SQL = sa.text(
    """
WITH settings AS (
    SELECT coalesce((SELECT weekdays FROM office_hours WHERE id = 1),
                    ARRAY[1, 2, 3, 4, 5]::smallint[]) AS weekdays,
           coalesce((SELECT timezone FROM office_hours WHERE id = 1),
                    'Asia/Ho_Chi_Minh') AS tz
), cohort AS (
    SELECT r.agency_id, r.acknowledged_at, r.acceptance_due_at, r.answered_at,
           r.answer_due_at, r.extensions, r.declined_at, r.published_at, r.reopen_count,
           r.satisfied,
           (r.created_at AT TIME ZONE s.tz)::date AS received_day,
           (r.answered_at AT TIME ZONE s.tz)::date AS answered_day
      FROM referral r, settings s
     WHERE r.created_at >= :start AND r.created_at < :end
       AND (CAST(:agency_id AS uuid) IS NULL OR r.agency_id = CAST(:agency_id AS uuid))
       AND (CAST(:unit_code AS text) IS NULL OR r.unit_code = CAST(:unit_code AS text))
), span AS (
    -- every day a receipt or an answer of the cohort can fall on: received from the
    -- period's first day, answered after receipt and by now
    SELECT (CAST(:start AS timestamptz) AT TIME ZONE s.tz)::date AS lo,
           (greatest(CAST(:end AS timestamptz), CAST(:now AS timestamptz)) AT TIME ZONE s.tz)::date
               AS hi
      FROM settings s
), working AS (
    -- n[k] = the working days in (span.lo, span.lo + k - 1], the days working_days_between
    -- counts (the weekly pattern, less holidays and days off on it, plus swapped working
    -- days): the working days from receipt to answer are n[answer] - n[receipt], two array
    -- look-ups instead of that function's three sub-queries for each of a year's 300,000
    -- answers.
    SELECT span.lo,
           array_agg(days.n ORDER BY days.day) AS n
      FROM span, LATERAL (
          SELECT g.day,
                 count(*) FILTER (
                     WHERE (extract(isodow FROM g.day)::smallint = ANY (s.weekdays)
                            AND c.kind IS DISTINCT FROM 'holiday'
                            AND c.kind IS DISTINCT FROM 'day_off')
                        OR c.kind = 'working_day'
                 ) OVER (ORDER BY g.day) AS n
            FROM settings s, generate_series(span.lo, span.hi, interval '1 day') AS g(day)
            LEFT JOIN calendar_day c ON c.day = g.day::date
      ) AS days
     GROUP BY span.lo
), per_agency AS (
    SELECT agency_id,
           count(*) AS received,
           count(*) FILTER (WHERE acknowledged_at IS NOT NULL) AS acknowledged,
           count(*) FILTER (WHERE acknowledged_at <= acceptance_due_at) AS acknowledged_on_time,
           count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
           count(*) FILTER (WHERE answered_at <= answer_due_at) AS answered_on_time,
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY w.n[answered_day - w.lo + 1] - w.n[received_day - w.lo + 1]
           ) AS median_working_days_to_answer,
           coalesce(sum(jsonb_array_length(extensions)), 0) AS extensions,
           count(*) FILTER (WHERE declined_at IS NOT NULL) AS bounces,
           count(*) FILTER (WHERE published_at IS NOT NULL) AS published,
           count(*) FILTER (WHERE reopen_count > 0) AS reopened,
           count(*) FILTER (WHERE satisfied IS NOT NULL) AS rated,
           count(*) FILTER (WHERE satisfied) AS satisfied
      FROM cohort, working w
     GROUP BY agency_id
), overdue AS (
    SELECT r.agency_id, count(*) AS overdue_now
      FROM referral r
     WHERE r.deadline_status IN ('running', 'due_soon', 'overdue')
       AND r.due_at <= :now
       AND (CAST(:agency_id AS uuid) IS NULL OR r.agency_id = CAST(:agency_id AS uuid))
       AND (CAST(:unit_code AS text) IS NULL OR r.unit_code = CAST(:unit_code AS text))
     GROUP BY r.agency_id
)
SELECT a.id AS agency_id, a.code AS agency_code, a.name AS agency_name,
       coalesce(p.received, 0) AS received,
       coalesce(p.acknowledged, 0) AS acknowledged,
       coalesce(p.acknowledged_on_time, 0) AS acknowledged_on_time,
       coalesce(p.answered, 0) AS answered,
       coalesce(p.answered_on_time, 0) AS answered_on_time,
       p.median_working_days_to_answer,
       coalesce(o.overdue_now, 0) AS overdue_now,
       coalesce(p.extensions, 0) AS extensions,
       coalesce(p.bounces, 0) AS bounces,
       coalesce(p.published, 0) AS published,
       coalesce(p.reopened, 0) AS reopened,
       coalesce(p.rated, 0) AS rated,
       coalesce(p.satisfied, 0) AS satisfied
  FROM agency a
  LEFT JOIN per_agency p ON p.agency_id = a.id
  LEFT JOIN overdue o ON o.agency_id = a.id
 WHERE p.agency_id IS NOT NULL OR o.agency_id IS NOT NULL
 ORDER BY a.name, a.id
"""
)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _rate_of(part: str, whole: str) -> Any:
    """A card's rate (``float | None``): count ``part`` over count ``whole``, to 4 places
    (None when ``whole`` is 0)."""
    return property(lambda card: _rate(getattr(card, part), getattr(card, whole)))


class AgencyScorecard(ScorecardCounts):
    """One agency's card as computed; the rates are derived from its counts."""

    model_config = ConfigDict(frozen=True)

    # Properties, not fields (ClassVar keeps pydantic from taking them for fields).
    acknowledged_on_time_rate: ClassVar[Any] = _rate_of("acknowledged_on_time", "acknowledged")
    answered_on_time_rate: ClassVar[Any] = _rate_of("answered_on_time", "answered")
    reopen_rate: ClassVar[Any] = _rate_of("reopened", "published")
    satisfaction_rate: ClassVar[Any] = _rate_of("satisfied", "rated")


async def agency_scorecards(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    agency_id: uuid.UUID | None = None,
    unit_code: str | None = None,
    now: datetime | None = None,
) -> list[AgencyScorecard]:
    """One scorecard per agency for referrals received in [start, end), ordered by name.
    ``unit_code`` restricts to referrals of one ward/commune (a ward officer's view)."""
    await custom_plans(session)  # a generic plan of this statement takes 30 times as long
    result = await session.execute(
        SCORECARD_SQL,
        {
            "start": start,
            "end": end,
            "now": now or utcnow(),
            "agency_id": agency_id,
            "unit_code": unit_code,
        },
    )
    cards = []
    for row in result.mappings():
        median = row["median_working_days_to_answer"]
        cards.append(
            AgencyScorecard(
                agency_id=row["agency_id"],
                agency_code=row["agency_code"],
                agency_name=row["agency_name"],
                received=int(row["received"]),
                acknowledged=int(row["acknowledged"]),
                acknowledged_on_time=int(row["acknowledged_on_time"]),
                answered=int(row["answered"]),
                answered_on_time=int(row["answered_on_time"]),
                median_working_days_to_answer=None if median is None else float(median),
                overdue_now=int(row["overdue_now"]),
                extensions=int(row["extensions"]),
                bounces=int(row["bounces"]),
                published=int(row["published"]),
                reopened=int(row["reopened"]),
                rated=int(row["rated"]),
                satisfied=int(row["satisfied"]),
            )
        )
    return cards
