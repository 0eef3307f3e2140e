"""The composition root: lists the domains whose wiring the process builds (their routes are
listed in ``service.app._api_routes``).

``create_app`` and the worker (``giamsat worker``) each call ``build_wiring(settings)`` once and
pass the result where it is needed (see ``service.kernel.wiring``). Each domain contributes
through one function of its own, ``<domain>/wiring.py: wire(builder, settings)``; adding a
domain is adding a line to ``DOMAINS``. Infrastructure (jobs, deadlines, the directory's
calendar, the referral event bus) never imports a domain: it reads the wiring.

The domains are imported when a wiring is built, never when this module is imported, so the
CLI (``service.cli``) stays fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from service.kernel.wiring import Contribution, Wiring, WiringBuilder
from service.settings import Settings

# Order matters only for event handlers of one event (they run in this order).
DOMAINS: tuple[str, ...] = (
    "service.jobs",
    "service.audit",
    "service.mail",
    "service.deadlines",
    "service.replies",
    "service.oversight",
    "service.petitions",
    "service.channels",
    "service.reception",
    "reports",
    "service.opendata",
    "service.criticism",
    "service.voters",
)


def build_wiring(
    settings: Settings,
    *,
    domains: Iterable[str] = DOMAINS,
    extra: Iterable[Contribution] = (),
) -> Wiring:
    """The wiring of ``domains`` (all of them by default), plus ``extra`` contributions (a
    test's recorder or stand-in), checked and frozen."""
    builder = WiringBuilder()
    for domain in domains:
        module = importlib.import_module(f"{domain}.wiring")
        module.wire(builder, settings)
    for contribute in extra:
        contribute(builder)
    return builder.build()
