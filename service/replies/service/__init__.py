"""Referral operations: the rules of the agency -> Front -> citizen loop, by side.

- ``lifecycle``: create a referral (petitions, oversight) and cancel it;
- ``agency``: acknowledge or decline, draft and submit the answer, attachments, reveal;
- ``extensions``: ask for more time, approve or refuse;
- ``review``: return, accept and publish the answer (and the public feed's copy);
- ``disputes``: close, reopen, escalate;
- ``citizen``: the rating.

Every change goes through ``steps.begin`` and the ``Change.finish`` it returns. An operation
takes only the referral loaded visible and locked ``FOR UPDATE``: the HTTP actions' loader gives
it; a caller holding an id loads it first with ``load_for_change(session, referral_id, actor)``
(or ``lock_referral(session, referral_id)`` for the system: jobs, other packages). Other
packages import this package (``from service.replies import service as replies``); the
reads they use (``published_answer_for_item``, ``citizen_history``) are in ``views``.
"""

from service.replies.access import (
    Actor,
    actions_for,
    can_see,
    get_visible_referral,
    load_for_change,
    lock_referral,
    may_read_answer_text,
)
from service.replies.service.agency import (
    acknowledge,
    add_attachment,
    decline,
    reveal_item_identity,
    save_draft,
    submit_answer,
)
from service.replies.service.citizen import rate_answer
from service.replies.service.disputes import close_referral, escalate, reopen
from service.replies.service.extensions import decide_extension, request_extension
from service.replies.service.lifecycle import ReferredItem, cancel_referral, create_referral
from service.replies.service.review import (
    accept_answer,
    item_personal_data,
    publish_answer,
    return_answer,
    withdraw_from_public_feed,
)
from service.replies.service.steps import NOTIFY_JOB, emit, snapshot

__all__ = [
    "NOTIFY_JOB",
    "Actor",
    "ReferredItem",
    "accept_answer",
    "acknowledge",
    "actions_for",
    "add_attachment",
    "can_see",
    "cancel_referral",
    "close_referral",
    "create_referral",
    "decide_extension",
    "decline",
    "emit",
    "escalate",
    "get_visible_referral",
    "item_personal_data",
    "load_for_change",
    "lock_referral",
    "may_read_answer_text",
    "publish_answer",
    "rate_answer",
    "reopen",
    "request_extension",
    "return_answer",
    "reveal_item_identity",
    "save_draft",
    "snapshot",
    "submit_answer",
    "withdraw_from_public_feed",
]
