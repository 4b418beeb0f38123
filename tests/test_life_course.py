"""The life course (issue 14): households move out and in, residents age, volunteers retire and hand over.

Tolerances are stated per test; behavioural claims are checked over replications (paired seeds).
"""

from __future__ import annotations

import numpy as np
import pytest

from agents.resident import Resident
from model.community import CommunityModel
from model.network import HOUSEHOLD

pytestmark = pytest.mark.slow

ON = {"life_course.enabled": True}
TENURE = {**ON, "community.renter_tie_factor": 0.7, "consultation.renter_reach": 0.5}
"""Renters with weaker ties at the start and reached less by consultation."""
FIXED_BASE = {**ON, "social_orgs.volunteer_dropout": 0.0, "social_orgs.recruitment_rate": 0.0,
              "resident.volunteer_share": 0.15}
"""A volunteer base that changes only through the life course (no drop-out, no recruitment)."""


def run(months: int, seed: int, scenario: str = "co_creation", community: str | None = None, **overrides):
    m = CommunityModel(scenario_name=scenario, community=community, rng=seed, **overrides)
    for _ in range(months):
        m.step()
    return m


def test_arrays_graph_and_mesa_agents_stay_consistent_over_120_months_of_turnover():
    m = CommunityModel(scenario_name="co_creation", community="demo", rng=3,
                       **{**TENURE, "life_course.renter_move_out": 0.6, "life_course.owner_move_out": 0.2})
    n, household = m.n_residents, m.structure.household.copy()
    first_ids = {a.unique_id for a in m.resident_list}
    max_first_id = max(first_ids)
    g = m.graph
    arrivals = 0
    for _ in range(120):
        m.step()
        s = m.state
        new = s.years_in_community == 0  # moved in this month: ties at the stranger strength on arrival
        arrivals += int(new.sum())
        entries = (new[g.rows] | new[g.cols]) & (g.kind != HOUSEHOLD)
        assert np.all(g.strength[entries] == m.config.life_course.stranger_tie_strength)
        assert np.all(g.strength[~entries] >= 0) and np.all(g.strength <= 1)
        took_part = s.participated.astype(float)  # the cached sums follow the reset ties and the newcomers
        assert np.allclose(g.active_neighbour_share(0.0), g.neighbour_mean(took_part, 0.0), rtol=0, atol=1e-12)
    assert arrivals > n  # more than one turnover of the whole population
    s = m.state
    for name, value in vars(s).items():
        if isinstance(value, np.ndarray):
            assert len(value) == n, name
    assert np.array_equal(m.structure.household, household)  # households stay contiguous, in their flats
    assert np.all(np.diff(household) >= 0)
    a = g.adjacency
    assert abs(a - a.T).max() == 0  # every row of the graph is symmetric
    assert np.array_equal(s.owner, np.repeat(s.owner[np.r_[0, np.flatnonzero(np.diff(household)) + 1]],
                                             np.bincount(household)))  # tenure is the household's
    agents = m.agents_by_type[Resident]
    assert len(agents) == n and len(m.residents) == n
    assert [r.index for r in m.resident_list] == list(range(n))
    assert set(agents) == set(m.resident_list)
    ids = [r.unique_id for r in m.resident_list]
    assert len(set(ids)) == n
    fresh = [i for i in ids if i not in first_ids]
    assert len(fresh) > n / 2 and min(fresh) > max_first_id  # newcomers' agents have fresh ids
    assert m.timeseries()["moved_in"].sum() == arrivals


def test_renters_take_part_less_and_are_heard_less_than_owners():
    gaps, heard = [], []
    for seed in range(10):
        df = run(60, seed, **TENURE).timeseries()
        last = df.iloc[-12:]
        gaps.append(last["participation_rate_owners"].mean() - last["participation_rate_renters"].mean())
        heard.append(df["views_adopted_owners"].mean() - df["views_adopted_renters"].mean())
    gaps, heard = np.array(gaps), np.array(heard)
    assert gaps.mean() > 0.03 and (gaps > 0).sum() >= 8, gaps  # a margin of 3 points of participation
    assert heard.mean() > 0.005 and (heard > 0).sum() >= 8, heard


def volunteer_base(overrides: dict, seed: int) -> tuple[float, float, int, int]:
    m = CommunityModel(scenario_name="top_down", rng=seed, **overrides)
    age0, n0 = m.latest["volunteer_mean_age"], int(m.state.volunteer.sum())
    for _ in range(120):
        m.step()
    return age0, m.latest["volunteer_mean_age"], n0, int(m.state.volunteer.sum())


def test_without_succession_the_volunteer_base_ages_and_shrinks_and_succession_slows_the_shrinking():
    ageing, kept, kept_with_succession = [], [], []
    for seed in range(6):
        age0, age1, n0, n1 = volunteer_base(FIXED_BASE, seed)
        *_, n1_succ = volunteer_base({**FIXED_BASE, "life_course.volunteer_succession": 1.0}, seed)
        ageing.append(age1 - age0)
        kept.append(n1 / n0)
        kept_with_succession.append(n1_succ / n0)
    ageing, kept, kept_with_succession = map(np.array, (ageing, kept, kept_with_succession))
    assert ageing.min() >= 3.0, ageing  # ten years on, the base is at least 3 years older
    assert kept.max() < 0.9, kept  # and smaller by more than a tenth
    assert np.all(kept_with_succession > kept + 0.05), (kept, kept_with_succession)


def test_same_seed_same_series_and_a_life_course_that_does_nothing_changes_nothing_else():
    a, b = run(24, 5, **TENURE).timeseries(), run(24, 5, **TENURE).timeseries()
    assert a.equals(b)
    off = run(11, 5).timeseries()
    idle = run(11, 5, **{**ON, "life_course.owner_move_out": 0.0, "life_course.renter_move_out": 0.0,
                         "life_course.elderly_exit": 0.0, "life_course.volunteer_retirement": 0.0}).timeseries()
    # before the first birthday nothing moves: every other number is bit-identical (the streams are its own)
    assert idle.drop(columns=["mean_years_in_community"]).equals(off.drop(columns=["mean_years_in_community"]))
    assert (idle["mean_years_in_community"].diff().iloc[1:] > 0).all()


def test_ageing_moves_residents_between_age_groups_with_what_depends_on_it():
    m = run(12, 2, scenario="top_down", community="demo", **{**ON, "life_course.owner_move_out": 0.0,
            "life_course.renter_move_out": 0.0, "life_course.elderly_exit": 0.0})
    s, res = m.state, m.config.resident
    ref = CommunityModel(scenario_name="top_down", community="demo", rng=2)
    assert np.allclose(s.age_years, ref.state.age_years + 1.0)
    changed = s.age_group != ref.state.age_group
    assert changed.any() and np.all(s.age_group[changed] == ref.state.age_group[changed] + 1)
    assert np.all(s.time_budget == np.asarray(res.time_budget.as_tuple())[s.age_group])
    assert np.allclose(s.time_cost / np.asarray(res.time_cost.as_tuple())[s.age_group],
                       ref.state.time_cost / np.asarray(res.time_cost.as_tuple())[ref.state.age_group])


@pytest.mark.parametrize("community", ["migrant_estate"])
def test_the_migrant_estate_turns_over_fast(community):
    df = run(24, 0, community=community).timeseries()
    default = run(24, 0, **ON).timeseries()
    assert df["renter_share"].iloc[0] > 0.5
    assert df["moved_in"].sum() > 2 * default["moved_in"].sum()
    assert df["mean_years_in_community"].iloc[-1] < default["mean_years_in_community"].iloc[-1] / 2
