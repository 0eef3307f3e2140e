"""Petition routes: intake by API clients, tracking by citizens, triage and views by staff.

- ``POST /petitions`` (API key with ``petitions:write``, ``Idempotency-Key`` header):
  :mod:`.intake`.
- ``/track/{code}...`` (no account: the tracking secret in ``X-Tracking-Secret``; failures
  rate-limited per IP and per code; unknown code and wrong secret are the same 404):
  :mod:`.tracking`.
- ``POST /notices/sms/inbound`` (API key with ``sms:inbound``: the SMS gateway): a citizen's
  reply; "STOP" stops the SMS notices of their petitions. :mod:`.inbound`.
- ``/petitions...`` for staff, scoped to their area (other wards' petitions are 404): reads
  and files in :mod:`.staff`, the triage actions declared once in :mod:`.triage`. Changes
  need ``If-Match`` with the ETag of the detail (428 without, 412 when stale).
"""

from __future__ import annotations

from typing import Any

from service.petitions.controllers.inbound import SmsInboundController
from service.petitions.controllers.intake import IntakeController
from service.petitions.controllers.staff import StaffPetitionController
from service.petitions.controllers.tracking import TrackingController
from service.petitions.controllers.triage import TRIAGE_ACTIONS

controllers: list[Any] = [
    IntakeController,
    TrackingController,
    StaffPetitionController,
    *TRIAGE_ACTIONS,
    SmsInboundController,
]
