"""The model is an ordinary Mesa model: agents, DataCollector, batch_run."""

from __future__ import annotations

import inspect

import mesa
import numpy as np
import pytest

from agents import Government, Resident, SocialOrganisation
from model.community import CommunityModel
from model.metrics import HEADLINE

REQUIRED = ["step", "participation_rate", "participation_rate_youth", "participation_rate_middle",
            "participation_rate_elderly", "mean_contribution", "free_riding_rate", "trust_in_government",
            "trust_in_neighbours", "social_capital", "satisfaction", "need_fit", "projects_completed",
            "government_spending", "volunteer_retention"]


def test_constructor_takes_keyword_arguments_only_and_leaves_mesa_names_alone():
    params = inspect.signature(CommunityModel).parameters
    assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params.values())
    assert "seed" not in params, "batch_run must seed through rng="
    m = CommunityModel(scenario_name="top_down", rng=1)
    assert isinstance(m.scenario, mesa.experimental.scenarios.Scenario)  # Mesa's own attribute intact
    assert m.config.seed == 1
    # Mesa's Scenario object (as SolaraViz passes it on reset) goes to Mesa, not into the config.
    own = mesa.experimental.scenarios.Scenario(rng=4)
    m2 = CommunityModel(scenario_name="top_down", scenario=own)
    assert m2.scenario is own and m2.scenario_name == "top_down"
    # Mesa's deprecated seed= still seeds the run.
    a = CommunityModel(scenario_name="top_down", seed=9)
    b = CommunityModel(scenario_name="top_down", rng=9)
    assert np.array_equal(a.state.trust_in_government, b.state.trust_in_government)


def test_agents_are_mesa_agents_reading_through_to_the_arrays(small_model):
    m = small_model
    assert len(m.agents_by_type[Resident]) == m.n_residents
    assert len(m.agents_by_type[Government]) == 1
    assert len(m.agents_by_type[SocialOrganisation]) == m.config.social_orgs.count
    r = m.resident_list[17]
    assert r.trust_in_government == m.state.trust_in_government[17]
    r.trust_in_government = 0.123
    assert m.state.trust_in_government[17] == 0.123
    assert r.age_group in m.AGE_GROUPS and r.disposition in m.DISPOSITIONS
    assert sum(r.needs.values()) == pytest.approx(1.0)
    for other in r.neighbours:
        assert r.tie_strength(other) > 0
    assert m.government.consultation_policy == "real"


def test_datacollector_holds_the_metrics_one_row_per_step():
    m = CommunityModel(scenario_name="co_creation", rng=2)
    for _ in range(5):
        m.step()
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == 6
    for col in REQUIRED + list(HEADLINE):
        assert col in df.columns
    assert df["step"].tolist() == list(range(6))
    assert df["participation_rate"].iloc[-1] == m.latest["participation_rate"]


def test_dotted_overrides_reach_the_config():
    m = CommunityModel(scenario_name="co_creation", rng=3, **{"consultation.adoption_rate": 0.25, "steps": 7})
    assert m.config.consultation.adoption_rate == 0.25


def test_mesa_batch_run_works_on_the_model():
    results = mesa.batch_run(
        CommunityModel,
        parameters={"scenario_name": ["top_down", "co_creation"], "consultation.adoption_rate": [0.3, 0.9]},
        rng=[1, 2],
        max_steps=6,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(results) == 8
    assert {r["scenario_name"] for r in results} == {"top_down", "co_creation"}
    assert all(r["Step"] == 6 for r in results)
    by_seed = {}
    for r in results:
        by_seed.setdefault((r["scenario_name"], r["consultation.adoption_rate"], r["rng"]), []).append(
            r["participation_rate"])
    assert all(len(v) == 1 for v in by_seed.values())
    assert np.isfinite([r["trust_in_government"] for r in results]).all()
