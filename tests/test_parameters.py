"""Every documented parameter changes some output when varied (or the docs say why not).

For each leaf key of the schema (the rows of ``docs/odd_tables.md``), the key is set to a value far from
the one a context uses, and the run's whole time series (every metric, every month, 48 months in the
default community, seed 1) is compared with the context's own: a parameter that changes nothing in any
of the contexts below is dead weight, or acts only where the docs say (``INERT``, also listed in
``docs/ODD.md`` §3.4.10). The contexts are the scenarios where the parameter's mechanism or rule is in
force: its own mechanism switched on, then co-creation, top-down, and the settings that expose disputes,
unsupervised organisations, joint meetings, a new leader and heavy co-building, residents' bodies that form and
dissolve, organisations that fold, an office short of money, and (for what a programme serves) an office judged on
one KPI term alone.
"""

from __future__ import annotations

import pytest
import warnings

import numpy as np

from model.community import CommunityModel
from model.config import ModelConfig
from model.mechanisms import MECHANISMS
from model.params import InactiveParameterWarning, iter_params

pytestmark = pytest.mark.slow

STEPS = 48
SEED = 1

CONTEXTS: tuple[tuple[str, dict], ...] = (
    ("co_creation", {}),
    ("top_down", {}),
    ("top_down", {"party.joint_meeting": True, "party.meeting_interval": 12}),
    ("co_creation", {"projects.dispute_probability": 1.0, "consultation.dispute_prevention": 0.0}),
    ("co_creation", {"co_evaluation.allowed": False, "funding.allowed": False, "co_management.allowed": False}),
    ("leader_turnover", {"government.tenure_months": 12}),
    ("co_creation", {"co_building.hours_per_project": 5_000.0}),
    ("top_down", {"government.adoption": 1.0, "committee.administrative_load": 0.98}),
    ("top_down", {"projects.dispute_probability": 1.0, "committee.dispute_settling": 0.0}),
    ("online_only", {}),
    ("party_led", {}),
    # residents' bodies that form, take over and dissolve within the 48 months
    ("leader_turnover_handover", {"residents_body.dissolution_share": 0.5}),
    # organisations that lose their contracts, fold and are replaced at a tender
    ("top_down", {"variation.enabled": False, "social_orgs.contract_stability": 0.0, "social_orgs.capacity_loss": 0.3}),
    # an office short of money (projects wait for the purse), one that drops what it values little
    ("top_down", {"government.budget_per_resident": 1.0}),
    ("co_creation", {"government.keep_value": 0.07}),
    # coins that a new leader stops honouring
    ("leader_turnover", {"government.tenure_months": 24, "incentives.mandated": True}),
)
"""Where parameters are in force, tried in order until one shows a change."""

ESTATE_SECTIONS = ("property", "owners_committee", "lifts")
ESTATE_KEYS = ("community.storeys", "community.households_per_entrance", "community.lift_share", "resident.owner_share")
ESTATE_CONTEXTS: tuple[tuple[str, dict], ...] = (
    ("owners_committee", {"property.companies": 1, "community.lift_share": 0.0,
                          "owners_committee.capture_risk": 0.0}),
    ("no_property_supervision", {"property.companies": 1, "community.lift_share": 0.0,
                                 "property.initial_service": 0.3}),
    ("building_deliberation", {"community.lift_share": 0.0}),
    ("top_down", {"owners_committee.enabled": True, "property.companies": 1, "community.lift_share": 0.0}),
    ("owners_committee", {"property.companies": 1, "property.initial_service": 0.1, "property.fee": 5.0,
                          "owners_committee.capture_risk": 0.0}),
    ("no_property_supervision", {"community.lift_share": 0.0, "lifts.patience_months": 6, "lifts.persuasion": 0.0}),
    ("no_property_supervision", {"community.lift_share": 0.0, "lifts.affected_consent": False}),
    ("no_property_supervision", {"community.lift_share": 0.0, "resident.owner_share.youth": 0.2,
                                 "resident.owner_share.middle": 0.2, "resident.owner_share.elderly": 0.2}),
    ("owners_committee", {"property.companies": 1, "community.lift_share": 0.0, "owners_committee.term_months": 6}),
)
"""Where the estate's parameters are in force (tried first for them): a property company and walk-ups in the
default community, under each estate rule."""

KPI_TERMS = ("projects_completed", "satisfaction", "participation", "complaints")
SERVES_CONTEXTS: tuple[tuple[str, dict], ...] = tuple(
    ("co_creation", {**{f"government.kpi.{k}": float(k == term) for k in KPI_TERMS},
                     "consultation.mandated": False, "disclosure.mandated": False,
                     "government.start_value": 0.001, "government.keep_value": 0.0005, "government.new_programmes": 9}) for term in KPI_TERMS) + (
    ("top_down", {**{f"government.kpi.{k}": float(k == "complaints") for k in KPI_TERMS},  # complaints go on longer
                  "government.start_value": 0.001, "government.keep_value": 0.0005, "government.new_programmes": 9}),)
"""Where a programme's ``serves.<term>`` is in force (tried first for them): an office judged on that term alone,
free to choose every programme and taking up any it values at all, whose quarterly review weighs each programme
by what it serves of that term (model/programmes.py)."""

INERT: dict[str, str] = {
    "steps": "the run's length: the test runs a fixed number of months",
    "shocks.enabled": "switches on the showcase, which spends nothing while shocks.showcase_share is 0",
    **{f"mobilisation.serves.{term}": "mobilisation is the Party's, run by participation shortfall, not by the "
       "office's KPI review" for term in ("projects_completed", "satisfaction", "participation", "complaints")},
}
"""Keys that change no output in any context, with the reason (also in docs/ODD.md §3.4.10)."""


def far(value, meta) -> list:
    """Values far from ``value`` within the parameter's range, nearest extreme last."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, str):
        return [c for c in meta["choices"] if c != value]
    if isinstance(value, list):
        return [[] if value else ["incentives"]]
    lo, hi = meta.get("range") or (None, None)
    if isinstance(value, int):
        new = max(3 * value, value + 6)
        down = max(value // 3, lo if lo is not None else 0)
        return [v for v in (min(new, hi) if hi is not None else new, down) if v != value]
    if meta.get("unit") == "share":
        low, high = (lo if lo is not None else 0.0), (hi if hi is not None else 1.0)
        return [v for v in ((high, low) if value <= (low + high) / 2 else (low, high)) if v != value]
    up = 4 * value if value > 0 else (1.0 if hi is not None and hi <= 10 else 10_000.0)
    if hi is not None:
        up = min(up, hi)
    down = value / 4
    if lo is not None:
        up, down = max(up, lo), max(down, lo)
    return [v for v in (up, down) if v != value]


def series(scenario, overrides):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InactiveParameterWarning)
        m = CommunityModel(scenario_name=scenario, rng=SEED, **overrides)
    for _ in range(STEPS):
        m.step()
    return m, m.timeseries().drop(columns=["step"]).to_numpy(dtype=float)


def _value(cfg, key):
    node = cfg
    for part in key.split("."):
        node = getattr(node, part)
    return node


KEYS = [(k, meta) for k, meta, _ in iter_params(ModelConfig) if not k.startswith("info.") and k != "seed"]
SECTIONS = list(dict.fromkeys(k.split(".")[0] for k, _ in KEYS))
PROGRAMME_SECTIONS = {k.split(".")[0] for k, _ in KEYS if k.endswith(".mandated")}
"""The mechanisms that are programmes (mandated, allowed, run by an actor) rather than behaviours (enabled)."""
BASELINES: dict = {}
"""The contexts' own runs, computed once per test process and shared by the sections' tests."""


@pytest.mark.parametrize("section", SECTIONS)
def test_every_documented_parameter_changes_some_output(section):
    """Each section of the schema separately (so the sections spread over the test workers)."""
    baselines = BASELINES
    keys = [(k, meta) for k, meta in KEYS if k.split(".")[0] == section]
    inert = []
    for key, meta in keys:
        if key in INERT:  # documented as changing nothing: no context to search
            continue
        section = key.split(".")[0]
        contexts = list(CONTEXTS)
        if section in MECHANISMS:  # a programme in force from month 0 (mandated), a behaviour switched on
            switch = f"{section}.mandated" if section in PROGRAMME_SECTIONS else f"{section}.enabled"
            if key != switch:
                contexts[:0] = [("co_creation", {switch: True}), ("top_down", {switch: True})]
        if ".serves." in key:
            contexts[:0] = SERVES_CONTEXTS
        if section in ESTATE_SECTIONS or key.startswith(ESTATE_KEYS):
            contexts[:0] = ESTATE_CONTEXTS
        if section == "life_course" and key != "life_course.enabled":  # in force with the life course on
            contexts.insert(0, ("co_creation", {"life_course.enabled": True}))
        if key.startswith("shocks.showcase_grid"):
            contexts.insert(0, ("co_creation", {"shocks.enabled": True, "shocks.showcase_share": 0.3}))
        changed = False
        for scenario, extra in contexts:
            tag = (scenario, tuple(sorted(extra.items())))
            if tag not in baselines:
                baselines[tag] = series(scenario, extra)
            model, base = baselines[tag]
            values = far(_value(model.config, key), meta)
            if ".serves." in key:  # a weight of what a programme serves: none at all, or all of it
                values = [v for v in (0.0, 1.0) if v != _value(model.config, key)]
            for new in values:
                _, varied = series(scenario, {**extra, key: new})
                if varied.shape != base.shape or not np.array_equal(varied, base, equal_nan=True):
                    changed = True
                    break
            if changed:
                break
        if not changed:
            inert.append(key)
    assert not inert, f"parameters that change no output in any context: {inert}"


def test_the_inert_parameters_are_documented():
    odd = (__import__("pathlib").Path(__file__).resolve().parents[1] / "docs" / "ODD.md").read_text(encoding="utf-8")
    for key in INERT:
        assert f"`{key}`" in odd, key
