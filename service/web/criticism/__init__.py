"""``/console/drafts``: social criticism of drafts (``service.criticism``): the drafts of the
officer's area, one page per draft with its opinions (public comments moderated there), the
points of the criticism and the workflow's actions (the API's routes, as forms)."""

from service.web.criticism.drafts import DraftPagesController, draft_action, opinion_action

controllers = [DraftPagesController, draft_action, opinion_action]
