"""The supervision plans list as a file (CSV, XLSX): the rows ``GET /api/v1/oversight/plans``
gives for the same filters, in the caller's scope (``list_plans``: the plans the viewer may
see), newest first, as list rows (``views.plan_summary``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.exports import ColumnKind, DirectoryNames, ExportList, Page
from service.exports.columns import Field, cells_of, columns_of
from service.i18n import label
from service.oversight import service as oversight
from service.oversight import views
from service.oversight.models import PlanForm, PlanState
from service.oversight.schemas import PlanSummary
from service.settings import Settings

FIELDS: tuple[Field[PlanSummary], ...] = (
    Field("export.col.plan_code", lambda row, names, locale: row.code),
    Field("export.col.subject", lambda row, names, locale: row.subject, width=48),
    Field("export.col.plan_form", lambda row, names, locale: label(row.form, locale), width=28),
    Field("export.col.unit", lambda row, names, locale: names.unit(row.unit_code), width=22),
    Field("export.col.period_start", lambda row, names, locale: row.period_start, ColumnKind.date),
    Field("export.col.period_end", lambda row, names, locale: row.period_end, ColumnKind.date),
    Field("export.col.plan_state", lambda row, names, locale: label(row.state, locale)),
    Field("export.col.created", lambda row, names, locale: row.created_at, ColumnKind.date),
)


@dataclass(frozen=True)
class PlanFilter:
    """The plans list's filters (the list's and its file's)."""

    states: list[PlanState] = field(default_factory=list)
    unit_code: str | None = None
    form: PlanForm | None = None


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
        return [cells_of(FIELDS, row, directory, locale) for row in shaped], next_cursor

    return ExportList(
        name="ke-hoach-giam-sat",
        title="export.plans.title",
        columns=columns_of(FIELDS),
        fetch=fetch,
    )
