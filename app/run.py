"""One run on the live page: a model built from a preset, a scenario, the levers and a seed.

The page never touches the model's internals beyond what a user of the model would: it
builds ``CommunityModel(scenario_name=..., community=..., rng=seed, **overrides)``, calls
``step()``, and reads ``model.latest``, the data collector's series, ``model.state``, the
tie strengths of ``model.graph``, each institution's ``card()`` (``model.institutions``) and, where the
community has an estate, which households paid this month's property fee (``model.estate.paying``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from agents import AreaUnit, Government, PartyOrganisation, ResidentsCommittee, SocialOrganisation
from agents.owners import OwnersCommittee
from agents.property import PropertyCompany
from agents.residents_body import ResidentsBody
from app import draw
from app.layout import structural_layout
from app.levers import Levers, Preset, base_config, describe, overrides
from model.community import CommunityModel

CHART_METRICS = (
    "participation_rate", "participation_rate_youth", "participation_rate_middle", "participation_rate_elderly",
    "mean_contribution", "free_riding_rate", "trust_in_government",
    "fee_collection", "property_service", "entrances_with_lift",
)
"""Metrics drawn on the charts (and kept for the previous run's faded lines); the last three only with an estate."""


CARDS = (  # (institution type, card id, title, one card for all agents of the type?) in the order shown
    (Government, "street-office", "Street office", True),
    (ResidentsCommittee, "committee", "Residents' committee", True),
    (PartyOrganisation, "party", "Party organisation", True),
    (SocialOrganisation, "social-org", "Social organisation", False),
    (AreaUnit, "units", "Units in the area", True),
    (OwnersCommittee, "owners-committee", "Owners' committee", True),
    (PropertyCompany, "property", "Property company", False),
    (ResidentsBody, "residents-body", "Residents' body", False),
)
"""The live page's institution cards. A type shown as one card whose model has several agents of it
(units in the area) gets their cards merged (:func:`merge_cards`); otherwise each agent has its own
card, numbered (its title numbered only when there are several). Institutions of a type not listed are
shown after these, under their class name."""


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


def fee_categories(model: CommunityModel) -> np.ndarray:
    """Whether each resident's household paid this month's property fee: 0 paid, 1 billed and did not pay,
    2 not billed (no company serves its building, or month 0). Per household (``model.estate``), so the share
    of category 0 among households billed equals ``model.latest["fee_collection"]``.

    Returns one category per household; :meth:`Run.network_svg` spreads it over the household's residents.
    """
    est = model.estate
    billed = (est.company_of_household >= 0) & (model.steps > 0)
    return np.where(billed, np.where(est.paying, draw.PAID, draw.UNPAID), draw.NO_BILL).astype(np.int8)


_AMOUNT = re.compile(r"^(-?[\d,]*\.?\d+)(\D*)$")


def merge_cards(cards: list[dict[str, str]]) -> dict[str, str]:
    """One card for several institutions of a type, entry by entry: yes/no answers become
    'k of n' (how many said yes), amounts with the same unit are summed ('4,500 yuan' +
    '3,000 yuan' = '7,500 yuan'), equal values stay, anything else reads 'varies'."""
    if len(cards) == 1:
        return dict(cards[0])
    out: dict[str, str] = {}
    for key in cards[0]:
        values = [c.get(key, "") for c in cards]
        amounts = [_AMOUNT.match(v) for v in values]
        if set(values) <= {"yes", "no"}:
            out[key] = f"{values.count('yes')} of {len(values)}"
        elif all(amounts) and len({a.group(2) for a in amounts}) == 1:
            numbers = [float(a.group(1).replace(",", "")) for a in amounts]
            digits = max(len(a.group(1).partition(".")[2]) for a in amounts)
            out[key] = f"{sum(numbers):,.{digits}f}{amounts[0].group(2)}"
        else:
            out[key] = values[0] if len(set(values)) == 1 else "varies"
    return out


def institution_cards(model: CommunityModel) -> list[draw.Card]:
    """What each institution decided this month, as the page's cards (:data:`CARDS`)."""
    out, seen = [], set()
    for kind, card_id, title, as_one in CARDS:
        agents = [a for a in model.institutions if type(a) is kind]
        seen.add(kind)
        if not agents:
            continue
        if as_one:
            count = f" ({len(agents)})" if len(agents) > 1 else ""
            out.append(draw.Card(card_id, title + count, merge_cards([a.card() for a in agents])))
        else:
            out += [draw.Card(f"{card_id}-{k + 1}", f"{title} {k + 1}" if len(agents) > 1 else title, a.card())
                    for k, a in enumerate(agents)]
    others = [a for a in model.institutions if type(a) not in seen]
    out += [draw.Card(f"institution-{a.unique_id}", type(a).__name__, a.card()) for a in others]
    out.append(draw.Card("programmes", "Programmes", programme_entries(model)))
    return out


def programme_entries(model: CommunityModel) -> dict[str, str]:
    """Each programme in a few words: who runs it now and since when, who started it, or when it stopped."""
    out = {}
    last_stop = {e.programme: e.month for e in model.programmes.events if e.what == "stopped"}
    for prog in model.programmes:
        label = prog.name.replace("_", " ")
        if prog.running:
            who = ", ".join(prog.holders())
            started = f"; started by {prog.started_by} in month {prog.started}" if prog.started_by else ""
            out[label] = f"{who}{started}"
        elif prog.started is not None:
            out[label] = f"stopped in month {last_stop.get(prog.name, prog.started)}"
        else:
            out[label] = "not run"
    return out


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
        self.previous_cards: list[draw.Card] = []
        """The cards of the month before (the page marks what changed)."""

    @property
    def estate(self) -> bool:
        """Whether the community has an estate (a property company or stairwells without a lift)."""
        return self.model.estate is not None

    @property
    def has_fees(self) -> bool:
        """Whether a property company bills households (the graph can then be coloured by fees paid)."""
        return self.estate and len(self.model.property_companies) > 0

    @property
    def label(self) -> str:
        return (f"{scenario_title(self.scenario)} in the {self.preset.community} community · "
                f"{describe(self.levers, self.estate)} · seed {self.seed}")

    @property
    def steps(self) -> int:
        return int(self.model.steps)

    def step(self) -> None:
        self.previous_cards = self.cards()
        self.model.step()

    def cards(self) -> list[draw.Card]:
        return institution_cards(self.model)

    def cards_html(self) -> str:
        """The row of institution cards, this month's changes marked."""
        return draw.institution_cards(self.cards(), self.previous_cards, self.steps)

    def series(self, name: str) -> np.ndarray:
        """The values of a metric from month 0 to now."""
        return np.asarray(self.model.datacollector.model_vars[name], dtype=float)

    def ghost(self) -> Ghost:
        return Ghost(self.label, {k: self.series(k) for k in CHART_METRICS})

    def categories(self) -> np.ndarray:
        return categories(self.model)

    def network_svg(self, colouring: draw.Colouring = draw.ACTIVITY) -> tuple[str, np.ndarray]:
        """The graph's SVG coloured by ``colouring`` and the count in each category (residents; households for
        the fees, which need a property company: :attr:`has_fees`)."""
        if colouring.key == draw.FEES.key:
            per_household = fee_categories(self.model)
            cat, counts = per_household.take(self.model.structure.household), np.bincount(per_household, minlength=3)
        else:
            cat = self.categories()
            counts = np.bincount(cat, minlength=3)
        return self.picture.svg(self.model.graph.strength, cat, self.steps, colouring.colours), counts
