"""The estate: fees as a second free-rider dilemma, the property company and owners' committee, lift projects.

Patterns over replications (paired seeds, old estate, stated tolerances); the measured values are in the
docstrings (``python -m benchmarks.estate`` prints the effects table).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from model.community import CommunityModel
from model.metrics import ESTATE_METRICS

pytestmark = pytest.mark.slow

SEEDS = range(10)
FIXED = {"life_course.enabled": False, "variation.enabled": False}
"""The old estate's population without moves and ageing, the community at its means: the fee spiral on its own
(newcomers arrive expecting neighbours to pay, which pulls collection back up; with the life course on, 5 of 10
poor-service seeds collapse)."""


def run(steps: int, seed: int, scenario: str = "top_down", community: str = "old_estate", **overrides):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = CommunityModel(scenario_name=scenario, community=community, rng=seed, **overrides)
    for _ in range(steps):
        m.step()
    return m


def test_default_community_has_no_estate():
    m = run(3, 0, community="default")
    assert m.estate is None and not list(m.property_companies)
    assert all(np.isnan(m.latest[k]) for k in ESTATE_METRICS)
    assert m.owners_committee not in m.institutions


def test_fee_collection_spirals_down_unsupervised_and_recovers_with_an_active_committee():
    """Poor service at the start (30%). Without supervision, collection falls by more than 20 points in five
    years in at least 6 of 10 seeds and by 15 points on average (measured: 7 of 10 collapse to 3–4%, 3 climb
    back to 81–92%: the spiral has two ends); with an active owners' committee (capture ruled out) it ends
    above 80% in every seed (measured 0.99–1.0; its backing lifts collection to ~0.81 in month 1 already)."""
    down, up = [], []
    for seed in SEEDS:
        ts = run(60, seed, "no_property_supervision", **FIXED, **{"property.initial_service": 0.3}).timeseries()
        down.append((ts.fee_collection.iloc[1], ts.fee_collection.iloc[-1]))
        ts = run(60, seed, "owners_committee", **FIXED, **{"property.initial_service": 0.3,
                                                             "owners_committee.capture_risk": 0.0}).timeseries()
        up.append((ts.fee_collection.iloc[1], ts.fee_collection.iloc[-1]))
    down, up = np.array(down), np.array(up)
    assert np.sum(down[:, 1] < down[:, 0] - 0.2) >= 6, down
    assert np.mean(down[:, 1] - down[:, 0]) < -0.15, down
    assert np.all(up[:, 1] > 0.8), up
    assert np.all(up[:, 1] > down[:, 1]), (up, down)  # paired seeds


def test_good_service_holds_without_supervision():
    """The spiral runs both ways: from good service (70%), collection stays above 75% without supervision."""
    end = [run(60, seed, "no_property_supervision", **FIXED).latest["fee_collection"] for seed in range(5)]
    assert min(end) > 0.75, end


def test_company_books_follow_the_rule():
    m = run(24, 1, "no_property_supervision", **FIXED)
    c = m.property_companies[0]
    p = m.config.property
    assert c.income == pytest.approx(p.fee * m.estate.paying.sum())
    assert not c.supervised and c.margin == p.margin
    assert c.total_spending <= c.total_income + p.fee * c.households  # spent out of last month's fees


def test_committee_needs_its_quorum_and_a_bare_quorum_can_be_captured():
    off = {"owners_committee.turnout_base": 0.0, "owners_committee.turnout_trust": 0.0,
           "owners_committee.guidance": 0.0}
    assert not run(2, 0, "owners_committee", **off).owners_committee.elected
    bare = {"owners_committee.guidance": 0.0, "owners_committee.quorum": 0.3}
    risky = [run(2, seed, "owners_committee", **bare, **{"owners_committee.capture_risk": 1.0}) for seed in range(8)]
    assert all(m.owners_committee.elected and m.owners_committee.turnout < 1.0 for m in risky)
    # captured with probability (1 − turnout)/(1 − quorum), about 0.8 here: some are, and they supervise no one
    captured = [m for m in risky if m.owners_committee.captured]
    assert captured and all(not m.property_companies.to_list()[0].supervised for m in captured)
    safe = [run(2, seed, "owners_committee", **bare, **{"owners_committee.capture_risk": 0.0}) for seed in range(8)]
    assert not any(m.owners_committee.captured for m in safe)
    assert all(m.property_companies.to_list()[0].supervised for m in safe)


def test_active_committee_replaces_a_company_whose_service_stays_poor():
    m = run(24, 0, "owners_committee", **{"property.initial_service": 0.1, "property.fee": 5.0,
                                         "owners_committee.capture_risk": 0.0})
    assert m.property_companies[0].replaced >= 1
    assert run(24, 0, "no_property_supervision", **{"property.initial_service": 0.1,
                                                    "property.fee": 5.0}).property_companies[0].replaced == 0


def _lifts(scenario: str, seeds) -> tuple[list[int], list[float]]:
    durations, approval = [], []
    for seed in seeds:
        e = run(120, seed, scenario).estate
        durations += e.lift_durations
        approval.append(e.lifts_approved / max(e.lifts_approved + e.lifts_abandoned, 1))
    return durations, approval


def test_building_deliberation_halves_lift_time_and_approves_more():
    """Old estate, 6 seeds × 80 stairwells: mean months from proposal to a working lift 18.2 without a channel,
    7.0 with building deliberation (ratio 0.38; tolerance 0.25–0.6); approved 65% vs 100% (≥ 10 points more)."""
    slow, slow_ok = _lifts("no_property_supervision", range(6))
    fast, fast_ok = _lifts("building_deliberation", range(6))
    ratio = np.mean(fast) / np.mean(slow)
    assert 0.25 < ratio < 0.6, (np.mean(fast), np.mean(slow))
    assert np.mean(fast_ok) > np.mean(slow_ok) + 0.10, (fast_ok, slow_ok)


def test_split_stakes_low_floors_object_high_floors_support():
    m = run(0, 0, "no_property_supervision")
    e = m.estate
    u = e.lift_value()
    assert np.all(u[e.storey == 1] < 0)
    assert np.all(u[e.storey >= 3] > 0)


def test_lifts_let_upper_storey_elderly_take_part():
    """Elderly residents above the affected storeys reach half the occasions without a lift: with a lift in every
    stairwell from the start they take part in more of the last 12 months (paired seeds; measured +1.7 to +3.0
    months)."""
    gaps = []
    for seed in range(4):
        walk_up = run(36, seed, "co_creation")
        lifted = run(36, seed, "co_creation", **{"community.lift_share": 1.0})
        s = walk_up.state
        upper = (s.age_group == 2) & (s.storey > 2)
        gaps.append(lifted.participation_counts[upper].mean() - walk_up.participation_counts[upper].mean())
    assert min(gaps) > 0, gaps
