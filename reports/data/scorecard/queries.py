"""The SQL of the agency scorecard beyond replies' own `agency_scorecards`: the agency's
referrals of the period by kind, by state and by month, the recommendations referred to it,
and the open or overdue list of the appendix (streamed; codes, places, dates, states only)."""

from __future__ import annotations

import sqlalchemy as sa

from reports.data.common import LIVE_CLOCKS as LIVE

OPEN_REFERRAL = "('sent', 'acknowledged', 'answer_submitted', 'answer_accepted', 'disputed')"

BY_KIND = sa.text(
    """
SELECT item_kind, count(*) AS received,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE answered_at <= answer_due_at) AS answered_on_time
  FROM referral
 WHERE agency_id = :agency AND created_at >= :start AND created_at < :end
 GROUP BY item_kind
"""
)

BY_STATE = sa.text(
    """
SELECT state, count(*) AS n FROM referral
 WHERE agency_id = :agency AND created_at >= :start AND created_at < :end
 GROUP BY state
"""
)

# By month of receipt: the received and, of those, the answered (both sum to Bảng 1).
MONTHLY = sa.text(
    """
SELECT date_trunc('month', created_at AT TIME ZONE :tz)::date AS month,
       count(*) AS received,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered
  FROM referral
 WHERE agency_id = :agency AND created_at >= :start AND created_at < :end
 GROUP BY 1
"""
)

# The recommendations after supervision referred to the agency in the period: one row per
# referral, as Bảng 2 counts them (a recommendation declined and re-issued elsewhere stays
# in the first agency's list, marked as returned).
REFERRED_RECOMMENDATIONS = sa.text(
    """
SELECT sp.code AS plan_code, rec.title, r.due_at, r.state AS referral_state,
       rec.state AS recommendation_state
  FROM referral r
  JOIN supervision_recommendation rec ON rec.id = r.item_id
  JOIN supervision_plan sp ON sp.id = rec.plan_id
 WHERE r.item_type = 'recommendation' AND r.agency_id = :agency
   AND r.created_at >= :start AND r.created_at < :end
 ORDER BY r.created_at, r.id
"""
)

OPEN_FILTER = f"""
  FROM referral r
 WHERE r.agency_id = :agency AND r.created_at >= :start AND r.created_at < :end
   AND r.item_kind <> 'denunciation'
   AND (r.state IN {OPEN_REFERRAL}
        OR (r.deadline_status IN {LIVE} AND r.due_at <= :now))
"""

OPEN_COUNT = sa.text("SELECT count(*)" + OPEN_FILTER)

OPEN_ROWS = sa.text(
    f"""
SELECT row_number() OVER (ORDER BY (r.deadline_status IN {LIVE} AND r.due_at <= :now) DESC,
                                   r.due_at NULLS LAST, r.created_at, r.id) AS number,
       r.item_kind, coalesce(p.tracking_code, sp.code) AS code, u.name AS unit,
       r.created_at, r.due_at, r.state,
       (r.deadline_status IN {LIVE} AND r.due_at <= :now) AS is_overdue
"""
    + OPEN_FILTER.replace(
        "  FROM referral r\n",
        "  FROM referral r\n"
        "  JOIN admin_unit u ON u.code = r.unit_code\n"
        "  LEFT JOIN petition p ON r.item_type = 'petition' AND p.id = r.item_id\n"
        "  LEFT JOIN supervision_recommendation rec\n"
        "         ON r.item_type = 'recommendation' AND rec.id = r.item_id\n"
        "  LEFT JOIN supervision_plan sp ON sp.id = rec.plan_id\n",
    )
    + " ORDER BY 1"
)
