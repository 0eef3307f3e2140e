"""What the petition page shows, gathered from the services the API's staff routes call:
``views.detail`` (the petition as ``GET /petitions/{id}`` answers it, a denouncer's identity
removed from its texts), ``views.history_entries`` (``.../history``), the working calendar
for the deadline clock, and the directory's names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, get_args

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.deadlines.models import DeadlineStatus, Urgency
from service.directory.cache import reference_cache
from service.i18n import Message, has, label_code, translate
from service.petitions import access, views
from service.petitions.models import DenouncedPosition, Petition, PetitionKind
from service.petitions.schemas import (
    HistoryEntry,
    PetitionDetail,
    PetitionerView,
    RejectRequest,
)
from service.petitions.triage import TRIAGE_STATES
from service.petitions.workflow import Action
from service.settings import Settings
from service.web.pages import Form, HTMXTemplate, render
from service.web.queue.forms import ACTION_FORMS
from service.web.queue.locator import locate
from service.web.queue.reference import (
    agency_options,
    category_options,
    enum_options,
    load_reference,
    unit_options,
)
from service.web.queue.thumbnails import previewable
from service.web.templating import page_locale

RUNNING = (DeadlineStatus.running, DeadlineStatus.due_soon, DeadlineStatus.overdue)
REJECT_REASONS = get_args(RejectRequest.model_fields["reason_code"].annotation)


@dataclass(frozen=True)
class Clock:
    """The routing step's deadline as the officer reads it: working days left (negative:
    overdue by that many), or paused / stopped / none."""

    state: DeadlineStatus
    due_at: datetime | None
    days_left: int | None


@dataclass
class Stale:
    """A decision sent against an older version: what the service said, and what happened
    since the page the officer decided on (the history after it)."""

    message: Message
    changes: list[HistoryEntry] = field(default_factory=list)


def event_label(action: str) -> str:
    """The catalogue code of a history entry's action."""
    if action in Action.__members__:
        return label_code(Action(action))
    code = f"web.queue.event.{action}"
    return code if has(code, "en") else "web.queue.event.other"


async def clock_of(session: AsyncSession, detail: PetitionDetail, now: datetime) -> Clock:
    state = DeadlineStatus(detail.deadline_status)
    if state not in RUNNING or detail.due_at is None:
        return Clock(state=state, due_at=detail.due_at, days_left=None)
    calendar = await reference_cache.calendar(session)
    return Clock(
        state=state,
        due_at=detail.due_at,
        days_left=calendar.working_days_between(now, detail.due_at),
    )


def changes_since(history: list[HistoryEntry], seen: str | None) -> list[HistoryEntry]:
    """The entries after ``seen`` (the page's ``updated_at``, as its form sent it back)."""
    try:
        moment = datetime.fromisoformat(seen or "")
    except ValueError:
        return history[-3:]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return [entry for entry in history if entry.at > moment]


async def petition_page(
    request: Request[StaffPrincipal, Any, Any],
    session: AsyncSession,
    settings: Settings,
    petition: Petition,
    *,
    status_code: int = 200,
    action: str | None = None,
    form: Form[Any] | None = None,
    stale: Stale | None = None,
    revealed: PetitionerView | None = None,
    reveal_form: Form[Any] | None = None,
    find_duplicates: bool = False,
) -> HTMXTemplate:
    """The page of ``petition``; ``action`` opens that action's form (``form``: as sent,
    with its errors)."""
    viewer = request.user
    detail = await views.detail(session, settings, petition, viewer)
    history = await views.history_entries(session, settings, petition)
    duplicates = detail.duplicate_suggestions
    if find_duplicates and access.may_triage(viewer):
        duplicates = await views.duplicate_candidates(session, settings, petition, viewer)
    reference = await load_reference(session, viewer, for_triage=True)
    locale = page_locale(request)
    available = [name for name in detail.allowed_actions if name in ACTION_FORMS]
    if access.may_triage(viewer) and petition.status in TRIAGE_STATES:
        available.append("reclassify")
    if action not in available:
        action = None
    confidential = detail.petitioner is not None and detail.petitioner.confidential
    if stale is not None:
        stale.changes = changes_since(history, request_seen(form))
    return render(
        request,
        "console/queue/petition.html",
        status_code=status_code,
        detail=detail,
        history=history,
        duplicates=duplicates,
        clock=await clock_of(session, detail, datetime.now(UTC)),
        locator=locate(detail.latitude, detail.longitude),
        reference=reference,
        actions=[ACTION_FORMS[name] for name in available if name != "merge"],
        may_merge="merge" in available,
        open_action=ACTION_FORMS[action] if action else None,
        form=form or Form(values={}),
        stale=stale,
        confidential=confidential,
        may_reveal=confidential and access.may_reveal_identity(viewer, petition),
        revealed=revealed,
        reveal_form=reveal_form or Form(values={}),
        may_download=access.may_download_evidence(viewer, petition),
        previewable=previewable,
        event_label=event_label,
        is_denunciation=petition.kind == PetitionKind.denunciation,
        choices={
            "kind": enum_options(PetitionKind, locale),
            "category": category_options(reference, locale),
            "unit_code": unit_options(reference),
            "urgency": enum_options(Urgency, locale),
            "agency": agency_options(reference),
            "denounced_position": enum_options(DenouncedPosition, locale),
            "reason_code": [(code, _reject_reason(code, locale)) for code in REJECT_REASONS],
        },
    )


def request_seen(form: Form[Any] | None) -> str | None:
    value = form.values.get("seen") if form is not None else None
    return value if isinstance(value, str) else None


def _reject_reason(code: str, locale: str) -> str:
    return translate(f"web.queue.reject.{code}", locale)
