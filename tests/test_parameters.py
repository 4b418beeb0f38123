"""Every documented parameter changes some output when varied (or the docs say why not).

For each leaf key of the schema (the rows of ``docs/odd_tables.md``), the key is set to a value far from
the one a context uses, and the run's whole time series (every metric, every month, 48 months in the
default community, seed 1) is compared with the context's own: a parameter that changes nothing in any
of the contexts below is dead weight, or acts only where the docs say (``INERT``, also listed in
``docs/ODD.md`` §3.4.10). The contexts are the scenarios where the parameter's mechanism or rule is in
force: its own mechanism switched on, then co-creation, top-down, and the settings that expose disputes,
unsupervised organisations, joint meetings, a new leader and heavy co-building.
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
    ("co_creation", {"co_evaluation.enabled": False, "funding.enabled": False, "co_management.enabled": False}),
    ("leader_turnover", {"government.tenure_months": 12}),
    ("co_creation", {"co_building.hours_per_project": 5_000.0}),
    ("top_down", {"government.adoption": 1.0, "committee.administrative_load": 0.98}),
    ("top_down", {"projects.dispute_probability": 1.0, "committee.dispute_settling": 0.0}),
    ("online_only", {}),
    ("party_led", {}),
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
)
"""Where the estate's parameters are in force (tried first for them): a property company and walk-ups in the
default community, under each estate rule."""

INERT: dict[str, str] = {
    "steps": "the run's length: the test runs a fixed number of months",
    "shocks.enabled": "switches on the showcase, which spends nothing while shocks.showcase_share is 0",
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
        return [v for v in ((1.0, 0.0) if value <= 0.5 else (0.0, 1.0)) if v != value]
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
BASELINES: dict = {}
"""The contexts' own runs, computed once per test process and shared by the sections' tests."""


@pytest.mark.parametrize("section", SECTIONS)
def test_every_documented_parameter_changes_some_output(section):
    """Each section of the schema separately (so the sections spread over the test workers)."""
    baselines = BASELINES
    keys = [(k, meta) for k, meta in KEYS if k.split(".")[0] == section]
    inert = []
    for key, meta in keys:
        section = key.split(".")[0]
        contexts = list(CONTEXTS)
        if section in MECHANISMS and key != f"{section}.enabled":
            contexts[:0] = [("co_creation", {f"{section}.enabled": True}), ("top_down", {f"{section}.enabled": True})]
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
            for new in far(_value(model.config, key), meta):
                _, varied = series(scenario, {**extra, key: new})
                if varied.shape != base.shape or not np.array_equal(varied, base, equal_nan=True):
                    changed = True
                    break
            if changed:
                break
        if not changed and key not in INERT:
            inert.append(key)
    assert not inert, f"parameters that change no output in any context: {inert}"


def test_the_inert_parameters_are_documented():
    odd = (__import__("pathlib").Path(__file__).resolve().parents[1] / "docs" / "ODD.md").read_text(encoding="utf-8")
    for key in INERT:
        assert f"`{key}`" in odd, key
