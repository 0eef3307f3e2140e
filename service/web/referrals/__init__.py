"""The agency's inbox and the Front's review of answers: the console's pages over the
replies domain (``service.replies``), issue 12's "Agency officer" and "Front review".

* ``inbox`` — ``/console/inbox``: the agency officer's referrals and actions;
* ``review`` — ``/console/review``: the Front's answers to review, accept, return, publish;
* ``common`` — what both sides share: the list by due date, the referral page, and the one
  handler every action form posts to (the API's declared actions through
  ``service.http.actions.perform``).

No page shows who filed an item the law keeps confidential: the agency sees the item through
its provider (``agency_view``: a denouncer is ``{"confidential": true}`` and their details are
removed from the texts), and the Front's review pages show no item at all.
"""

from service.web.referrals.inbox import AgencyInboxController, agency_routes
from service.web.referrals.review import front_routes

controllers = [AgencyInboxController, *agency_routes, *front_routes]
