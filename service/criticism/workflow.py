"""The draft's state machine as data: the Front gathers opinions (opening the public
consultation when it decides), issues its criticism, and makes the outcome public."""

from enum import StrEnum

from service.criticism.models import DraftState
from service.workflow import Transition, Workflow


class DraftAction(StrEnum):
    open_consultation = "open_consultation"
    close_consultation = "close_consultation"
    issue = "issue"
    publish_outcome = "publish_outcome"


class Party(StrEnum):
    front = "front"  # a Front officer of the draft's unit (or of the city)


FRONT = frozenset({Party.front})
S, A = DraftState, DraftAction

DRAFT_WORKFLOW: Workflow[DraftState, DraftAction, Party] = Workflow(
    "criticism_draft",
    [
        Transition(S.gathering, A.open_consultation, S.consulting, FRONT),
        Transition(S.consulting, A.close_consultation, S.gathering, FRONT),
        Transition(S.gathering, A.issue, S.issued, FRONT),
        Transition(S.consulting, A.issue, S.issued, FRONT),
        Transition(S.issued, A.publish_outcome, S.published, FRONT),
    ],
)

# Opinions are entered and points written while the criticism is being prepared.
PREPARING = frozenset({DraftState.gathering, DraftState.consulting})
