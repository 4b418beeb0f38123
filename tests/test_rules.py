"""Each rule of the model, tested on its own or in a controlled run."""

from __future__ import annotations

import numpy as np
import pytest

from model import decisions
from model.community import CommunityModel
from model.population import CONDITIONAL, FREE_RIDER, HUMP_SHAPED, UNCONDITIONAL, sample_dist
from model.params import Dist
from tests.conftest import mean_and_se, run_model

RNG = np.random.default_rng(0)


# ----------------------------------------------------------------- decisions
def test_preferred_share_by_disposition():
    disp = np.array([CONDITIONAL, FREE_RIDER, UNCONDITIONAL, HUMP_SHAPED, HUMP_SHAPED])
    slope = np.full(5, 0.8)
    level = np.full(5, 0.9)
    belief = np.array([0.5, 0.9, 0.1, 0.3, 0.8])
    out = decisions.preferred_share(disp, slope, level, belief)
    assert out == pytest.approx([0.4, 0.0, 0.9, 0.24, 0.16])


def test_contribution_share_is_bounded_and_responds_to_each_term():
    pref = np.full(4, 0.4)
    base = decisions.contribution_share(pref, motivation=1.0, net_cost=0.1)
    assert base == pytest.approx(0.3)
    assert decisions.contribution_share(pref, motivation=0.5, net_cost=0.1)[0] < base[0]
    assert decisions.contribution_share(pref, net_cost=0.3)[0] < base[0]
    assert decisions.contribution_share(pref, net_cost=0.1, norm_pull=0.5, norm=0.8)[0] == pytest.approx(0.55)
    assert decisions.contribution_share(pref, net_cost=2.0, floor=0.2)[0] == pytest.approx(0.2)
    noisy = decisions.contribution_share(pref, noise=RNG.normal(0, 3, 4))
    assert np.all((noisy >= 0) & (noisy <= 1))


def test_imperfect_conditional_cooperation_decays_and_perfect_does_not():
    belief = np.full(100, 0.5)
    for slope, decays in ((0.8, True), (1.0, False)):
        b = belief.copy()
        for _ in range(20):
            c = decisions.preferred_share(np.zeros(100, np.int8), np.full(100, slope), np.zeros(100), b)
            decisions.update_belief(b, np.full(100, c.mean()), 0.5)
        assert (b.mean() < 0.1) == decays


def test_sanction_intensity_only_contributors_sanction_only_those_who_fall_short():
    c = np.array([0.0, 0.04, 0.05, 0.3, 0.9])
    # Binary (the community's rule): the participation threshold as the norm, full_at = 0.
    out = decisions.sanction_intensity(c[:, None], c[None, :], 0.05)
    assert np.array_equal(out, (c[:, None] >= 0.05) & (c[None, :] < 0.05))
    # Graded (the laboratory's rule): grows with the shortfall below the norm, full at full_at.
    graded = decisions.sanction_intensity(np.array([0.6, 0.6, 0.6, 0.6, 0.3]), np.array([0.5, 0.3, 0.0, 0.5, 0.0]),
                                          0.5, full_at=0.4)
    assert graded == pytest.approx([0.0, 0.5, 1.0, 0.0, 0.0])


def test_sanctions_use_the_shared_rule_and_enter_payoffs(monkeypatch):
    calls = []
    original = decisions.sanction_intensity
    monkeypatch.setattr(decisions, "sanction_intensity", lambda *a, **k: calls.append(1) or original(*a, **k))
    m = run_model("co_creation", seed=3, steps=6, **{"sanctions.enabled": True, "incentives.mandated": True})
    assert len(calls) == 6
    s, rec = m.state, m.record
    assert rec.sanction_cost.sum() > 0 and rec.rewards.sum() > 0
    expected = s.benefit - s.time_cost * s.contribution + rec.rewards - rec.sanction_cost
    assert np.allclose(s.payoff, expected)


def test_beta_sampling_has_the_requested_mean_and_sd():
    x = sample_dist(np.random.default_rng(1), Dist(0.3, 0.1), 200_000)
    assert x.mean() == pytest.approx(0.3, abs=0.003)
    assert x.std() == pytest.approx(0.1, abs=0.003)
    assert np.all(sample_dist(RNG, Dist(0.7, 0.0), 5) == 0.7)
    tiny = sample_dist(RNG, Dist(5e-324, 0.5), 5)  # a denormal mean must not underflow the Beta
    assert np.all((tiny >= 0) & (tiny <= 1e-9))


# ----------------------------------------------------------------- ties
def test_ties_grow_with_joint_participation_and_decay_to_their_floor():
    m = CommunityModel(scenario_name="top_down", rng=0)
    g = m.graph
    before = g.strength.copy()
    everyone = np.ones(m.n_residents, dtype=bool)
    g.update_ties(everyone, growth=0.1, decay=0.0)
    assert np.all(g.strength >= before - 1e-12)
    assert np.all(g.strength[g.neighbour_tie] > before[g.neighbour_tie])
    for _ in range(2000):
        g.update_ties(~everyone, growth=0.1, decay=0.05)
    assert np.allclose(g.strength, g.floor, atol=1e-6)
    assert (g.adjacency != g.adjacency.T).nnz == 0


def _graph(model, compiled):
    """The social graph of ``model``'s community, rebuilt from the same seed, on one path."""
    from model.network import SocialGraph

    cfg = model.config
    return SocialGraph(np.random.default_rng(7), cfg.community, model.structure, model.state.age_group,
                       cfg.learning.tie_floor, compiled=compiled)


def test_compiled_tie_update_gives_the_numpy_paths_numbers_bit_for_bit():
    # Large graphs update ties in a numba kernel (model.graph_kernels), small ones in numpy:
    # the same strengths, row sums and neighbour shares bit for bit, social capital to 1e-12.
    m = CommunityModel(scenario_name="co_creation", rng=3)
    fast, slow = _graph(m, compiled=True), _graph(m, compiled=False)
    assert fast.compiled and not slow.compiled
    assert np.array_equal(fast.strength, slow.strength)
    rng = np.random.default_rng(11)
    for month in range(30):
        active = rng.random(m.n_residents) < (0.2 if month < 15 else 0.8)
        fast.update_ties(active, growth=0.1, decay=0.03)
        slow.update_ties(active, growth=0.1, decay=0.03)
        assert np.array_equal(fast.strength, slow.strength)
    x = rng.random(m.n_residents)
    assert np.array_equal(fast.neighbour_mean(x, 0.0), slow.neighbour_mean(x, 0.0))
    assert np.array_equal(fast.active_neighbour_share(0.0), slow.active_neighbour_share(0.0))
    assert np.array_equal(slow.active_neighbour_share(0.0), slow.neighbour_mean(active, 0.0))
    assert fast.social_capital() == pytest.approx(slow.social_capital(), abs=1e-12)


def test_neighbour_means_of_several_arrays_equal_one_at_a_time(small_model):
    g = small_model.graph
    rng = np.random.default_rng(4)
    x, flags = rng.random(g.n), rng.random(g.n) < 0.3
    both = g.neighbour_means([x, flags], [x, 0.0])
    assert np.array_equal(both[0], g.neighbour_mean(x, default=x))
    assert np.array_equal(both[1], g.neighbour_mean(flags.astype(float), default=0.0))


# ----------------------------------------------------------------- projects and benefits
def test_projects_complete_when_funded_and_facilities_serve_contributors_and_free_riders_alike():
    m = run_model("top_down", seed=1, steps=36)
    assert m.totals["projects_completed"] > 0
    built = m.facilities.built[: m.facilities.n]
    assert (built > 0).sum() == m.totals["projects_completed"]
    s = m.state
    # Benefits depend on the grid and needs, not on having contributed.
    non = ~s.participated
    assert s.benefit[non].mean() > 0
    assert m.latest["free_riding_rate"] == pytest.approx((s.benefit[non] > 1e-3).sum() / m.n_residents)


def test_co_building_projects_need_residents_hours_in_proportion_to_its_delivery():
    m = CommunityModel(scenario_name="co_creation", rng=2, **{"co_building.mandated": True})
    m.step()
    pb = m.projects
    while not pb.active.any():
        m.step()
    g = np.flatnonzero(pb.active)[0]
    d = m.mechanism_units["co_building"].delivery[g]
    assert 0 < d <= 1
    assert pb.hours_needed[g] == pytest.approx(d * m.config.co_building.hours_per_project)
    assert pb.cost[g] == pytest.approx(m.config.projects.cost * (1 - d * m.config.co_building.cost_saving))


def test_no_project_completes_without_residents_hours_when_they_are_needed():
    # Nobody takes part: no engagement, no private returns (stake, warm glow), no committed floors.
    m = run_model("co_creation", seed=3, steps=24, **{"decision.engagement_intercept": -20.0,
                  "decision.stake_return": 0.0, "decision.civic_return": 0.0, "co_building.mandated": True,
                  "units.count": 0,  # units' staff volunteers would give the hours
                  "party.mobilisation": False, "social_orgs.volunteer_commitment": 0.0,
                  "resident.dispositions.unconditional_cooperator": 0.0,
                  "resident.dispositions.conditional_cooperator": 0.56, "decision.noise_sd": 0.0})
    assert m.latest["participation_rate"] == 0
    assert m.totals["projects_started"] > 0 and m.totals["projects_completed"] == 0


def test_facilities_decay_without_upkeep_and_hold_with_organised_upkeep():
    """Residents' upkeep only: the legacy facilities' condition after 48 months with a supervision group required
    against none allowed, 4 paired seeds (measured +0.26 on average; seeds 4–11: +0.13 to +0.44)."""
    def use_after(seed, **kw):
        m = run_model("co_creation", seed=seed, steps=48, **{"government.upkeep_share": 0.0, **kw})
        cond = m.facilities.condition[: m.facilities.n]
        built = m.facilities.built[: m.facilities.n]
        return cond[built == 0].mean()

    d = [use_after(s, **{"co_management.mandated": True}) - use_after(s, **{"co_management.allowed": False})
         for s in range(4, 8)]
    assert min(d) > 0 and np.mean(d) > 0.15


@pytest.mark.slow
def test_disputes_escalate_without_mediation_and_settle_with_it():
    common = {"projects.dispute_probability": 1.0, "consultation.dispute_prevention": 0.0}
    abandoned = []
    for mediation in (False, True):
        rule = {"mediation.mandated": True} if mediation else {"mediation.allowed": False}
        runs = [run_model("co_creation", seed=s, steps=48, **common, **rule)
                for s in range(4)]
        abandoned.append(np.mean([m.totals["projects_abandoned"] for m in runs]))
    assert abandoned[1] < abandoned[0] / 2


# ----------------------------------------------------------------- attitudes
@pytest.mark.slow
def test_real_consultation_builds_what_residents_need():
    """Under a projects KPI, a real needs survey (every resident votes, 60% of views adopted) raises the
    need fit of services over the office's own picture (grid workers' visits, complaints)."""
    def fit(mode, seed):
        consult = {"consultation.mandated": True, "consultation.adoption_rate": 0.6, "consultation.voice": "all"}
        return run_model("top_down", seed=seed, steps=60, **(consult if mode == "real" else {})).latest["need_fit"]

    # 24 paired seeds: the effect is +0.032 (it was +0.073 before the office learnt needs through grid
    # workers' visits, which now carry much of what a survey would tell it; measured on the named streams).
    real = [fit("real", s) for s in range(24)]
    none = [fit("none", s) for s in range(24)]
    assert np.mean(real) > np.mean(none) + 0.015


@pytest.mark.slow
def test_sham_consultation_lowers_trust_relative_to_no_consultation():
    def trust(mode):
        rule = {"consultation.mandated": False, "consultation.allowed": False} if mode == "none" else {
            "consultation.adoption_rate": 0.0, "government.adoption": 0.0}  # meetings, the plan drafted in advance
        return np.array([run_model("co_creation", seed=s, steps=36, **{"government.kpi.projects_completed": 1.0,
                                                                      **rule}).latest["trust_in_government"]
                         for s in range(10)])

    # 10 paired seeds: measured −0.036 (se 0.009)
    mean, se = mean_and_se(trust("sham") - trust("none"))
    assert mean < -max(0.015, 3 * se)


def test_the_ledger_moves_trust_by_what_it_shows():
    """An open ledger shows what the money went to (model.mechanisms.disclosure): its reading is positive where the
    money goes to services and projects and negative where much of it is misused on a showcase; trust in government
    follows. Co-creation, 36 months, 4 paired seeds, open (required) against closed (forbidden)."""
    def trust(open_ledger, **kw):
        rule = {"disclosure.mandated": True} if open_ledger else {"disclosure.mandated": False, "disclosure.allowed": False}
        runs = [run_model("co_creation", seed=s, steps=36, **rule, **kw) for s in range(4)]
        return np.array([m.latest["trust_in_government"] for m in runs]), [m.mechanism_units["disclosure"].reading
                                                                             for m in runs]

    misuse = {"shocks.enabled": True, "shocks.showcase_share": 0.5}
    (well, read_well), (closed, _) = trust(True), trust(False)
    (shown_misuse, read_misuse), (closed_misuse, _) = trust(True, **misuse), trust(False, **misuse)
    assert min(read_well) > 0 > max(read_misuse)
    assert np.mean(well - closed) > 0 > np.mean(shown_misuse - closed_misuse)


@pytest.mark.slow
def test_incentives_retain_volunteers():
    def retention(on):
        rule = {"incentives.mandated": True} if on else {"incentives.allowed": False}
        return np.nanmean([run_model("co_creation", seed=s, steps=36, **rule).latest["volunteer_retention"]
                           for s in range(4)])

    assert retention(True) > retention(False) + 0.2


def test_online_only_channel_excludes_residents_without_digital_access():
    m = CommunityModel(scenario_name="co_creation", rng=5, **{"channels.mandated": True, "channels.offline": False})
    ch = m.mechanisms["channels"]
    assert np.array_equal(ch.excluded, ~m.state.digital_access)


def test_a_new_leader_keeps_only_what_its_kpi_values_and_answers_at_the_successors_level():
    """At turnover the pilot's rules lapse (successor_bound false): the new leader, judged by projects completed,
    reviews at once and keeps a programme only if it is worth its keep under that KPI (or was taken up less than
    min_months ago); the Party organisation's remit lapses with the rules."""
    m = run_model("leader_turnover", seed=6, steps=13, **{"government.tenure_months": 12})
    g, p = m.government, m.config.government
    assert g.leaders == 2 and g.responsiveness == p.successor_responsiveness and not g.bound
    assert g.kpi[0] == 1.0 and g.attention == 0.0
    for prog in m.programmes:
        if prog.office:
            assert g.values[prog.name] >= p.keep_value or prog.office_months <= p.min_months, prog.name
    assert not any(g.binds(prog.name) for prog in m.programmes)
    assert not m.programmes["mobilisation"].party and not m.party.meeting
    assert any(e.what in ("stopped", "given up") and e.month == 12 for e in m.programmes.events)
