"""The SQL of the council report: one statement per count, all over one cohort (``COHORT``:
the petitions received in the period in the area, with two flags computed once).

Nothing here reads a column of ``petitioner``; the list of the appendix (``NOTABLE_ROWS``)
carries codes, classifications, places, dates and states only.
"""

from __future__ import annotations

import sqlalchemy as sa

from reports.data.common import LIVE_CLOCKS as LIVE

CLOSED_PETITION = "('rejected', 'closed', 'withdrawn', 'merged')"

NOTABLE_RAISED_BY = 3

# The cohort with two flags computed once: overdue now, escalated to the People's Council.
COHORT = f"""
WITH p AS (
  SELECT p.id, p.tracking_code, p.kind, p.category_code, p.unit_code, p.agency_id, p.status,
         p.created_at, p.answered_at, p.due_at, p.reopen_count, p.raised_by_count,
         p.merged_into_id,
         (p.status NOT IN {CLOSED_PETITION} AND (
             (p.deadline_status IN {LIVE} AND p.due_at <= :now)
             OR EXISTS (SELECT 1 FROM referral r
                         WHERE r.item_type = 'petition' AND r.item_id = p.id
                           AND r.deadline_status IN {LIVE} AND r.due_at <= :now)
         )) AS is_overdue,
         EXISTS (SELECT 1 FROM referral r
                  WHERE r.item_type = 'petition' AND r.item_id = p.id
                    AND r.escalated_to = 'council') AS to_council
    FROM petition p
   WHERE p.created_at >= :start AND p.created_at < :end
     AND (CAST(:unit AS text) IS NULL OR p.unit_code = CAST(:unit AS text))
)
"""

# The median of ``working_days_between(created_at, answered_at)`` without calling it per row
# (three sub-queries each: 12 s for the 240,000 answered petitions of a city year at 1M). The
# count is additive over local days: with n(d) = working days in (epoch, d], a span (lo, hi]
# has n(hi) - n(lo) (negative when hi < lo, as the function). So n is taken once per distinct
# local day of the cohort, at local noon, in the zone the function itself reads.
ANSWER_SPANS = """
, zone AS (
  SELECT coalesce((SELECT timezone FROM office_hours WHERE id = 1), 'Asia/Ho_Chi_Minh') AS tz
), spans AS (
  SELECT (p.created_at AT TIME ZONE zone.tz)::date AS lo,
         (p.answered_at AT TIME ZONE zone.tz)::date AS hi
    FROM p, zone
   WHERE p.answered_at IS NOT NULL
), day_number AS (
  SELECT d.day,
         working_days_between(TIMESTAMPTZ '2000-01-01 12:00+00',
                              (d.day + TIME '12:00') AT TIME ZONE zone.tz) AS n
    FROM (SELECT lo AS day FROM spans UNION SELECT hi FROM spans) d, zone
)
"""
MEDIAN_WORKING_DAYS = """(
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY h.n - l.n)
    FROM spans s
    JOIN day_number l ON l.day = s.lo
    JOIN day_number h ON h.day = s.hi
)"""

TOTALS = sa.text(
    COHORT
    + ANSWER_SPANS
    + f"""
SELECT count(*) AS received,
       count(*) FILTER (WHERE status <> 'merged') AS issues,
       count(*) FILTER (WHERE status = 'merged') AS merged,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE status = 'rejected') AS rejected,
       count(*) FILTER (WHERE status = 'withdrawn') AS withdrawn,
       count(*) FILTER (WHERE status NOT IN {CLOSED_PETITION} AND answered_at IS NULL)
           AS unanswered_open,
       count(*) FILTER (WHERE is_overdue) AS overdue,
       count(*) FILTER (WHERE reopen_count > 0) AS reopened,
       count(*) FILTER (WHERE to_council) AS to_council,
       count(*) FILTER (WHERE kind = 'denunciation') AS denunciations,
       {MEDIAN_WORKING_DAYS} AS median_working_days
  FROM p
"""
)

BY_KIND = sa.text(
    COHORT
    + """
SELECT kind, count(*) AS received,
       count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE is_overdue) AS overdue
  FROM p GROUP BY kind
"""
)

BY_CATEGORY = sa.text(
    COHORT
    + """
SELECT c.name_vi AS name, count(*) AS received,
       count(*) FILTER (WHERE p.answered_at IS NOT NULL) AS answered
  FROM p JOIN petition_category c ON c.code = p.category_code
 GROUP BY c.code, c.name_vi, c.sort_order
 ORDER BY count(*) DESC, c.sort_order, c.name_vi
"""
)

BY_UNIT = sa.text(
    COHORT
    + """
SELECT u.name AS name, count(*) AS received,
       count(*) FILTER (WHERE p.answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE p.is_overdue) AS overdue
  FROM p JOIN admin_unit u ON u.code = p.unit_code
 GROUP BY u.code, u.name
 ORDER BY count(*) DESC, u.name
"""
)

BY_AGENCY = sa.text(
    COHORT
    + """
SELECT coalesce(a.name, 'Chưa chuyển cơ quan giải quyết') AS name, count(*) AS received,
       count(*) FILTER (WHERE p.answered_at IS NOT NULL) AS answered,
       count(*) FILTER (WHERE p.is_overdue) AS overdue
  FROM p LEFT JOIN agency a ON a.id = p.agency_id
 WHERE p.status <> 'merged'
 GROUP BY a.id, a.name
 ORDER BY (a.id IS NULL), count(*) DESC, a.name
"""
)

# The scorecards' cohort (replies.scorecards.SCORECARD_SQL), split by the kind of item.
REFERRALS_BY_ITEM = sa.text(
    """
SELECT r.item_type, count(*) AS n
  FROM referral r
 WHERE r.created_at >= :start AND r.created_at < :end
   AND (CAST(:unit AS text) IS NULL OR r.unit_code = CAST(:unit AS text))
 GROUP BY r.item_type
"""
)

# By month of receipt: the received and, of those, the answered (so both series sum to the
# page-1 figures, whenever the answers came).
MONTHLY = sa.text(
    COHORT
    + """
SELECT date_trunc('month', p.created_at AT TIME ZONE :tz)::date AS month,
       count(*) AS received,
       count(*) FILTER (WHERE p.answered_at IS NOT NULL) AS answered
  FROM p
 GROUP BY 1
"""
)

# Leads of merged-duplicate clusters touched by the period (the lead or a duplicate received
# in it). Denunciations never listed.
CLUSTER_FILTER = """
  FROM petition l
 WHERE l.status <> 'merged' AND l.raised_by_count > 1 AND l.kind <> 'denunciation'
   AND (CAST(:unit AS text) IS NULL OR l.unit_code = CAST(:unit AS text))
   AND ((l.created_at >= :start AND l.created_at < :end)
        OR EXISTS (SELECT 1 FROM petition d
                    WHERE d.merged_into_id = l.id
                      AND d.created_at >= :start AND d.created_at < :end))
"""

CLUSTER_TOTALS = sa.text(
    "SELECT count(*) AS clusters, coalesce(sum(l.raised_by_count), 0) AS people" + CLUSTER_FILTER
)

CLUSTERS = sa.text(
    """
SELECT l.id, l.tracking_code, l.title, l.consent_publish, c.name_vi AS category, u.name AS unit,
       l.raised_by_count, l.status, a.name AS agency
"""
    + CLUSTER_FILTER.replace(
        "  FROM petition l\n",
        "  FROM petition l\n"
        "  JOIN petition_category c ON c.code = l.category_code\n"
        "  JOIN admin_unit u ON u.code = l.unit_code\n"
        "  LEFT JOIN agency a ON a.id = l.agency_id\n",
    )
    + " ORDER BY l.raised_by_count DESC, l.created_at, l.id LIMIT :limit"
)

NOTABLE_FILTER = f"""
   AND p.kind <> 'denunciation' AND p.status <> 'merged'
   AND (p.is_overdue OR p.reopen_count > 0 OR p.to_council
        OR p.raised_by_count >= {NOTABLE_RAISED_BY})
"""

NOTABLE_COUNT = sa.text(COHORT + "SELECT count(*) FROM p WHERE true" + NOTABLE_FILTER)

# No personal data and no free text: codes, classifications, places, dates and states.
NOTABLE_ROWS = sa.text(
    COHORT
    + f"""
SELECT row_number() OVER (ORDER BY p.is_overdue DESC, coalesce(r.due_at, p.due_at) NULLS LAST,
                                   p.created_at, p.id) AS number,
       p.tracking_code, p.kind, c.name_vi AS category, u.name AS unit, a.name AS agency,
       p.created_at, coalesce(r.due_at, p.due_at) AS due_at, p.status,
       p.is_overdue, p.reopen_count, p.to_council, p.raised_by_count
  FROM p
  JOIN petition_category c ON c.code = p.category_code
  JOIN admin_unit u ON u.code = p.unit_code
  LEFT JOIN agency a ON a.id = p.agency_id
  LEFT JOIN LATERAL (
      SELECT r.due_at FROM referral r
       WHERE r.item_type = 'petition' AND r.item_id = p.id AND r.deadline_status IN {LIVE}
       ORDER BY r.created_at DESC LIMIT 1
  ) r ON true
 WHERE true
{NOTABLE_FILTER}
 ORDER BY 1
"""
)

# The plans of the area active in the period, with what happened in it.
PLANS = sa.text(
    """
WITH sp AS (
  SELECT sp.id, sp.code, sp.subject, sp.state, sp.period_start, sp.period_end,
         (SELECT count(*) FROM supervision_session s
           WHERE s.plan_id = sp.id AND s.opened_at >= :start AND s.opened_at < :end)
           AS sessions,
         (SELECT count(*) FROM supervision_recommendation rec
           WHERE rec.plan_id = sp.id AND rec.issued_at >= :start AND rec.issued_at < :end)
           AS recommendations
    FROM supervision_plan sp
   WHERE sp.state <> 'draft'
     AND (CAST(:unit AS text) IS NULL OR sp.unit_code = CAST(:unit AS text))
)
SELECT code, subject, state, sessions, recommendations
  FROM sp
 WHERE (period_start <= :last AND period_end >= :first) OR sessions > 0 OR recommendations > 0
 ORDER BY period_start, code
"""
)

# Follow-up of every recommendation issued so far in the area (whenever issued): its state
# now, and whether it is past due without an answer.
RECOMMENDATION_STATES = sa.text(
    """
SELECT rec.state, count(*) AS n,
       count(*) FILTER (WHERE rec.state IN ('issued', 'acknowledged', 'overdue')
                          AND rec.due_at <= :now) AS overdue
  FROM supervision_recommendation rec JOIN supervision_plan sp ON sp.id = rec.plan_id
 WHERE rec.issued_at IS NOT NULL AND rec.issued_at < :end
   AND (CAST(:unit AS text) IS NULL OR sp.unit_code = CAST(:unit AS text))
 GROUP BY rec.state
"""
)
