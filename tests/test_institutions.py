"""Institutions decide from what they observe, and pay out of one purse.

Each test states its tolerance and, where it compares arms, uses the same seeds in both (paired:
:mod:`model.streams`), so the difference is the institution's doing. The numbers quoted in comments
were measured with these seeds on the current model.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents import AreaUnit, Government, PartyOrganisation, ResidentsCommittee, SocialOrganisation
from model.community import CommunityModel
from model.params import InactiveParameterWarning
from model.purse import SOURCES, USES, Purse
from tests.conftest import FIXED_COMMUNITY

pytestmark = pytest.mark.slow


def run(scenario, seed, steps, **overrides):
    """A run with the community at its means (paired comparisons of one community: ``FIXED_COMMUNITY``)."""
    m = CommunityModel(scenario_name=scenario, rng=seed, **{**FIXED_COMMUNITY, **overrides})
    for _ in range(steps):
        m.step()
    return m


def tail(m, metric, months=12):
    return float(m.timeseries()[metric].iloc[-months:].mean())


# ----------------------------------------------------------------- who is there
def test_each_institution_is_a_mesa_agent_of_its_own_type():
    m = CommunityModel(scenario_name="co_creation", rng=0)
    by_type = m.agents_by_type
    assert len(by_type[Government]) == 1 and len(by_type[ResidentsCommittee]) == 1
    assert len(by_type[PartyOrganisation]) == 1
    assert len(by_type[SocialOrganisation]) == m.config.social_orgs.count
    assert len(by_type[AreaUnit]) == m.config.units.count
    for agent in m.institutions:
        card = agent.card()
        assert card and all(isinstance(k, str) and isinstance(v, str) for k, v in card.items())


# ----------------------------------------------------------------- the street office
def test_a_satisfaction_kpi_moves_sham_towards_real_consultation_and_a_projects_kpi_does_not():
    """Sham consultation (meetings, nothing adopted) lowers trust and satisfaction. An office judged by
    satisfaction sees it and adopts more (measured: 0 → 0.62 in 36 months); one judged mostly by projects completed
    (and petitions, 0.2) keeps adopting next to nothing (measured 0.017) and its meetings stay sham."""
    for seed in range(4):
        projects = run("sham_consultation", seed, 36)
        satisfaction = run("sham_consultation", seed, 36, **{"government.kpi.satisfaction": 1.0})
        assert projects.government.adoption < 0.05 and projects.government.consultation_policy == "sham"
        assert satisfaction.government.adoption > 0.4
        assert satisfaction.government.consultation_policy == "real"
        assert tail(satisfaction, "consultation_real") > 0.9


def test_cutting_grid_workers_lowers_need_fit_with_or_without_consultation():
    """A top-down office that does not survey learns what residents need mostly from grid workers' visits; where
    consultation is required, grid workers also staff the meetings (agents/committee.py), so without them fewer
    meetings reach the grids. Need fit, last 12 of 60 months, 12 paired seeds, no needs surveys (``survey_base``
    0): cutting grid workers costs top-down 0.030 and required real consultation 0.029 (measured)."""
    real = {"consultation.mandated": True, "consultation.adoption_rate": 0.6, "consultation.voice": "all",
            "government.survey_base": 0.0}
    cut = {"committee.grid_workers_per_grid": 0.0}

    def loss(extra):
        return np.mean([tail(run("top_down", s, 60, **extra), "need_fit")
                        - tail(run("top_down", s, 60, **extra, **cut), "need_fit") for s in range(12)])

    top_down, consulted = loss({"government.survey_base": 0.0}), loss(real)
    assert top_down > 0.01 and consulted > 0.01


def test_answers_raise_trust_where_action_follows_them():
    """An answer raises trust as far as action follows it (agents/government.py ``answer``; co-evaluation's
    replies too): responsiveness 0.9 vs 0.2, last 12 of 120 months, 4 paired seeds. Under co-creation (about 70% of
    views adopted) measured +0.11 to +0.14; where the office adopts nothing (sham consultation, adoption 0) the
    answers are empty and move trust by −0.005 to +0.011."""
    def effect(scenario, seed):
        high = tail(run(scenario, seed, 120, **{"government.responsiveness": 0.9}), "trust_in_government")
        return high - tail(run(scenario, seed, 120, **{"government.responsiveness": 0.2}), "trust_in_government")

    for seed in range(4):
        acted, empty = effect("co_creation", seed), effect("sham_consultation", seed)
        assert acted > 0.05 and abs(empty) < 0.03 and acted > empty + 0.05, (seed, acted, empty)


def test_a_budget_cut_falls_on_projects_and_what_the_office_can_no_longer_afford():
    """Halving the street office's budget under co-creation (60 months, 3 seeds): the core contracts are paid first
    each month, the coins' envelope is a share of the budget, and the office drops the committed purchased services
    it can no longer afford, so the cut falls hardest on projects (measured 0.35–0.44 of the full budget's project
    spending), then coins (about half) and purchased services (0.73: the core contracts stay); fewer projects are
    completed; spending never exceeds income."""
    for seed in range(3):
        full = run("co_creation", seed, 60)
        cut = run("co_creation", seed, 60, **{"government.budget_per_resident": 4.0})
        f, c = full.purse.total_spending, cut.purse.total_spending
        assert c["projects"] < 0.5 * f["projects"]
        assert c["incentives"] < 0.6 * f["incentives"]
        assert 0.6 * f["purchased_services"] < c["purchased_services"] < 0.9 * f["purchased_services"]
        assert cut.totals["projects_completed"] < full.totals["projects_completed"]
        assert cut.purse.spent_in_all() <= cut.purse.received_in_all() + 1e-6


def test_a_new_leader_takes_office_at_the_end_of_tenure_and_drops_what_its_kpi_does_not_value():
    """At month 60 the successor (judged by projects completed, not bound by the pilot's rules) reviews at once: of
    the programmes the office ran, it keeps only those worth their keep under its KPI; programmes residents' bodies
    carry are theirs to keep (the office's review does not touch them)."""
    m = run("leader_turnover", 2, 59)
    before = {p.name for p in m.programmes if p.office}
    carried = {p.name: p.bodies.copy() for p in m.programmes}
    m.step()
    m.step()
    g, p = m.government, m.config.government
    assert g.leaders == 2 and g.months_in_office == 1 and not g.bound
    after = {prog.name for prog in m.programmes if prog.office}
    assert after < before and all(g.values[name] >= p.keep_value for name in after)
    for prog in m.programmes:
        assert (prog.bodies >= carried[prog.name]).all()


# ----------------------------------------------------------------- organisations, Party, units
def test_organisations_without_oversight_deliver_lower_quality():
    """Without ratings and third-party evaluation (co-evaluation off) quality falls towards its floor
    (measured 0.98 with oversight, 0.33 without, at 60 months)."""
    for seed in range(3):
        overseen = run("co_creation", seed, 60)
        unchecked = run("co_creation", seed, 60, **{"co_evaluation.allowed": False})
        assert overseen.latest["social_org_quality"] > unchecked.latest["social_org_quality"] + 0.3


def test_rated_contracts_go_to_organisations_rated_well():
    m = run("co_creation", 1, 25, **{"social_orgs.rating_threshold": 1.0})  # nobody is rated perfect
    assert not any(o.contracted for o in m.social_orgs)
    m = run("co_creation", 1, 25, **{"social_orgs.rating_threshold": 0.0})
    assert all(o.contracted for o in m.social_orgs)


def test_without_a_joint_meeting_shared_facilities_decay_faster():
    """Nobody settles who keeps the facilities up: part of the upkeep is lost. Facility use, months 13–48,
    top-down with and without the Party organisation's joint meeting, 6 paired seeds (measured +0.030)."""
    gains = [tail(run("top_down", s, 48, **{"party.joint_meeting": True}), "facility_use", 36)
             - tail(run("top_down", s, 48), "facility_use", 36) for s in range(6)]
    assert np.mean(gains) > 0.01 and min(gains) > -0.005


def test_units_give_more_when_asked_at_a_joint_meeting():
    """Units give where their standing is recognised: 9,000 vs 52,500 yuan over 60 months (6 seeds)."""
    for seed in range(3):
        alone = run("top_down", seed, 60)
        meeting = run("top_down", seed, 60, **{"party.joint_meeting": True})
        assert meeting.purse.total_income["units"] > 2 * alone.purse.total_income["units"]


# ----------------------------------------------------------------- one purse
@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.sampled_from(SOURCES), st.sampled_from(USES),
                          st.floats(0, 1e6, allow_nan=False)), max_size=60))
def test_a_purse_never_pays_more_than_it_received(ops):
    purse = Purse()
    for is_income, source, use, yuan in ops:
        if is_income:
            purse.receive(source, yuan)
        else:
            paid = purse.pay(use, yuan)
            assert 0.0 <= paid <= yuan
        assert purse.balance >= -1e-9
        assert purse.spent_in_all() <= purse.received_in_all() + 1e-6
    by_source = sum(purse.by_source_and_use.values())
    assert by_source == pytest.approx(purse.spent_in_all(), rel=1e-9, abs=1e-6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=st.sampled_from(["top_down", "co_creation", "sham_consultation", "party_led", "leader_turnover"]),
       budget=st.floats(0.0, 30.0), meeting=st.floats(0.0, 20_000.0), coins=st.floats(0.0, 10.0),
       contract=st.floats(0.0, 20.0), seed=st.integers(0, 2**31))
def test_spending_never_exceeds_income_in_any_month(scenario, budget, meeting, coins, contract, seed):
    with warnings.catch_warnings():  # the costs of mechanisms a scenario leaves off are set too, on purpose
        warnings.simplefilter("ignore", InactiveParameterWarning)
        m = CommunityModel(scenario_name=scenario, community="demo", rng=seed, **{
            "government.budget_per_resident": budget, "consultation.meeting_cost": meeting,
            "incentives.coin_value": coins, "social_orgs.contract_value": contract, "funding.contract_value": contract})
    for _ in range(24):
        m.step()
        assert m.purse.balance >= -1e-6
        assert m.purse.spent_in_all() <= m.purse.received_in_all() + 1e-6
    ts = m.timeseries()
    assert (ts["government_spending_total"] <= ts["income_total"] + 1e-6).all()
