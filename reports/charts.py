"""Bar and line charts as vector SVG, drawn inline by WeasyPrint.

Pure Python (no plotting library): a report is printed in black and white, so series are told
apart by fill pattern or grey level and by dash and marker shape, and every bar or point
carries its value as text. Every ``<text>`` names its font family, or WeasyPrint falls back to
DejaVu for it. Text is NFC-normalised and XML-escaped; the result is `Markup` to be placed in a
`reports.sections.Figure`.

Units inside the SVG are points (1/72 in), so font sizes read like the body's.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from reports.numbers import format_number

FONT_FAMILY = "'Times New Roman', 'Liberation Serif'"
PT_PER_MM = 72 / 25.4

TITLE_SIZE = 11.0
LABEL_SIZE = 9.0
VALUE_SIZE = 8.5
# On a screen: a chart drawn SCREEN_WIDTH_MM wide is shown at the width of its card (about
# 290 px on a 360 px phone, 0.9 of its size), its text enlarged so that the smallest (a bar's
# value, 8.5 pt) reads at 11 px there (6 px when drawn for paper); paper keeps the sizes above.
SCREEN_WIDTH_MM = 110.0
SCREEN_TEXT_SCALE = 1.4

# Fills for series 0..n, readable in greyscale: solid greys alternate with patterns.
_FILLS = ("#404040", "pattern:hatch", "#a6a6a6", "pattern:cross", "#e0e0e0", "pattern:dots")
_DASHES = ("", "6 3", "2 2", "8 3 2 3", "4 4", "1 3")
_MARKERS = ("circle", "square", "triangle", "diamond")


@dataclass(frozen=True)
class Series:
    """One named row of values, in the order of the chart's categories."""

    name: str
    values: Sequence[float]


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    horizontal: bool = True,
    axis_title: str | None = None,
    value_text: Callable[[float], str] | None = None,
    width_mm: float = 160.0,
    description: str | None = None,
    text_scale: float = 1.0,
) -> Markup:
    """Grouped bars, one group per category; horizontal bars suit long Vietnamese labels.
    ``description`` (for a screen) becomes the SVG's ``<title>``/``<desc>``: what a screen
    reader announces; paper has no use for it, so a report's chart stays as it was.
    ``text_scale`` enlarges every text (a chart on a screen is shrunk to a phone's width:
    :data:`SCREEN_TEXT_SCALE`); a report's charts keep 1."""
    _check(categories, series)
    chart = _Chart(title, series, width_mm, value_text, description, text_scale)
    if horizontal:
        chart.horizontal_bars(categories, axis_title)
    else:
        chart.vertical_bars(categories, axis_title)
    return chart.svg()


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    axis_title: str | None = None,
    value_text: Callable[[float], str] | None = None,
    width_mm: float = 160.0,
    height_mm: float = 80.0,
    description: str | None = None,
    text_scale: float = 1.0,
) -> Markup:
    """Lines over evenly spaced x labels (months, weeks), each with its own dash and marker;
    ``description`` and ``text_scale`` as for :func:`bar_chart`."""
    _check(x_labels, series)
    chart = _Chart(title, series, width_mm, value_text, description, text_scale)
    chart.lines(x_labels, axis_title, height_mm * PT_PER_MM)
    return chart.svg()


def nice_ticks(top_value: float, *, integers: bool, target: int = 5) -> list[float]:
    """Axis ticks from 0 on a 1-2-2.5-5 x 10^n step, covering ``top_value``."""
    top_value = max(top_value, 1.0 if integers else 1e-9)
    raw_step = top_value / target
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    if integers:
        step = max(1.0, float(math.ceil(step)))
    count = math.ceil(top_value / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def text_width(text: str, size: float) -> float:
    """Rough advance width in points for Times-like fonts (enough to lay out labels)."""
    width = 0.0
    for char in text:
        if char == " ":
            width += 0.25
        elif char.isdigit():
            width += 0.5
        elif char.isupper():
            width += 0.68
        elif char in ".,:;!|'il":
            width += 0.28
        else:
            width += 0.47
    return width * size


def wrap_text(text: str, max_width: float, size: float) -> list[str]:
    """Greedy word wrap by estimated width; a single over-long word stays on its own line."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines or [""]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _check(labels: Sequence[str], series: Sequence[Series]) -> None:
    if not labels:
        raise ValueError("a chart needs at least one category")
    if not series:
        raise ValueError("a chart needs at least one series")
    for one in series:
        if len(one.values) != len(labels):
            raise ValueError(f"series {one.name!r} has {len(one.values)} values for {len(labels)}")
        if any(value < 0 for value in one.values):
            raise ValueError("charts here draw counts and rates; negative values are not supported")


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


class _Chart:
    """Collects SVG elements for one chart; a fresh instance per chart."""

    def __init__(
        self,
        title: str,
        series: Sequence[Series],
        width_mm: float,
        value_text: Callable[[float], str] | None,
        description: str | None = None,
        text_scale: float = 1.0,
    ) -> None:
        self.title = _nfc(title)
        self.title_size = TITLE_SIZE * text_scale
        self.label_size = LABEL_SIZE * text_scale
        self.value_size = VALUE_SIZE * text_scale
        self.description = None if description is None else _nfc(description)
        self.series = [Series(_nfc(one.name), [float(v) for v in one.values]) for one in series]
        self.width = width_mm * PT_PER_MM
        self.height = 0.0
        self.parts: list[str] = []
        self.integers = all(float(v).is_integer() for one in series for v in one.values)
        self.value_text = value_text or self._default_value_text
        digest = hashlib.sha256(repr((title, [(s.name, list(s.values)) for s in series])).encode())
        self.uid = digest.hexdigest()[:10]

    def _default_value_text(self, value: float) -> str:
        return format_number(value, 0 if self.integers else 1)

    # -- primitives -------------------------------------------------------------------------

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        size: float | None = None,
        anchor: str = "start",
        bold: bool = False,
        italic: bool = False,
    ) -> None:
        weight = ' font-weight="bold"' if bold else ""
        style = ' font-style="italic"' if italic else ""
        size = self.label_size if size is None else size
        self.parts.append(
            f'<text x="{_num(x)}" y="{_num(y)}" font-family="{FONT_FAMILY}" '
            f'font-size="{_num(size)}" text-anchor="{anchor}" fill="#000000"{weight}{style}>'
            f"{escape(_nfc(content))}</text>"
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, **attrs: str) -> None:
        extra = "".join(f' {key.replace("_", "-")}="{escape(v)}"' for key, v in attrs.items())
        self.parts.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}"{extra}/>'
        )

    def fill(self, index: int) -> str:
        fill = _FILLS[index % len(_FILLS)]
        if fill.startswith("pattern:"):
            return f"url(#{fill.removeprefix('pattern:')}-{self.uid})"
        return fill

    def rect(self, x: float, y: float, width: float, height: float, index: int) -> None:
        self.parts.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(width)}" height="{_num(height)}" '
            f'fill="{self.fill(index)}" stroke="#000000" stroke-width="0.5"/>'
        )

    def title_and_legend(self, y: float, swatch: Callable[[float, float, int], None]) -> float:
        """Draw the title (and a legend when there are several series); return the next y."""
        for line in wrap_text(self.title, self.width - 20, self.title_size):
            y += self.title_size + 2
            self.text(self.width / 2, y, line, size=self.title_size, anchor="middle", bold=True)
        y += 6
        if len(self.series) > 1:
            x = 10.0
            y += self.label_size
            for index, one in enumerate(self.series):
                needed = 24 + text_width(one.name, self.label_size) + 14
                if x + needed > self.width - 10 and x > 10:
                    x = 10.0
                    y += self.label_size + 5
                swatch(x, y - self.label_size * 0.35, index)
                self.text(x + 24, y, one.name)
                x += needed
            y += 8
        return y

    def bar_swatch(self, x: float, y_mid: float, index: int) -> None:
        self.rect(x, y_mid - 4, 18, 8, index)

    def line_swatch(self, x: float, y_mid: float, index: int) -> None:
        self.polyline([(x, y_mid), (x + 18, y_mid)], index)
        self.marker(x + 9, y_mid, index)

    def polyline(self, points: Sequence[tuple[float, float]], index: int) -> None:
        dash = _DASHES[index % len(_DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        coords = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        self.parts.append(
            f'<polyline points="{coords}" fill="none" stroke="#000000" '
            f'stroke-width="1.2"{dash_attr}/>'
        )

    def marker(self, x: float, y: float, index: int) -> None:
        shape = _MARKERS[index % len(_MARKERS)]
        fill = "#000000" if (index // len(_MARKERS)) % 2 == 0 else "#ffffff"
        common = f'fill="{fill}" stroke="#000000" stroke-width="0.8"'
        if shape == "circle":
            self.parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2.6" {common}/>')
        elif shape == "square":
            self.parts.append(
                f'<rect x="{_num(x - 2.4)}" y="{_num(y - 2.4)}" width="4.8" height="4.8" {common}/>'
            )
        else:
            if shape == "triangle":
                points = [(x, y - 3.2), (x + 3, y + 2.4), (x - 3, y + 2.4)]
            else:
                points = [(x, y - 3.4), (x + 3.4, y), (x, y + 3.4), (x - 3.4, y)]
            coords = " ".join(f"{_num(px)},{_num(py)}" for px, py in points)
            self.parts.append(f'<polygon points="{coords}" {common}/>')

    # -- chart kinds ------------------------------------------------------------------------

    def _ticks(self) -> list[float]:
        top = max(max(one.values) for one in self.series)
        return nice_ticks(top, integers=self.integers)

    def _tick_text(self, tick: float) -> str:
        return format_number(tick, 0 if float(tick).is_integer() else 1)

    def horizontal_bars(self, categories: Sequence[str], axis_title: str | None) -> None:
        y = self.title_and_legend(0.0, self.bar_swatch)
        labels = [wrap_text(_nfc(c), self.width * 0.32, self.label_size) for c in categories]
        label_width = max(text_width(line, self.label_size) for lines in labels for line in lines)
        left = 10 + min(label_width, self.width * 0.32) + 6
        right = (
            self.width
            - 10
            - max(
                text_width(self.value_text(v), self.value_size)
                for one in self.series
                for v in one.values
            )
            - 6
        )
        ticks = self._ticks()
        scale = (right - left) / ticks[-1]
        bar = 11.0 if len(self.series) == 1 else 8.0
        top = y + 2
        band_heights = [
            max(bar * len(self.series), len(lines) * (self.label_size + 1)) + 7 for lines in labels
        ]
        bottom = top + sum(band_heights)
        for tick in ticks:
            x = left + tick * scale
            self.line(
                x, top, x, bottom, stroke="#b0b0b0", stroke_width="0.4", stroke_dasharray="2 2"
            )
            self.text(x, bottom + self.label_size + 3, self._tick_text(tick), anchor="middle")
        band_top = top
        for position, lines in enumerate(labels):
            band = band_heights[position]
            group_top = band_top + (band - bar * len(self.series)) / 2
            first_line = band_top + band / 2 - (len(lines) - 1) * (self.label_size + 1) / 2
            for number, line in enumerate(lines):
                self.text(
                    left - 6,
                    first_line + number * (self.label_size + 1) + self.label_size * 0.35,
                    line,
                    anchor="end",
                )
            for index, one in enumerate(self.series):
                value = one.values[position]
                bar_top = group_top + index * bar
                self.rect(left, bar_top, value * scale, bar - 1, index)
                self._value_label(
                    left + value * scale + 3, bar_top + bar / 2 + self.value_size * 0.3, value
                )
            band_top += band
        self._axes(left, right, top, bottom)
        self.height = bottom + self.label_size + 6
        if axis_title:
            self.height += self.label_size + 2
            self.text(
                (left + right) / 2, self.height, _nfc(axis_title), anchor="middle", italic=True
            )
        self.height += 6

    def _value_axis(self, left: float, right: float, top: float, bottom: float) -> float:
        ticks = self._ticks()
        scale = (bottom - top) / ticks[-1]
        for tick in ticks:
            y = bottom - tick * scale
            self.line(
                left, y, right, y, stroke="#b0b0b0", stroke_width="0.4", stroke_dasharray="2 2"
            )
            self.text(left - 4, y + self.label_size * 0.35, self._tick_text(tick), anchor="end")
        return scale

    def _axes(self, left: float, right: float, top: float, bottom: float) -> None:
        self.line(left, top, left, bottom, stroke="#000000", stroke_width="0.8")
        self.line(left, bottom, right, bottom, stroke="#000000", stroke_width="0.8")

    def _x_labels(
        self, labels: Sequence[str], centres: Sequence[float], band: float, bottom: float
    ) -> float:
        wrapped = [wrap_text(_nfc(label), band - 4, self.label_size) for label in labels]
        for centre, lines in zip(centres, wrapped, strict=True):
            for number, line in enumerate(lines):
                self.text(
                    centre, bottom + (number + 1) * (self.label_size + 1) + 2, line, anchor="middle"
                )
        return bottom + max(len(lines) for lines in wrapped) * (self.label_size + 1) + 6

    def _y_axis_left(self) -> float:
        ticks = self._ticks()
        return 10 + max(text_width(self._tick_text(t), self.label_size) for t in ticks) + 6

    def vertical_bars(self, categories: Sequence[str], axis_title: str | None) -> None:
        y = self.title_and_legend(0.0, self.bar_swatch)
        left = self._y_axis_left() + (self.label_size + 4 if axis_title else 0)
        right = self.width - 10
        top = y + self.value_size + 4
        bottom = top + 150
        scale = self._value_axis(left, right, top, bottom)
        band = (right - left) / len(categories)
        bar = min(28.0, band * 0.8 / len(self.series))
        centres = []
        for position in range(len(categories)):
            centre = left + band * (position + 0.5)
            centres.append(centre)
            group_left = centre - bar * len(self.series) / 2
            for index, one in enumerate(self.series):
                value = one.values[position]
                x = group_left + index * bar
                self.rect(x, bottom - value * scale, bar - 1, value * scale, index)
                self._value_label(x + bar / 2, bottom - value * scale - 2, value, anchor="middle")
        self._close_vertical(categories, centres, band, (left, right, top, bottom), axis_title)

    def _value_label(self, x: float, y: float, value: float, anchor: str = "start") -> None:
        """A bar's or a point's value, in the chart's number format."""
        self.text(x, y, self.value_text(value), size=self.value_size, anchor=anchor)

    def _close_vertical(
        self,
        labels: Sequence[str],
        centres: Sequence[float],
        band: float,
        box: tuple[float, float, float, float],
        axis_title: str | None,
    ) -> None:
        """The axes of a chart with vertical values, its labels under them (which give the
        chart its height) and the value axis's title. ``box`` is (left, right, top, bottom)."""
        left, right, top, bottom = box
        self._axes(left, right, top, bottom)
        self.height = self._x_labels(labels, centres, band, bottom)
        if axis_title:
            self._vertical_axis_title(axis_title, (top + bottom) / 2)

    def _vertical_axis_title(self, axis_title: str, middle: float) -> None:
        x = 10 + self.label_size
        self.parts.append(
            f'<text transform="translate({_num(x)},{_num(middle)}) rotate(-90)" '
            f'font-family="{FONT_FAMILY}" font-size="{_num(self.label_size)}" text-anchor="middle" '
            f'font-style="italic" fill="#000000">{escape(_nfc(axis_title))}</text>'
        )

    def lines(self, x_labels: Sequence[str], axis_title: str | None, height: float) -> None:
        y = self.title_and_legend(0.0, self.line_swatch)
        left = self._y_axis_left() + (self.label_size + 4 if axis_title else 0)
        right = self.width - 14
        top = y + self.value_size + 4
        bottom = max(top + 80, height - 2 * (self.label_size + 1) - 8)
        scale = self._value_axis(left, right, top, bottom)
        band = (right - left) / len(x_labels)
        centres = [left + band * (i + 0.5) for i in range(len(x_labels))]
        label_points = len(x_labels) <= 14
        for index, one in enumerate(self.series):
            points = [(x, bottom - v * scale) for x, v in zip(centres, one.values, strict=True)]
            self.polyline(points, index)
            for position, ((x, point_y), value) in enumerate(zip(points, one.values, strict=True)):
                self.marker(x, point_y, index)
                if label_points:
                    # The highest series at a point is labelled above it, the others below,
                    # so two lines that meet keep their labels apart.
                    highest = max(other.values[position] for other in self.series)
                    below = value < highest or (value == highest and index > 0)
                    offset = self.value_size + 4 if below else -5
                    self._value_label(x, point_y + offset, value, anchor="middle")
        self._close_vertical(x_labels, centres, band, (left, right, top, bottom), axis_title)

    def svg(self) -> Markup:
        width, height = _num(self.width), _num(self.height)
        defs = (
            f'<defs><pattern id="hatch-{self.uid}" patternUnits="userSpaceOnUse" width="4" '
            f'height="4"><rect width="4" height="4" fill="#ffffff"/>'
            f'<path d="M-1,1 L1,-1 M0,4 L4,0 M3,5 L5,3" stroke="#000000" stroke-width="0.7"/>'
            f'</pattern><pattern id="cross-{self.uid}" patternUnits="userSpaceOnUse" width="4" '
            f'height="4"><rect width="4" height="4" fill="#ffffff"/>'
            f'<path d="M0,2 L4,2 M2,0 L2,4" stroke="#000000" stroke-width="0.6"/></pattern>'
            f'<pattern id="dots-{self.uid}" patternUnits="userSpaceOnUse" width="4" height="4">'
            f'<rect width="4" height="4" fill="#ffffff"/>'
            f'<circle cx="2" cy="2" r="0.8" fill="#000000"/></pattern></defs>'
        )
        if self.description is None:
            label, head = f'aria-label="{escape(self.title)}"', ""
        else:
            # On a screen the title and the description are the SVG's own elements, named
            # by aria-labelledby/aria-describedby (ids unique per chart: several on a page).
            label = f'aria-labelledby="title-{self.uid}" aria-describedby="desc-{self.uid}"'
            head = (
                f'<title id="title-{self.uid}">{escape(self.title)}</title>'
                f'<desc id="desc-{self.uid}">{escape(self.description)}</desc>'
            )
        return Markup(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}pt" height="{height}pt" '
            f'viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}" role="img" '
            f"{label}>{head}{defs}{''.join(self.parts)}</svg>"
        )
