"""The supervision plans list as a file (CSV, XLSX): the rows ``GET /api/v1/oversight/plans``
gives for the same filters, in the caller's scope (``list_plans``: the plans the viewer may
see), newest first, as list rows (``views.plan_summary``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.exports import Cell, Column, ColumnKind, DirectoryNames, ExportList, Page
from service.i18n import label
from service.oversight import service as oversight
from service.oversight import views
from service.oversight.models import PlanForm, PlanState
from service.oversight.schemas import PlanSummary
from service.settings import Settings

COLUMNS = (
    Column("export.col.plan_code"),
    Column("export.col.subject", width=48),
    Column("export.col.plan_form", width=28),
    Column("export.col.unit", width=22),
    Column("export.col.period_start", ColumnKind.date),
    Column("export.col.period_end", ColumnKind.date),
    Column("export.col.plan_state"),
    Column("export.col.created", ColumnKind.date),
)


@dataclass(frozen=True)
class PlanFilter:
    """The plans list's filters (the list's and its file's)."""

    states: list[PlanState] = field(default_factory=list)
    unit_code: str | None = None
    form: PlanForm | None = None


def cells(row: PlanSummary, names: DirectoryNames, locale: str) -> Sequence[Cell]:
    return (
        row.code,
        row.subject,
        label(row.form, locale),
        names.unit(row.unit_code),
        row.period_start,
        row.period_end,
        label(row.state, locale),
        row.created_at,
    )


def plan_export(
    settings: Settings, viewer: StaffPrincipal, filters: PlanFilter, locale: str
) -> ExportList:
    names = DirectoryNames.lazy()

    async def fetch(session: AsyncSession, cursor: str | None) -> Page:
        directory = await names.get(session)
        rows, next_cursor = await oversight.list_plans(
            session,
            viewer,
            states=filters.states or None,
            unit_code=filters.unit_code,
            form=filters.form,
            cursor=cursor,
            limit=settings.export_page_rows,
        )
        shaped = [views.plan_summary(plan) for plan in rows]
        return [cells(row, directory, locale) for row in shaped], next_cursor

    return ExportList(
        name="ke-hoach-giam-sat", title="export.plans.title", columns=COLUMNS, fetch=fetch
    )
