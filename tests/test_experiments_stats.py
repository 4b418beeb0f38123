"""The one statistics module (:mod:`analysis.stats`): means, CIs, differences and Hedges' g,
checked against scipy and a hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analysis import stats

# Known data: two groups of unequal size and spread, and a metric with a missing run.
A = np.array([0.42, 0.51, 0.39, 0.47, 0.55, 0.44, 0.50, 0.46])
B = np.array([0.58, 0.49, 0.66, 0.61, 0.70, 0.52])
C = np.array([0.40, 0.45, 0.43, 0.52, 0.48, 0.41, 0.60])


def _wide(groups: dict[str, dict[str, np.ndarray]]) -> pd.DataFrame:
    """Per-run outcomes: one row per scenario and seed, one column per metric (NaN-padded)."""
    frames = []
    for scenario, metrics in groups.items():
        n = max(len(v) for v in metrics.values())
        cols = {m: np.append(v, [np.nan] * (n - len(v))) for m, v in metrics.items()}
        frames.append(pd.DataFrame({"scenario": scenario, "seed": range(n), **cols}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    values = _wide({"ref": {"trust": A, "cost": B * 1e5}, "alt": {"trust": B, "cost": np.append(C * 1e5, np.nan)},
                    "third": {"trust": C, "cost": A * 1e5}})
    return stats.summarise(values, ["ref", "alt", "third"]).set_index(["scenario", "metric"])


def test_summary_has_the_contract_columns_in_scenario_order(summary):
    assert list(summary.reset_index().columns) == stats.SUMMARY_COLUMNS
    assert list(dict.fromkeys(summary.index.get_level_values("scenario"))) == ["ref", "alt", "third"]


@pytest.mark.parametrize("scenario,metric,data", [("ref", "trust", A), ("alt", "trust", B), ("third", "trust", C),
                                                   ("alt", "cost", C * 1e5)])
def test_mean_and_its_95pct_ci_match_scipy_t_interval(summary, scenario, metric, data):
    r = summary.loc[(scenario, metric)]
    ci = sps.ttest_1samp(data, 0.0).confidence_interval(0.95)
    assert r["n"] == len(data)  # the NaN run of alt/cost is left out
    assert r["mean"] == pytest.approx(data.mean(), rel=1e-12)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)


@pytest.mark.parametrize("scenario,metric,ref,data", [("alt", "trust", A, B), ("third", "trust", A, C),
                                                       ("alt", "cost", B * 1e5, C * 1e5),
                                                       ("third", "cost", B * 1e5, A * 1e5)])
def test_difference_has_welch_ci_and_hedges_g_matching_scipy(summary, scenario, metric, ref, data):
    r = summary.loc[(scenario, metric)]
    welch = sps.ttest_ind(data, ref, equal_var=False)
    ci = welch.confidence_interval(0.95)
    assert r["diff"] == pytest.approx(data.mean() - ref.mean(), rel=1e-12)
    assert (r["diff_ci_low"], r["diff_ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    # Cohen's d with the pooled sd is the pooled-variance t statistic times sqrt(1/n1 + 1/n2); g = d * J.
    t_pooled = sps.ttest_ind(data, ref, equal_var=True).statistic
    j = 1 - 3 / (4 * (len(data) + len(ref)) - 9)
    assert r["hedges_g"] == pytest.approx(t_pooled * np.sqrt(1 / len(data) + 1 / len(ref)) * j, rel=1e-10)


def test_hedges_g_by_hand_for_three_runs_each():
    """a = (1, 2, 3), b = (3, 4, 5): diff 2, s1 = s2 = 1, pooled sd 1, d = 2, J = 1 - 3/(4*6 - 9) = 0.8, g = 1.6."""
    assert stats.hedges_g([1.0, 2.0, 3.0], [3.0, 4.0, 5.0]) == pytest.approx(1.6, rel=1e-12)
    assert stats.hedges_g([3.0, 4.0, 5.0], [1.0, 2.0, 3.0]) == pytest.approx(-1.6, rel=1e-12)


def test_summary_of_3_plus_3_runs_reports_g_not_d():
    """The issue's case: n = 3 + 3, where g = 0.8 d; the summary column must carry g."""
    out = _wide({"ref": {"m": np.array([1.0, 2.0, 3.0])}, "alt": {"m": np.array([3.0, 4.0, 5.0])}})
    s = stats.summarise(out, ["ref", "alt"]).set_index("scenario")
    assert s.loc["alt", "hedges_g"] == pytest.approx(1.6, rel=1e-12)


def test_reference_scenario_has_no_difference(summary):
    ref = summary.loc["ref"]
    assert ref[["diff", "diff_ci_low", "diff_ci_high", "hedges_g"]].isna().all().all()


def test_degenerate_groups_follow_one_rule():
    """n < 2: no interval, no g; no spread: intervals collapse onto the estimate, g undefined."""
    values = _wide({"ref": {"m": np.full(5, 2.0), "z": np.zeros(5)}, "alt": {"m": np.full(5, 3.0), "z": np.zeros(5)},
                    "one": {"m": np.array([2.5, np.nan, np.nan, np.nan, np.nan]), "z": np.zeros(5)}})
    s = stats.summarise(values, ["ref", "alt", "one"]).set_index(["scenario", "metric"])
    alt = s.loc[("alt", "m")]
    assert alt["diff"] == 1.0 and alt["diff_ci_low"] == 1.0 and alt["diff_ci_high"] == 1.0
    assert (alt["ci_low"], alt["ci_high"]) == (3.0, 3.0)
    assert np.isnan(alt["hedges_g"]) and np.isnan(s.loc[("alt", "z"), "hedges_g"])  # no spread: no g
    one = s.loc[("one", "m")]
    assert one["n"] == 1 and one["mean"] == 2.5 and np.isnan(one["ci_low"])  # one run: no interval
    assert one["diff"] == pytest.approx(0.5) and np.isnan(one["diff_ci_low"]) and np.isnan(one["hedges_g"])
    assert stats.t_interval([])[3] == 0 and math.isnan(stats.t_interval([])[0])


def test_run_outcomes_average_the_last_window_months_skipping_missing_months():
    ts = pd.DataFrame({"scenario": "s", "seed": np.repeat([0, 1], 5), "step": np.tile(np.arange(5), 2),
                       "x": [1, 2, 3, 4, 5, 10, 20, 30, 40, 50.0],
                       "r": [np.nan, np.nan, np.nan, 1.0, 3.0, np.nan] * 1 + [np.nan] * 4})
    v = stats.run_outcomes(ts, ["scenario", "seed"], window=3).set_index("seed")
    assert v.loc[0, "x"] == 4.0 and v.loc[1, "x"] == 40.0
    assert v.loc[0, "r"] == 2.0 and np.isnan(v.loc[1, "r"])
    assert stats.run_outcomes(ts, ["scenario", "seed"], window=1).set_index("seed").loc[1, "x"] == 50.0
