"""``/console/voter-meetings``: the voter meetings work of the Front in the console, as
views of ``service.voters.service`` (the API's operations, the same roles and ward rules):

* ``sessions`` — the council sessions and a new one; a session's meetings and a new one,
  compiling its opinions (the service's suggestions of similar ones shown) into a new or
  an existing recommendation, referring a recommendation to an agency, the minutes
  template;
* ``meetings`` — a meeting's opinions, typing one in, uploading the minutes spreadsheet;
  an import's preview (every row with its errors), confirming or rejecting it, and its
  progress while the job saves the rows;
* the session's compiled report and report back to voters (PDF): the API's own route
  (``reports.voters``) mounted under the console too, so the console's cookie reaches it
  (``/console/voter-meetings/sessions/<id>/documents/<kind>?signer_name=…``).
"""

from reports.voters import VoterDocumentController
from service.web.voters.meetings import VoterMeetingPages, import_action
from service.web.voters.sessions import VoterSessionPages, recommendation_action

controllers = [
    VoterSessionPages,
    VoterMeetingPages,
    import_action,
    recommendation_action,
    VoterDocumentController,
]
