"""One colour per scenario, the same in every figure of a report.

The colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), which stays
distinguishable under the common forms of colour-vision deficiency. The two reference scenarios
have fixed colours; any other scenario takes the next free colour in the order the report lists
its scenarios. Figures ask :func:`scenario_colours` once per report and pass the mapping on, so a
scenario never changes colour between figures.
"""

from __future__ import annotations

from collections.abc import Iterable

OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "orange": "#E69F00",
    "reddish_purple": "#CC79A7",
    "sky_blue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",
}
"""The palette in the order free colours are handed out (yellow last: weak on white)."""

FIXED = {
    "top_down": OKABE_ITO["vermillion"],
    "co_creation": OKABE_ITO["blue"],
}
"""Scenarios whose colour never changes between reports."""

NEUTRAL = "#555555"
"""Colour of things that are not scenarios (e.g. sensitivity indices, sweep lines of one scenario)."""

SEQUENTIAL = "viridis"
"""Colour map for continuous values (heatmaps, node participation): perceptually uniform, CVD-safe."""


def scenario_colours(scenarios: Iterable[str]) -> dict[str, str]:
    """Map each scenario to a colour: fixed ones first, the rest in order from the free colours.

    More scenarios than colours cycle through the palette again (and a warning belongs in the
    caption, which the report adds when that happens).
    """
    names = list(dict.fromkeys(scenarios))
    mapping = {s: FIXED[s] for s in names if s in FIXED}
    free = [c for c in OKABE_ITO.values() if c not in mapping.values()]
    k = 0
    for s in names:
        if s not in mapping:
            mapping[s] = free[k % len(free)]
            k += 1
    return {s: mapping[s] for s in names}
