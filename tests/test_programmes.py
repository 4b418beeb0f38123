"""Programmes that actors hold and drop, residents' bodies that carry them, communities drawn per seed.

The rules (docs/ODD.md §3.4.13, model/programmes.py, agents/residents_body.py, model/variation.py) checked on
their own: a programme runs while someone holds it; its delivery is the best any holder gives; a residents' body
forms only where a core of activists has held, carries what it has run long enough and gives it up when it
dissolves; a community's uncertain quantities are drawn from the distribution its file states, the same
community for every scenario of one seed.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from model.community import CommunityModel
from model.config import VARIED
from model.variation import quantile
from tests.conftest import FIXED_COMMUNITY


def demo(scenario: str = "top_down", community: str = "demo", **overrides) -> CommunityModel:
    return CommunityModel(scenario_name=scenario, community=community, rng=3, **{**FIXED_COMMUNITY, **overrides})


# --------------------------------------------------------------------------------------- holders
def test_a_programme_runs_while_someone_holds_it_and_stops_when_the_last_holder_lets_go():
    m = demo()
    prog, programmes = m.programmes["co_evaluation"], m.programmes
    assert not prog.running and "co_evaluation" not in m.mechanisms
    programmes.set_office("co_evaluation", True)
    programmes.update_delivery()  # the month's acting mechanisms follow the holders
    assert prog.running and prog.started_by == "street office" and "co_evaluation" in m.mechanisms
    programmes.set_body("co_evaluation", 0, True)  # a residents' body takes it over in grid 0
    programmes.set_office("co_evaluation", False)  # the office drops it: the body carries it on
    assert prog.running and prog.holders()
    programmes.set_body("co_evaluation", 0, False)
    programmes.update_delivery()
    assert not prog.running and "co_evaluation" not in m.mechanisms
    assert [e.what for e in programmes.events if e.programme == "co_evaluation"] == \
        ["started", "taken over", "given up", "stopped"]


def test_a_programme_the_rules_forbid_cannot_be_taken_up_by_anyone():
    m = demo(**{"incentives.allowed": False})
    for take in (lambda: m.programmes.set_office("incentives", True),
                 lambda: m.programmes.set_party("incentives", True),
                 lambda: m.programmes.set_body("incentives", 0, True)):
        take()
        assert not m.programmes["incentives"].running


def test_a_mandated_programme_runs_from_the_first_month_and_an_unmandated_one_only_when_started():
    m = demo(**{"disclosure.mandated": True})
    assert m.programmes["disclosure"].running and m.programmes["disclosure"].started == 0
    assert not m.programmes["mediation"].running


def test_delivery_is_the_best_any_holder_gives_in_each_grid(monkeypatch):
    """D_g = max(office · min(1, t/ramp) · κ, party · π_g, body_g · β_g)."""
    m = demo(community="default", **{"government.ramp_months": 4})
    g = m.n_grids
    assert g >= 2
    m.committee.staff_coverage = 0.5
    m.party.allocation = np.linspace(0.0, 0.9, g)
    capacity = np.zeros(g)
    capacity[0] = 0.8
    monkeypatch.setattr(m, "body_capacity", lambda: capacity)
    p = m.programmes
    p.set_office("co_evaluation", True)  # staff_hours > 0: the office's delivery is staffed
    p.set_party("co_evaluation", True)
    p.set_body("co_evaluation", 0, True)
    staff = m.mechanism_units["co_evaluation"].params.staff_hours > 0
    for month in (1, 2):
        p.update_delivery()
        office = month / 4 * (0.5 if staff else 1.0)
        expected = np.maximum(np.maximum(office, m.party.allocation), capacity)
        np.testing.assert_allclose(m.mechanism_units["co_evaluation"].delivery, expected)


# --------------------------------------------------------------------------------------- bodies
def test_a_residents_body_forms_only_where_a_core_has_held_and_dissolves_when_it_thins():
    m = demo(**{"residents_body.allowed": True, "residents_body.formation_rate": 1.0,
                "residents_body.dissolution_months": 2})
    body = m.bodies.to_list()[0]
    members = body._members
    m.participation_counts[:] = 0
    m.participation_changed()
    body.step()
    assert not body.active  # nobody has taken part: no core
    p = m.config.residents_body
    core = members[: int(np.ceil(p.formation_share * len(members)))]
    m.participation_counts[core] = p.core_months
    m.participation_changed()
    body.step()
    assert body.active and body.formed == m.steps
    body.step()
    assert body.capacity == pytest.approx(min(1.0, body.core_share / p.capacity_share))
    m.programmes.set_body("co_evaluation", body.grid, True)
    m.participation_counts[:] = 0  # the core drifts away
    m.participation_changed()
    body.step()
    assert body.active  # one month below the dissolution share is not yet the end
    body.step()
    assert not body.active and body.programmes() == [] and not m.programmes["co_evaluation"].running


def test_a_residents_body_takes_over_a_programme_it_has_run_beside_the_office_long_enough():
    m = demo(**{"residents_body.allowed": True, "residents_body.formation_rate": 1.0,
                "residents_body.takeover_months": 3})
    body = m.bodies.to_list()[0]
    m.participation_counts[body._members] = m.config.residents_body.core_months
    m.participation_changed()
    body.step()
    assert body.active
    m.programmes.set_office("co_management", True)
    m.mechanism_units["co_management"].delivery = np.ones(m.n_grids)
    for month in range(3):
        assert not m.programmes["co_management"].bodies[body.grid], month
        body.step()
    assert m.programmes["co_management"].bodies[body.grid]
    m.programmes.set_office("co_management", False)
    assert m.programmes["co_management"].running  # the office dropped it; the body keeps it
    m.programmes.set_office("co_evaluation", True)  # a programme residents' bodies cannot carry (the office's)
    for _ in range(5):
        body.step()
    assert not m.programmes["co_evaluation"].bodies[body.grid]


@pytest.mark.filterwarnings("ignore::model.params.InactiveParameterWarning")
def test_no_residents_body_forms_where_the_rules_do_not_let_residents_organise():
    m = demo(**{"residents_body.allowed": False, "residents_body.formation_rate": 1.0})
    m.participation_counts[:] = 12
    m.participation_changed()
    for body in m.bodies:
        body.step()
        assert not body.active


# --------------------------------------------------------------------------------------- variation
@pytest.mark.parametrize("meta, mean, sd, dist", [
    ({"unit": "share", "range": (0.0, 1.0)}, 0.4, 0.1, "beta"),
    ({"range": (0.0, 1000.0)}, 12.0, 4.0, "gamma"),
])
def test_a_varied_quantity_has_the_mean_and_sd_its_community_file_states(meta, mean, sd, dist):
    u = (np.arange(4000) + 0.5) / 4000  # the quantiles of a uniform: the distribution itself
    x = np.array([quantile(mean, sd, ui, meta) for ui in u])
    assert x.mean() == pytest.approx(mean, rel=0.01) and x.std() == pytest.approx(sd, rel=0.03)
    assert np.all(np.diff(x) >= 0)  # monotone in u: common random numbers keep the order of communities
    if dist == "beta":
        assert x.min() > 0 and x.max() < 1
    assert quantile(mean, 0.0, 0.9, meta) == mean


def test_one_seed_is_one_community_in_every_scenario_and_seeds_are_different_communities():
    def drawn(scenario, seed):
        return CommunityModel(scenario_name=scenario, community="default", rng=seed).drawn
    a, b, c = drawn("top_down", 5), drawn("co_creation", 5), drawn("top_down", 6)
    assert a and set(a) <= set(VARIED.values())
    mean_a = CommunityModel(scenario_name="top_down", community="default", rng=5, **FIXED_COMMUNITY).config
    mean_b = CommunityModel(scenario_name="co_creation", community="default", rng=5, **FIXED_COMMUNITY).config

    def mean(cfg, key):
        node = cfg
        for part in key.split("."):
            node = getattr(node, part)
        return node
    moved = [k for k in a if mean(mean_a, k) != mean(mean_b, k)]  # the scenario sets another mean
    assert set(moved) == {"government.adoption", "government.responsiveness", "committee.administrative_load"}
    assert all(a[k] == b[k] for k in a if k not in moved)
    assert all(a[k] != c[k] for k in a)
    for k in moved:  # the same quantile of a distribution around another mean: on the same side of it
        assert np.sign(a[k] - mean(mean_a, k)) == np.sign(b[k] - mean(mean_b, k)), k
    assert stats.spearmanr([drawn("top_down", s).get("government.budget_per_resident", 0) for s in range(6)],
                           [drawn("co_creation", s).get("government.budget_per_resident", 0)
                            for s in range(6)]).statistic == pytest.approx(1.0)


def test_with_variation_off_every_quantity_is_at_its_mean():
    m = CommunityModel(scenario_name="co_creation", community="default", rng=5, **FIXED_COMMUNITY)
    assert m.drawn == {}
