"""One run on the live page: a model built from a preset, a scenario, the levers and a seed.

The page never touches the model's internals beyond what a user of the model would: it
builds ``CommunityModel(scenario_name=..., community=..., rng=seed, **overrides)``, calls
``step()``, and reads ``model.latest``, the data collector's series, ``model.state`` and the
tie strengths of ``model.graph``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app import draw
from app.layout import structural_layout
from app.levers import Levers, Preset, base_config, describe, overrides
from model.community import CommunityModel

CHART_METRICS = (
    "participation_rate", "participation_rate_youth", "participation_rate_middle", "participation_rate_elderly",
    "mean_contribution", "free_riding_rate", "trust_in_government",
)


def scenario_title(name: str) -> str:
    """A scenario's file name as a title: ``top_down`` → 'Top-down'."""
    text = name.replace("_", "-" if name.count("_") == 1 and len(name) < 12 else " ")
    return text[:1].upper() + text[1:]


def categories(model: CommunityModel) -> np.ndarray:
    """What each resident did this month: 0 contributed, 1 free rode, 2 did not benefit.

    The same definitions as the model's metrics (:mod:`model.metrics`): a resident took part
    when ``state.participated``; benefited when ``state.benefit`` exceeds a thousandth of a
    facility's value; free rode when they benefited without taking part. So the share of
    category 1 equals ``model.latest["free_riding_rate"]``.
    """
    s = model.state
    participated = s.participated if model.steps > 0 else np.zeros(model.n_residents, dtype=bool)
    benefited = s.benefit > 1e-3 * model.config.projects.facility_value
    return np.where(participated, draw.CONTRIBUTED,
                    np.where(benefited, draw.FREE_RODE, draw.NO_BENEFIT)).astype(np.int8)


@dataclass
class Ghost:
    """The chart lines of a finished run, kept to compare the next run with."""

    label: str
    series: dict[str, np.ndarray] = field(default_factory=dict)


class Run:
    """A model and what the page needs to draw it.

    Raises:
        ConfigError: when the preset's scenario and the levers do not make a valid config.
    """

    def __init__(self, preset: Preset, scenario: str, levers: Levers, seed: int) -> None:
        self.preset, self.scenario, self.levers, self.seed = preset, scenario, levers, seed
        cfg = base_config(preset, scenario)
        self.overrides = {**preset.overrides, **overrides(levers, cfg)}
        self.model = CommunityModel(scenario_name=scenario, community=preset.community, rng=seed, **self.overrides)
        m = self.model
        lay = structural_layout(m.structure.building, m.structure.grid)
        labels = [f"Building {b + 1}" for b in range(m.structure.n_buildings)]
        self.picture = draw.NetworkPicture(lay, m.graph.rows, m.graph.cols, labels)

    @property
    def label(self) -> str:
        return (f"{scenario_title(self.scenario)} in the {self.preset.community} community · "
                f"{describe(self.levers)} · seed {self.seed}")

    @property
    def steps(self) -> int:
        return int(self.model.steps)

    def step(self) -> None:
        self.model.step()

    def series(self, name: str) -> np.ndarray:
        """The values of a metric from month 0 to now."""
        return np.asarray(self.model.datacollector.model_vars[name], dtype=float)

    def ghost(self) -> Ghost:
        return Ghost(self.label, {k: self.series(k) for k in CHART_METRICS})

    def categories(self) -> np.ndarray:
        return categories(self.model)

    def network_svg(self) -> tuple[str, np.ndarray]:
        """The graph's SVG and the count of residents in each category."""
        cat = self.categories()
        return self.picture.svg(self.model.graph.strength, cat, self.steps), np.bincount(cat, minlength=3)
