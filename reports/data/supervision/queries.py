"""The SQL of the supervision report that oversight's read functions do not already give: the
counts of the session log, and the evidence and log lists of the appendices (streamed)."""

from __future__ import annotations

import sqlalchemy as sa

LOG_COUNTS = sa.text(
    """
SELECT e.session_id, e.kind, count(*) AS n
  FROM supervision_log_entry e JOIN supervision_session s ON s.id = e.session_id
 WHERE s.plan_id = :plan
 GROUP BY e.session_id, e.kind
"""
)

EVIDENCE_FILTER = """
  FROM supervision_evidence se JOIN evidence ev ON ev.id = se.evidence_id
 WHERE se.plan_id = :plan AND ev.status = 'stored'
"""

EVIDENCE_COUNT = sa.text("SELECT count(*)" + EVIDENCE_FILTER)

EVIDENCE_ROWS = sa.text(
    """
SELECT row_number() OVER (ORDER BY se.attached_at, ev.id) AS number, ev.original_name,
       ev.content_type, ev.size_bytes, ev.sha256, ev.captured_at, ev.uploaded_at,
       ev.withdrawn_at
"""
    + EVIDENCE_FILTER
    + " ORDER BY 1"
)

EVIDENCE_OBJECTS = sa.text(
    "SELECT ev.id, ev.original_name, ev.object_key, ev.sha256"
    + EVIDENCE_FILTER
    + " ORDER BY se.attached_at, ev.id"
)

LOG_FILTER = """
  FROM supervision_log_entry e JOIN supervision_session s ON s.id = e.session_id
 WHERE s.plan_id = :plan
"""

LOG_COUNT = sa.text("SELECT count(*)" + LOG_FILTER)

LOG_ROWS = sa.text(
    """
SELECT s.number AS session_number, e.seq, e.created_at, e.speaker_name,
       e.speaker_organisation, e.kind, e.text
"""
    + LOG_FILTER
    + " ORDER BY s.number, e.seq"
)
