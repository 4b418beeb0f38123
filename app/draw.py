"""Cheap drawing for the live page: SVG strings built from numpy arrays.

One frame of the page is a few kilobytes of SVG per chart and a few tens of kilobytes for
the social-capital graph, built in about a millisecond (``benchmarks/live_page.py``
measures it): the graph's geometry (one path string per tie and per resident) is prepared
once per run, and a frame only joins the strings of each colour class, so the browser
receives a handful of ``<path>`` elements instead of thousands of shapes.

Colours are the Okabe–Ito palette (distinguishable with the common colour-vision
deficiencies); lines also differ in dash pattern, so the charts read in greyscale too.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np

from app.layout import LABEL_FONT, Layout

# Okabe & Ito (2008) colour-blind-safe palette.
BLACK, ORANGE, SKY_BLUE, GREEN = "#000000", "#E69F00", "#56B4E9", "#009E73"
BLUE, VERMILLION, PURPLE, GREY = "#0072B2", "#D55E00", "#CC79A7", "#9E9E9E"

CONTRIBUTED, FREE_RODE, NO_BENEFIT = 0, 1, 2
CATEGORY_LABELS = ("contributed", "free rode", "did not benefit")
CATEGORY_HINTS = ("took part this month", "benefited without taking part", "did not take part, no benefit")
CATEGORY_COLOURS = (BLUE, VERMILLION, GREY)
PAID, UNPAID, NO_BILL = 0, 1, 2
"""Categories of the graph's fee colouring: the resident's household paid this month's property fee, did not,
or was not billed (no property company serves its building, or month 0 before the first bill)."""

FONT = "font-family='Segoe UI, Roboto, Helvetica, Arial, sans-serif'"


@dataclass(frozen=True)
class Series:
    """One line of a chart."""

    label: str
    values: np.ndarray
    colour: str
    width: float = 3.0
    dash: str = ""
    """SVG stroke-dasharray ("" for a solid line)."""


def pct(x: float, digits: int = 1) -> str:
    """A share as a percentage for display ('—' when undefined)."""
    if x is None or not math.isfinite(x):
        return "—"
    return f"{100 * x:.{digits}f}%"


@dataclass(frozen=True)
class Colouring:
    """How the graph colours residents: a title and, per category, a label, a hint and a colour."""

    key: str
    title: str
    labels: tuple[str, ...]
    hints: tuple[str, ...]
    colours: tuple[str, ...]
    counted: str = ""
    """What the legend's counts count ('' residents; ' households' for the fees)."""


ACTIVITY = Colouring("activity", "Who did what this month", CATEGORY_LABELS, CATEGORY_HINTS, CATEGORY_COLOURS)
FEES = Colouring("fees", "Whose household paid this month's property fee",
                 ("paid", "did not pay", "no bill"),
                 ("paid this month's fee", "billed, did not pay", "no company serves it (or month 0)"),
                 (BLUE, VERMILLION, GREY), " households")
COLOURINGS = {c.key: c for c in (ACTIVITY, FEES)}


# ---------------------------------------------------------------------------- institution cards
@dataclass(frozen=True)
class Card:
    """One institution's card: what it decided this month (label → value, as its ``card()`` says)."""

    card_id: str
    title: str
    entries: dict[str, str]


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def institution_cards(cards: list[Card], previous: list[Card], step: int = 0) -> str:
    """HTML of the row of institution cards; an entry that differs from last month's is marked
    (class ``changed``). Each entry carries ``data-key`` (its label as a slug: 'views-adopted') and
    ``data-value``, and the row carries ``data-step``, for tests."""
    before = {c.card_id: c.entries for c in previous}
    parts = [f"<div class='cards' id='institutions' data-step='{step}'>"]
    for c in cards:
        old = before.get(c.card_id, {})
        rows = []
        for label, value in c.entries.items():
            shown = html.escape(value.replace("_", " "))
            mark = " changed" if label in old and old[label] != value else ""
            rows.append(f"<div class='entry{mark}' data-key='{_slug(label)}' data-value='{shown}'>"
                        f"<span class='k'>{html.escape(label)}</span><span class='v'>{shown}</span></div>")
        wide = " wide" if len(rows) > 4 else ""  # long cards span two columns, entries in two columns
        parts.append(f"<div class='card{wide}' id='card-{c.card_id}'><div class='title'>{html.escape(c.title)}</div>"
                     f"<div class='entries'>{''.join(rows)}</div></div>")
    parts.append("</div>")
    return "".join(parts)


# ---------------------------------------------------------------------------- network
def _fit(label: str, room: float, font: float) -> str:
    """``label``, or its short form ('Building 3' → 'B3') when it is wider than ``room``."""
    if 0.56 * font * len(label) <= room:
        return label
    return label[0] + label.split()[-1]


class NetworkPicture:
    """The social-capital graph of one run, ready to draw frame after frame.

    Ties are drawn in four strength classes (darker and thicker = stronger tie); residents
    are dots coloured by a category: what they did this month (:data:`ACTIVITY`) or whether their
    household paid this month's fee (:data:`FEES`).
    """

    STRENGTH_BINS = (0.2, 0.4, 0.6)
    TIE_OPACITY = (0.10, 0.22, 0.38, 0.6)
    TIE_WIDTH = (0.6, 0.9, 1.3, 1.8)

    def __init__(self, layout: Layout, rows: np.ndarray, cols: np.ndarray, building_labels: list[str]):
        self.layout = layout
        upper = np.flatnonzero(rows < cols)
        self.tie_index = upper
        """Entries of the graph's strength array drawn (one per tie)."""
        x, y = layout.x, layout.y
        a, b = rows[upper], cols[upper]
        self.tie_path = np.array([f"M{x1:.1f} {y1:.1f}L{x2:.1f} {y2:.1f}"
                                  for x1, y1, x2, y2 in zip(x[a], y[a], x[b], y[b])], dtype=object)
        r = layout.radius
        self.dot_path = np.array([f"M{xi - r:.1f} {yi:.1f}a{r:.1f} {r:.1f} 0 1 0 {2 * r:.1f} 0"
                                  f"a{r:.1f} {r:.1f} 0 1 0 {-2 * r:.1f} 0"
                                  for xi, yi in zip(x, y)], dtype=object)
        font = LABEL_FONT
        self.background = "".join(
            f"<circle cx='{cx:.1f}' cy='{cy:.1f}' r='{layout.building_radius + 1.5 * r:.1f}' "
            "fill='#F4F4F4' stroke='#D0D0D0'/>"
            for cx, cy in layout.building_centre)
        if len(layout.grid_box) > 1:
            self.background = "".join(
                f"<rect x='{gx - 4:.1f}' y='{gy:.1f}' width='{gw + 8:.1f}' height='{gh:.1f}' rx='10' fill='none' "
                f"stroke='#B0B0B0' stroke-dasharray='6 4'/><text x='{gx + 4:.1f}' y='{gy + 0.95 * font:.1f}' "
                f"font-size='{font:.0f}' font-weight='600' fill='#444'>Micro-grid {chr(65 + k)}</text>"
                for k, (gx, gy, gw, gh) in enumerate(layout.grid_box)) + self.background
        self.labels = "".join(
            f"<text x='{lx:.1f}' y='{ly:.1f}' text-anchor='middle' font-size='{font:.0f}' fill='#444'>"
            f"{html.escape(_fit(label, 2.2 * layout.building_radius, font))}</text>"
            for (lx, ly), label in zip(layout.building_label, building_labels))

    def svg(self, strength: np.ndarray, category: np.ndarray, step: int = 0,
            colours: tuple[str, ...] = CATEGORY_COLOURS) -> str:
        """The picture for tie strengths ``strength`` (graph's data array) and residents' categories
        (category ``k`` drawn in ``colours[k]``).

        ``step`` is written on the ``<svg>`` (``data-step``) so tests can tell which month is drawn.
        """
        lay = self.layout
        w = strength[self.tie_index]
        tie_class = np.searchsorted(self.STRENGTH_BINS, w)
        parts = [f"<svg viewBox='0 0 {lay.width:.0f} {lay.height:.0f}' "
                 f"width='100%' {FONT} role='img' aria-label='social-capital graph' data-step='{step}' "
                 f"data-colours='{' '.join(colours)}'>",
                 self.background, self.labels]
        for k in range(len(self.TIE_OPACITY)):
            sel = self.tie_path[tie_class == k]
            if len(sel):
                parts.append(f"<path d='{''.join(sel)}' stroke='#333' stroke-opacity='{self.TIE_OPACITY[k]}' "
                             f"stroke-width='{self.TIE_WIDTH[k]}' fill='none'/>")
        for k, colour in enumerate(colours):
            sel = self.dot_path[category == k]
            if len(sel):
                parts.append(f"<path class='dots-{k}' d='{''.join(sel)}' fill='{colour}' "
                             "stroke='white' stroke-width='0.6'/>")
        parts.append("</svg>")
        return "".join(parts)


def network_legend(counts: np.ndarray, colouring: Colouring = ACTIVITY) -> str:
    """HTML legend of the graph's colours with this month's counts (of what ``colouring.counted`` says)."""
    n = max(int(counts.sum()), 1)
    items = []
    for k, (label, hint, colour) in enumerate(zip(colouring.labels, colouring.hints, colouring.colours)):
        items.append(
            f"<span class='legend-item' id='legend-{k}' data-count='{int(counts[k])}'>"
            f"<span class='dot' style='background:{colour}'></span><b>{label}</b>&nbsp;{int(counts[k])}"
            f"{colouring.counted} "
            f"({pct(counts[k] / n, 0)})<span class='hint'> · {hint}</span></span>")
    items.append("<span class='legend-item'><span class='tie'></span>tie: darker = stronger</span>")
    return "<div class='legend'>" + "".join(items) + "</div>"


# ---------------------------------------------------------------------------- line charts
_NICE = (0.02, 0.05, 0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.8, 1.0)


def nice_max(values: list[np.ndarray]) -> float:
    """A round upper bound of the y axis for shares (0–1)."""
    top = 0.0
    for v in values:
        finite = v[np.isfinite(v)] if len(v) else v
        if len(finite):
            top = max(top, float(finite.max()))
    for m in _NICE:
        if top <= m * 0.98:
            return m
    return 1.0 if top <= 1.0 else math.ceil(top)


def months_axis(steps: int) -> int:
    """The x-axis length in months: five years, extended in steps of five years."""
    return max(60, 60 * math.ceil(steps / 60))


MAX_POINTS = 480
"""Points drawn per line at most (about one per pixel); longer series are thinned evenly."""


def _path(values: np.ndarray, sx, sy) -> str:
    """SVG path of a series, broken where values are NaN (thinned to ``MAX_POINTS``, last point kept)."""
    index = np.arange(len(values))
    if len(values) > MAX_POINTS:
        index = np.unique(np.append(index[:: math.ceil(len(values) / MAX_POINTS)], len(values) - 1))
    out, pen = [], "M"
    for i in index.tolist():
        v = values[i]
        if not math.isfinite(v):
            pen = "M"
            continue
        out.append(f"{pen}{sx(i):.1f} {sy(v):.1f}")
        pen = "L"
    return "".join(out)


def line_chart(series: list[Series], ghosts: list[Series], x_max: int, chart_id: str,
               width: float = 420, height: float = 240) -> str:
    """An SVG line chart of shares (y as %) over months (x in years).

    ``ghosts`` are the previous run's lines, drawn wide and faded behind the current ones. Each current line
    carries its last value (``data-last``), for tests.
    """
    left, right, top, bottom = 60, 12, 10, 40
    y_max = nice_max([s.values for s in series + ghosts])
    pw, ph = width - left - right, height - top - bottom

    def sx(i):
        return left + pw * i / x_max

    def sy(v):
        return top + ph * (1 - min(v, y_max) / y_max)

    parts = [f"<svg id='{chart_id}' viewBox='0 0 {width} {height}' width='100%' {FONT}>"]
    for k in range(5):  # horizontal grid lines and y labels
        v = y_max * k / 4
        yy = sy(v)
        parts.append(f"<line x1='{left}' x2='{width - right}' y1='{yy:.1f}' y2='{yy:.1f}' stroke='#E0E0E0'/>")
        label = f"{100 * v:.0f}%" if y_max >= 0.1 else f"{100 * v:.1f}%"
        parts.append(f"<text x='{left - 8}' y='{yy + 7:.1f}' text-anchor='end' font-size='19' "
                     f"fill='#222'>{label}</text>")
    years = x_max // 12
    step_years = 1 if years <= 10 else (2 if years <= 20 else 5)
    for yr in range(0, years + 1, step_years):
        xx = sx(12 * yr)
        parts.append(f"<line x1='{xx:.1f}' x2='{xx:.1f}' y1='{top}' y2='{top + ph}' stroke='#F0F0F0'/>")
        parts.append(f"<text x='{xx:.1f}' y='{height - 16}' text-anchor='middle' font-size='19' "
                     f"fill='#222'>{yr}</text>")
    parts.append(f"<text x='{width - right}' y='{height - 1}' text-anchor='end' font-size='16' "
                 "fill='#444'>years</text>")
    parts.append(f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='none' stroke='#999'/>")
    for s in ghosts:
        parts.append(f"<path d='{_path(s.values, sx, sy)}' fill='none' stroke='{s.colour}' stroke-opacity='0.25' "
                     f"stroke-width='{s.width + 5}' stroke-linejoin='round' stroke-linecap='round' class='ghost'/>")
    for s in series:
        dash = f" stroke-dasharray='{s.dash}'" if s.dash else ""
        parts.append(f"<path d='{_path(s.values, sx, sy)}' fill='none' stroke='{s.colour}' stroke-width='{s.width}'"
                     f"{dash} stroke-linejoin='round' class='line' "
                     f"data-last='{float(s.values[-1]) if len(s.values) else math.nan!r}'/>")
    parts.append("</svg>")
    return "".join(parts)


def chart_legend(series: list[Series], has_ghost: bool) -> str:
    """HTML legend of a chart's lines (drawn as short SVG samples with each line's dash)."""
    items = []
    for s in series:
        dash = f" stroke-dasharray='{s.dash}'" if s.dash else ""
        items.append(f"<span class='legend-item'><svg width='34' height='12'><line x1='1' y1='6' x2='33' y2='6' "
                     f"stroke='{s.colour}' stroke-width='{min(s.width, 4)}'{dash}/></svg>{html.escape(s.label)}</span>")
    if has_ghost:
        colour = series[0].colour if series else BLACK
        items.append("<span class='legend-item ghost-legend'><svg width='34' height='12'><line x1='3' y1='6' x2='31' "
                     f"y2='6' stroke='{colour}' stroke-opacity='0.25' stroke-width='9' stroke-linecap='round'/></svg>"
                     "previous run (faded)</span>")
    return "<div class='legend'>" + "".join(items) + "</div>"
