"""The public portal's pages (no login), issue 12: each a view of the service the public API
calls.

* ``home`` — ``/``: this year's figures for the city and each ward, a chart, the latest
  published answers;
* ``answers`` — ``/tra-loi``: the published answers (search, filters, one page per answer),
  redacted as the public feed is;
* ``tracking`` — ``/tra-cuu``: follow a petition by code and secret, answer a question, add
  information, rate the answer;
* ``filing`` — ``/gui-kien-nghi``: file a petition (channel ``web``), with ``antibot``'s
  checks, and its receipt;
* ``verify`` — ``/xac-minh``: check a printed report by its code;
* ``announcements`` — ``/thong-bao``: the Front's announcements published to the portal
  (``service.channels``);
* ``reception`` — ``/tiep-cong-dan``: book an online reception, its receipt, cancel it
  (``service.reception``).
* ``consultation`` — ``/gop-y-du-thao``: the public consultation on drafts under social
  criticism (``service.criticism``), comments moderated, bot defences as for filing.
"""

from service.web.public.announcements import AnnouncementsController
from service.web.public.answers import AnswersController
from service.web.public.consultation import ConsultationController
from service.web.public.filing import FilingController
from service.web.public.home import HomeController
from service.web.public.reception import ReceptionPortalController
from service.web.public.tracking import TrackingController
from service.web.public.verify import VerifyController

controllers = [
    HomeController,
    AnswersController,
    AnnouncementsController,
    TrackingController,
    FilingController,
    VerifyController,
    ReceptionPortalController,
    ConsultationController,
]
