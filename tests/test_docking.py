"""Docking: the vectorised model and the idiomatic Mesa reference compute the same model.

Both implementations (:class:`model.community.CommunityModel` and
:class:`benchmarks.reference.ReferenceModel`) run the demo community (~300 adults, one
micro-grid) under ``top_down`` and ``co_creation``, ``REPLICATIONS`` runs each from the same
seeds, for ``MONTHS`` months. The same seed gives both the same community (drawn per seed by the
same functions, :mod:`model.variation`, :mod:`model.population`: the reference re-implements the
dynamics, not the sampling), so the comparison is of the dynamics alone: with disjoint seeds the
spread of the communities drawn alone put the two samples' mean trust in government 0.0097 apart
in month 0 (24 runs). They draw the residents' random numbers in different orders (the reference,
resident by resident), so runs differ; their outcome distributions must not (the runs of a pair
are positively correlated, which makes the Welch and KS tests below conservative, never stricter):

- per run, the mean of each outcome over the last 12 months: the two samples' means differ by
  less than the stated tolerance, and neither Welch's t-test nor the two-sample
  Kolmogorov–Smirnov test rejects equality at level ``ALPHA`` (Bonferroni-corrected over
  the outcomes and scenarios: a family-wise level of about 2%);
- month by month, the mean trajectories of participation and trust in government stay within
  a stated tolerance of each other.

The tolerances are a small fraction of the differences between the two scenarios in
participation, contribution, trust in neighbours, satisfaction and social capital (``SEPARATED``; the
same comparison tells them apart), so the test would catch a rule that differs. About 2 minutes on 2 cores
(the reference is the slow part): ``make test-slow``; ``make test`` runs a small representative (6
replications, 36 months, three times the tolerances). ``benchmarks/docking.py`` asks the sharper question
with hundreds of replications (z-scores of the differences; ``docs/performance.md``).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from benchmarks.docking import outcome_series
from benchmarks.reference import ReferenceModel

pytestmark = pytest.mark.slow

REPLICATIONS = 24
MONTHS = 60
WINDOW = 12
OUTCOMES = {  # outcome: tolerance on the difference of the replications' means
    "participation_rate": 0.05,
    "mean_contribution": 0.02,
    "trust_in_government": 0.02,
    "trust_in_neighbours": 0.03,
    "satisfaction": 0.04,
    "efficacy": 0.03,
    "social_capital": 0.04,
    "volunteer_share": 0.04,
    "projects_completed_total": 0.6,
}
TRAJECTORY_TOLERANCE = {"participation_rate": 0.07, "trust_in_government": 0.015}
ALPHA = 0.001  # per test; 2 tests × 9 outcomes × 2 scenarios ≈ 0.036 family-wise at most


def _runs(implementation: str, scenario: str, first_seed: int) -> dict[str, np.ndarray]:
    """Time series of every replication: outcome → (replications × months+1)."""
    runs = [outcome_series(implementation, scenario, seed, MONTHS, outcomes=OUTCOMES)
            for seed in range(first_seed, first_seed + REPLICATIONS)]
    return {name: np.array([run[name] for run in runs]) for name in OUTCOMES}


@pytest.fixture(scope="module")
def docked():  # make test-slow: the replicated tests below, on one worker (xdist_group)
    return {scenario: {"fast": _runs("fast", scenario, 10_000), "reference": _runs("reference", scenario, 10_000)}
            for scenario in ("top_down", "co_creation")}


@pytest.mark.replicated
@pytest.mark.xdist_group("docking")
@pytest.mark.parametrize("scenario", ["top_down", "co_creation"])
def test_outcome_distributions_agree(docked, scenario):
    fast, ref = docked[scenario]["fast"], docked[scenario]["reference"]
    problems = []
    for name, tolerance in OUTCOMES.items():
        a, b = fast[name][:, -WINDOW:].mean(axis=1), ref[name][:, -WINDOW:].mean(axis=1)
        diff = a.mean() - b.mean()
        p_t = stats.ttest_ind(a, b, equal_var=False).pvalue
        p_ks = stats.ks_2samp(a, b).pvalue
        print(f"{scenario:12s} {name:26s} fast {a.mean():9.4f}  reference {b.mean():9.4f}  "
              f"diff {diff:+.4f} (tolerance {tolerance})  Welch p {p_t:.3f}  KS p {p_ks:.3f}")
        if abs(diff) > tolerance or p_t < ALPHA or p_ks < ALPHA:
            problems.append(f"{name}: diff {diff:+.4f}, Welch p {p_t:.4f}, KS p {p_ks:.4f}")
    assert not problems, f"{scenario}: the implementations disagree on " + "; ".join(problems)


@pytest.mark.replicated
@pytest.mark.xdist_group("docking")
@pytest.mark.parametrize("scenario", ["top_down", "co_creation"])
def test_mean_trajectories_agree(docked, scenario):
    fast, ref = docked[scenario]["fast"], docked[scenario]["reference"]
    for name, tolerance in TRAJECTORY_TOLERANCE.items():
        gap = np.abs(fast[name].mean(axis=0) - ref[name].mean(axis=0))
        assert gap.max() <= tolerance, f"{scenario} {name}: mean trajectories differ by {gap.max():.4f} " \
                                       f"in month {int(gap.argmax())} (tolerance {tolerance})"


SEPARATED = ("participation_rate", "mean_contribution", "trust_in_neighbours", "satisfaction", "social_capital")
"""Outcomes on which top-down and co-creation differ by more than three times the docking tolerance. With main at
42cb2f8 merged (answers followed by action as often as the office adopts views, ``learning.empty_answer``,
contractors paid for the upkeep residents do not do), 24 replications, in the reference (the vectorised model's
within the docking tolerances of them): participation 0.18 vs 0.72, contribution 0.050 vs 0.276, trust in
neighbours 0.37 vs 0.62, satisfaction 0.50 vs 0.80, social capital 0.27 vs 0.61. Trust in government, left out
when the programmes of issue 25 (7fdec8c) brought the scenarios within three times its tolerance (0.314 vs 0.334),
separates them again (0.32 vs 0.42 in the reference, 0.32 vs 0.43 in the vectorised model) but stays out, its
separation having come and gone with the calibration; its docking tolerance is unchanged, and the Welch and KS
tests apply to it."""


@pytest.mark.replicated
@pytest.mark.xdist_group("docking")
def test_the_comparison_tells_the_scenarios_apart(docked):
    """The tolerances are small against real differences: top-down and co-creation differ by far more."""
    for name in SEPARATED:
        a = docked["top_down"]["reference"][name][:, -WINDOW:].mean()
        b = docked["co_creation"]["reference"][name][:, -WINDOW:].mean()
        assert abs(b - a) > 3 * OUTCOMES[name], name
        assert stats.ttest_ind(docked["top_down"]["fast"][name][:, -WINDOW:].mean(axis=1),
                               docked["co_creation"]["reference"][name][:, -WINDOW:].mean(axis=1),
                               equal_var=False).pvalue < ALPHA


def test_a_few_replications_dock_within_three_times_the_tolerances():
    """The representative of the replicated tests above in ``make test``: 6 runs of each implementation,
    36 months, both scenarios; each headline outcome's means differ by less than three times its
    tolerance, and top-down and co-creation still differ in participation by more than that."""
    means = {}
    for scenario in ("top_down", "co_creation"):
        for impl, first in (("fast", 0), ("reference", 10_000)):
            runs = [outcome_series(impl, scenario, seed, 36, outcomes=SEPARATED) for seed in range(first, first + 6)]
            means[scenario, impl] = {n: np.mean([run[n][-WINDOW:].mean() for run in runs]) for n in SEPARATED}
        for n in SEPARATED:
            diff = means[scenario, "fast"][n] - means[scenario, "reference"][n]
            assert abs(diff) < 3 * OUTCOMES[n], (scenario, n, diff)
    gap = means["co_creation", "reference"]["participation_rate"] - means["top_down", "reference"]["participation_rate"]
    assert gap > 3 * OUTCOMES["participation_rate"], gap


def test_reference_refuses_mechanisms_it_does_not_implement():
    from model.params import ConfigError

    with pytest.raises(ConfigError, match="sanctions"):
        ReferenceModel(scenario_name="co_creation", community="demo", rng=1, **{"sanctions.enabled": True})


def test_reference_pays_out_of_the_one_purse_and_follows_the_new_leader():
    """The reference spends out of the one purse (every month: balance ≥ 0 and Σ spending + balance = Σ income,
    to 1e-9 of the income) and its street office is the model's: under ``leader_turnover`` with a tenure of
    3 months the first leader runs the programmes the co-creation rules mandate (consultation, the open ledger)
    and the Party mobilises; the successor (month 3) is not bound by the pilot's rules
    (``government.successor_bound: false``) and its first review keeps only what its KPI values: judged on
    projects completed alone, and not judged before a year has passed, it values no programme, so from month 3
    the office runs none, and the Party's remit to mobilise lapses with the pilot at its next quarterly
    allocation (month 4)."""
    m = ReferenceModel(scenario_name="leader_turnover", community="demo", rng=5, **{"government.tenure_months": 3})
    assert not m.config.government.successor_bound
    mandated = {p.name for p in m.programmes if getattr(m.config, p.name).mandated}
    assert mandated == {"consultation", "disclosure"}
    for month in range(1, 7):
        m.step()
        purse = m.purse
        assert purse.balance >= 0
        assert abs(purse.spent_in_all() + purse.balance - purse.received_in_all()) <= 1e-9 * purse.received_in_all()
        office = {p.name for p in m.programmes if p.office}
        if month < 3:
            assert m.government.leaders == 1 and mandated <= office, month
            assert "mobilisation" in m.mechanisms, month
        else:
            assert m.government.leaders == 2 and not m.government.bound, month
            assert all(v < m.config.government.keep_value for v in m.government.values.values()), month
            assert not office, (month, office)
            assert ("mobilisation" in m.mechanisms) == (month < 4), month
    assert not m.mechanisms  # nobody runs anything: no residents' body has formed in six months
