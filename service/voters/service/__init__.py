"""The operations of the voters domain: sessions, meetings, opinions, minutes imports,
compilation into recommendations, referral to agencies and following the referral.

Who may do what (404 for what one may not see, as everywhere):
- a city-level Front officer (or an admin) sees and manages everything;
- a ward's Front officer sees the city's sessions and their ward's, records meetings and
  opinions in their ward only, and compiles and refers only for their ward's sessions
  (the city's compilation is the city Front's).
"""

from service.voters.service.common import (
    IMPORT_BATCH_ROWS,
    ITEM_TYPE,
    MAX_STORED_ERRORS,
    MERGEABLE,
    OPEN_STATES,
    PREVIEW_ROWS,
    REFERABLE,
    SAVE_IMPORT_JOB,
    _is_city,
    _require_manager,
    load_council_session,
    load_meeting,
    load_recommendation,
    manages_session,
    sees_session,
)
from service.voters.service.compilation import (
    apply_referral_event,
    create_recommendation,
    list_recommendations,
    merge_opinions,
    recommendation_actions,
    recommendation_reads,
    refer_recommendation,
    suggestions,
)
from service.voters.service.imports import (
    confirm_import,
    import_actions,
    import_read,
    load_import,
    preview_import,
    reject_import,
    save_import_batch,
)
from service.voters.service.meetings import (
    _check_evidence,
    add_opinion,
    attach_minutes,
    create_council_session,
    create_meeting,
    list_council_sessions,
    list_meeting_opinions,
    list_meetings,
    list_session_opinions,
    period_figures,
)

__all__ = [
    "IMPORT_BATCH_ROWS",
    "ITEM_TYPE",
    "MAX_STORED_ERRORS",
    "MERGEABLE",
    "OPEN_STATES",
    "PREVIEW_ROWS",
    "REFERABLE",
    "SAVE_IMPORT_JOB",
    "_check_evidence",
    "_is_city",
    "_require_manager",
    "add_opinion",
    "apply_referral_event",
    "attach_minutes",
    "confirm_import",
    "create_council_session",
    "create_meeting",
    "create_recommendation",
    "import_actions",
    "import_read",
    "list_council_sessions",
    "list_meeting_opinions",
    "list_meetings",
    "list_recommendations",
    "list_session_opinions",
    "load_council_session",
    "load_import",
    "load_meeting",
    "load_recommendation",
    "manages_session",
    "merge_opinions",
    "period_figures",
    "preview_import",
    "recommendation_actions",
    "recommendation_reads",
    "refer_recommendation",
    "reject_import",
    "save_import_batch",
    "sees_session",
    "suggestions",
]
