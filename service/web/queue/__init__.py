"""The Front officer's section of the console (``/console/queue``, issue 12): the work queue
(:mod:`.listing`) and the petition page with its decisions (:mod:`.petition`, :mod:`.page`,
:mod:`.forms`), over the same petitions services as the API's staff and triage routes.
Templates: ``templates/console/queue/``."""

from service.web.queue.listing import QueueController
from service.web.queue.petition import PetitionPageController

controllers = [QueueController, PetitionPageController]
