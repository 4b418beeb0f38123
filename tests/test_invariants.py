"""Range invariants: whatever valid parameters, state and metrics stay in their ranges."""

from __future__ import annotations

import pytest
import math

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import scenarios
from model.community import CommunityModel

SHARES = ("participation_rate", "participation_rate_youth", "participation_rate_middle", "participation_rate_elderly",
          "mean_contribution", "free_riding_rate", "trust_in_government", "trust_in_neighbours", "social_capital",
          "satisfaction", "need_fit", "volunteer_retention", "volunteer_share", "facility_use", "efficacy",
          "rarely_participating_share", "participation_rate_owners", "participation_rate_renters",
          "views_adopted_owners", "views_adopted_renters", "renter_share", "elderly_share")


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=st.sampled_from(scenarios.available("scenario")),
    community=st.sampled_from(scenarios.available("community")),
    seed=st.integers(0, 2**31),
    trust=st.floats(0, 1),
    sd=st.floats(0, 0.5),
    adoption=st.floats(0, 1),
    noise=st.floats(0, 1),
    tie_growth=st.floats(0, 1),
    buildings=st.integers(1, 6),
)
# Found by this test: newcomers moving into a flat whose resident had no neighbour ties (model.network.reset_rows)
@example(scenario="building_deliberation", community="new_estate", seed=107, trust=0.0, sd=0.0, adoption=0.0,
         noise=0.0, tie_growth=0.0, buildings=3)
def test_state_and_metrics_stay_in_range(scenario, community, seed, trust, sd, adoption, noise, tie_growth, buildings):
    m = CommunityModel(scenario_name=scenario, community=community, rng=seed, **{
        "resident.trust_in_government.mean": trust, "resident.trust_in_government.sd": sd,
        "consultation.adoption_rate": adoption, "decision.noise_sd": noise, "learning.tie_growth": tie_growth,
        "community.buildings": buildings, "community.households_per_building": 30})
    for _ in range(15):
        m.step()
        s = m.state
        for name in ("trust_in_government", "trust_in_neighbours", "satisfaction", "efficacy", "belief",
                     "contribution"):
            arr = getattr(s, name)
            assert np.all((arr >= 0) & (arr <= 1)), name
        assert np.all((m.graph.strength >= 0) & (m.graph.strength <= 1))
        assert np.all((m.facilities.condition[: m.facilities.n] >= 0) & (m.facilities.condition[: m.facilities.n] <= 1))
        assert m.purse.balance >= -1e-6
        row = m.latest
        for k in SHARES:
            v = row[k]
            assert math.isnan(v) or 0 <= v <= 1, (k, v)
        assert row["government_spending"] >= 0 and row["projects_completed"] >= 0
