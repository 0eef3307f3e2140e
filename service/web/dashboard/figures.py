"""The dashboard's figures: each a chart drawn by ``reports/charts.py`` (the one chart module
of the printed reports and the screen) beside the same numbers as a table, for whoever does
not read a picture (screen readers, copying into a document).

The numbers are the API's: the petitions dashboard (``service.petitions.views.dashboard``,
the summary-backed counts of ``GET /petitions/dashboard``) for the whole period and for each
month of it, and the agency scorecards of ``GET /scorecards``
(``service.replies.views.scorecards_of_period``). Nothing is counted here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from reports.charts import SCREEN_TEXT_SCALE, SCREEN_WIDTH_MM, Series, bar_chart, line_chart
from reports.numbers import format_percent
from service.auth.principals import StaffPrincipal
from service.criticism import service as criticism
from service.directory import service as directory
from service.errors import NotFound
from service.i18n import label_code
from service.petitions import views as petitions
from service.petitions.models import PetitionKind
from service.petitions.schemas import CountRow, Dashboard
from service.reception import service as reception
from service.replies import views as replies
from service.replies.schemas import AgencyScorecardRead
from service.settings import Settings
from service.voters import service as voters
from service.voters.repository import SessionFigures

# The most bars in one chart: a chart of every ward of the city is unreadable; the table
# under it lists them all.
MAX_BARS = 12
# Up to this many months the series are monthly, beyond it yearly.
MAX_MONTHS = 24

Translate = Callable[..., str]
PCT3 = frozenset({3})  # the fourth column holds percentages


@dataclass(frozen=True)
class Figure:
    """One chart and its numbers; ``percent`` are the columns holding percentages."""

    key: str
    title: str
    svg: Markup | None  # None: nothing to draw in this period
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    percent: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Overview:
    """The figures of one dashboard, and its headline numbers."""

    total: Dashboard
    figures: list[Figure]
    # The Front's other duties in the period: online reception (booked, received, no-show,
    # cancelled, petitions) and voter meetings (meetings, voters, opinions, recommendations).
    reception: dict[str, int] = field(default_factory=dict)
    voters: SessionFigures | None = None


def periods_of(first: date, last: date, zone: ZoneInfo) -> list[Period]:
    """The months (or, past ``MAX_MONTHS``, the years) of the local days first..last."""
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    starts: list[date] = []
    if months <= MAX_MONTHS:
        day = first.replace(day=1)
        while day <= last:
            starts.append(day)
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    else:
        starts = [date(year, 1, 1) for year in range(first.year, last.year + 1)]
    after_last = last + timedelta(days=1)
    ends = [*starts[1:], after_last]
    result = []
    for start, end in zip(starts, ends, strict=True):
        label = f"{start.month:02d}/{start.year}" if months <= MAX_MONTHS else str(start.year)
        result.append(
            Period(
                label=label,
                start=datetime.combine(max(start, first), time(0), tzinfo=zone),
                end=datetime.combine(end, time(0), tzinfo=zone),
            )
        )
    return result


def _bars(
    key: str,
    code: str,
    rows: Sequence[tuple[str, float]],
    columns: tuple[str, str],
    t: Translate,
    *,
    percent: bool = False,
) -> Figure:
    """A horizontal bar chart of the first ``MAX_BARS`` rows (the table has them all),
    titled and described by ``web.dashboard.<code>`` and ``.desc``."""
    title = t(f"web.dashboard.{code}")
    shown = list(rows[:MAX_BARS])
    svg = None
    if shown:
        svg = bar_chart(
            title,
            [name for name, _ in shown],
            [Series(columns[1], [value for _, value in shown])],
            value_text=(lambda value: format_percent(value)) if percent else None,
            width_mm=SCREEN_WIDTH_MM,
            text_scale=SCREEN_TEXT_SCALE,
            description=t(f"web.dashboard.{code}.desc"),
        )
    return Figure(
        key=key,
        title=title,
        svg=svg,
        columns=columns,
        rows=[(name, value) for name, value in rows],
        percent=frozenset({1}) if percent else frozenset(),
    )


def _kinds(rows: list[CountRow], t: Translate) -> list[tuple[str, float]]:
    return [(t(PetitionKind(row.key)), row.count) for row in rows if row.key]


def _named(rows: list[CountRow], names: dict[str, str], unknown: str) -> list[tuple[str, float]]:
    return [(names.get(str(row.key), unknown) if row.key else unknown, row.count) for row in rows]


async def _unit_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    """The names of the units ``codes``: the city's in one read, any other by its code."""
    names = {unit.code: unit.name for unit in await directory.city_wards(session)}
    for code in sorted(codes - names.keys()):
        try:
            names[code] = (await directory.get_unit(session, code)).name
        except NotFound:
            continue  # named "unknown"
    return names


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


async def overview(
    session: AsyncSession,
    settings: Settings,
    viewer: StaffPrincipal,
    *,
    first: date,
    last: date,
    unit_code: str | None,
    t: Translate,
) -> Overview:
    """Every figure of the dashboard of ``viewer`` for local days first..last (and a ward)."""
    zone = ZoneInfo(settings.timezone)
    periods = periods_of(first, last, zone)
    whole = Period("", periods[0].start, periods[-1].end)

    async def counts(period: Period) -> Dashboard:
        filters = petitions.PetitionFilter(
            unit_code=unit_code, created_from=period.start, created_to=period.end
        )
        return await petitions.dashboard(session, viewer, filters)

    total = await counts(whole)
    by_period = [await counts(period) for period in periods]
    cards = await replies.scorecards_of_period(
        session, settings, viewer, first=first, last=last, unit_code=unit_code
    )
    categories = {c.code: c.name_vi for c in await directory.list_categories(session)}
    units = await _unit_names(session, {str(row.key) for row in total.by_unit if row.key})
    unknown = t("web.dashboard.unknown")
    kinds = list(PetitionKind)
    overdue = sorted(
        ((c.agency_name, float(c.overdue_now)) for c in cards.agencies if c.overdue_now),
        key=lambda row: -row[1],
    )
    outcomes = await criticism.point_outcomes(
        session, viewer, start=whole.start, end=whole.end, unit_code=unit_code
    )
    criticism_rows = [(t(label_code(state)), float(n)) for state, n in outcomes]
    # (key, catalogue code, rows, column of the names, column of the values)
    bars: list[tuple[str, str, Sequence[tuple[str, float]], str, str]] = [
        ("kind", "by_kind", _kinds(total.by_kind, t), "col.kind", "col.count"),
        (
            "category",
            "by_category",
            _named(total.by_category, categories, unknown),
            "col.category",
            "col.count",
        ),
        ("unit", "by_unit", _named(total.by_unit, units, unknown), "col.unit", "col.count"),
        ("overdue", "overdue_by_agency", overdue, "col.agency", "col.overdue"),
        ("criticism", "criticism_points", criticism_rows, "col.outcome", "col.count"),
    ]
    figures = [
        _over_time(periods, by_period, kinds, t),
        _on_time(periods, by_period, t),
        *(
            _bars(key, code, rows, (t(f"web.dashboard.{names}"), t(f"web.dashboard.{values}")), t)
            for key, code, rows, names, values in bars
        ),
        _scorecards(cards.agencies, t),
    ]
    return Overview(
        total=total,
        figures=figures,
        reception=await reception.period_stats(session, unit_code, first, last, settings.timezone),
        voters=await voters.period_figures(session, unit_code, first, last),
    )


def _lines(
    key: str,
    code: str,
    labels: list[str],
    series: list[Series],
    table: tuple[tuple[str, ...], list[tuple[Any, ...]]],
    t: Translate,
    *,
    empty: bool,
    percent: frozenset[int] = frozenset(),
) -> Figure:
    """A line chart titled and described by ``web.dashboard.<code>`` and ``.desc`` (none
    when ``empty``), and its table: (columns, rows)."""
    title = t(f"web.dashboard.{code}")
    svg = None
    if not empty:
        svg = line_chart(
            title,
            labels,
            series,
            value_text=format_percent if percent else None,
            width_mm=SCREEN_WIDTH_MM,
            text_scale=SCREEN_TEXT_SCALE,
            description=t(f"web.dashboard.{code}.desc"),
        )
    columns, rows = table
    return Figure(key=key, title=title, svg=svg, columns=columns, rows=rows, percent=percent)


def _over_time(
    periods: list[Period], counts: list[Dashboard], kinds: list[PetitionKind], t: Translate
) -> Figure:
    by_kind = [{row.key: row.count for row in one.by_kind if row.key is not None} for one in counts]
    series = [Series(t(kind), [float(one.get(kind.value, 0)) for one in by_kind]) for kind in kinds]
    columns = (t("web.dashboard.col.period"), *map(t, kinds), t("web.dashboard.col.total"))
    rows = [
        (period.label, *(one.get(kind.value, 0) for kind in kinds), total.total)
        for period, one, total in zip(periods, by_kind, counts, strict=True)
    ]
    labels = [period.label for period in periods]
    empty = not any(one.total for one in counts)
    return _lines("time", "over_time", labels, series, (columns, rows), t, empty=empty)


def _on_time(periods: list[Period], counts: list[Dashboard], t: Translate) -> Figure:
    """The share of petitions the Front decided (referred or rejected) within the routing
    deadline, by month: only the months with a decision are drawn (no rate is not 0%)."""
    rows = [
        (period.label, one.routed, one.routed_on_time, _rate(one.on_time_rate))
        for period, one in zip(periods, counts, strict=True)
    ]
    drawn = [(label, rate) for label, _, _, rate in rows if rate is not None]
    series = [Series(t("web.dashboard.col.on_time_rate"), [rate for _, rate in drawn])]
    columns = tuple(
        t(f"web.dashboard.col.{name}")
        for name in ("period", "decided", "decided_on_time", "on_time_rate")
    )
    labels = [label for label, _ in drawn]
    table = (columns, rows)
    return _lines("on-time", "on_time", labels, series, table, t, empty=not drawn, percent=PCT3)


def _scorecards(cards: list[AgencyScorecardRead], t: Translate) -> Figure:
    rated = [(c.agency_name, _rate(c.answered_on_time_rate)) for c in cards]
    drawn = sorted(((name, rate) for name, rate in rated if rate is not None), key=lambda r: r[1])
    columns = (t("web.dashboard.col.agency"), t("web.dashboard.col.answered_on_time_rate"))
    figure = _bars("scorecards", "scorecards", drawn, columns, t, percent=True)
    return Figure(
        key=figure.key,
        title=figure.title,
        svg=figure.svg,
        columns=(
            t("web.dashboard.col.agency"),
            t("web.dashboard.col.received"),
            t("web.dashboard.col.answered"),
            t("web.dashboard.col.answered_on_time_rate"),
            t("web.dashboard.col.median_days"),
            t("web.dashboard.col.overdue"),
            t("web.dashboard.col.satisfaction_rate"),
        ),
        rows=[
            (
                c.agency_name,
                c.received,
                c.answered,
                _rate(c.answered_on_time_rate),
                c.median_working_days_to_answer,
                c.overdue_now,
                _rate(c.satisfaction_rate),
            )
            for c in cards
        ],
        percent=frozenset({3, 6}),
    )
