"""Routes: the agency inbox and actions, the Front's review and decisions, the public feed
of answers and the agency scorecards.

Every route that changes a referral's state is a generated action (``actions.py``): it needs
``If-Match`` with the ETag of the referral as last read (428 without it, 412 when stale);
responses about one referral carry its ETag. An attachment upload (``agency.py``) changes no
state and takes no ``If-Match``: a long upload must not hold the referral's lock.
"""

from service.replies.controllers.actions import action_routes
from service.replies.controllers.agency import AgencyReferralController
from service.replies.controllers.front import FrontReferralController
from service.replies.controllers.public import PublicAnswerController, ScorecardController

controllers = [
    AgencyReferralController,
    FrontReferralController,
    PublicAnswerController,
    ScorecardController,
    *action_routes,
]
