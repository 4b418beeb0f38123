"""The comparison statistics (means, CIs, differences, effect sizes) checked against scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from experiments import stats

# Known data: two groups of unequal size and spread, and a metric with a missing run.
A = np.array([0.42, 0.51, 0.39, 0.47, 0.55, 0.44, 0.50, 0.46])
B = np.array([0.58, 0.49, 0.66, 0.61, 0.70, 0.52])
C = np.array([0.40, 0.45, 0.43, 0.52, 0.48, 0.41, 0.60])


def _long(groups: dict[str, dict[str, np.ndarray]]) -> pd.DataFrame:
    rows = []
    for scenario, metrics in groups.items():
        for metric, values in metrics.items():
            rows += [{"scenario": scenario, "seed": i, "metric": metric, "value": v} for i, v in enumerate(values)]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    values = _long({"ref": {"trust": A, "cost": B * 1e5}, "alt": {"trust": B, "cost": np.append(C * 1e5, np.nan)},
                    "third": {"trust": C, "cost": A * 1e5}})
    return stats.compare(values, order=["ref", "alt", "third"]).set_index(["scenario", "metric"])


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
def test_difference_has_welch_ci_and_cohens_d_matching_scipy(summary, scenario, metric, ref, data):
    r = summary.loc[(scenario, metric)]
    welch = sps.ttest_ind(data, ref, equal_var=False)
    ci = welch.confidence_interval(0.95)
    assert r["diff"] == pytest.approx(data.mean() - ref.mean(), rel=1e-12)
    assert (r["diff_ci_low"], r["diff_ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    # Cohen's d with the pooled sd is the pooled-variance t statistic times sqrt(1/n1 + 1/n2).
    t_pooled = sps.ttest_ind(data, ref, equal_var=True).statistic
    assert r["effect_size"] == pytest.approx(t_pooled * np.sqrt(1 / len(data) + 1 / len(ref)), rel=1e-10)


def test_reference_scenario_has_no_difference(summary):
    ref = summary.loc["ref"]
    assert ref[["diff", "diff_ci_low", "diff_ci_high", "effect_size"]].isna().all().all()


def test_degenerate_groups_give_collapsed_interval_and_infinite_or_undefined_effect():
    values = _long({"ref": {"m": np.full(5, 2.0), "z": np.zeros(4)}, "alt": {"m": np.full(5, 3.0), "z": np.zeros(4)},
                    "one": {"m": np.array([2.5]), "z": np.array([0.0])}})
    s = stats.compare(values, order=["ref", "alt", "one"]).set_index(["scenario", "metric"])
    alt = s.loc[("alt", "m")]
    assert alt["diff"] == 1.0 and alt["diff_ci_low"] == 1.0 and alt["diff_ci_high"] == 1.0
    assert alt["effect_size"] == np.inf and (alt["ci_low"], alt["ci_high"]) == (3.0, 3.0)
    assert np.isnan(s.loc[("alt", "z"), "effect_size"])  # no difference and no spread
    one = s.loc[("one", "m")]
    assert one["n"] == 1 and np.isnan(one["ci_low"]) and one["mean"] == 2.5  # one run: no interval


def test_run_values_average_the_last_window_steps_skipping_missing_months():
    ts = pd.DataFrame({"scenario": "s", "seed": np.repeat([0, 1], 5), "step": np.tile(np.arange(5), 2),
                       "x": [1, 2, 3, 4, 5, 10, 20, 30, 40, 50.0],
                       "r": [np.nan, np.nan, np.nan, 1.0, 3.0, np.nan] * 1 + [np.nan] * 4})
    v = stats.run_values(ts, by=["scenario", "seed"], window=3).set_index(["seed", "metric"])["value"]
    assert v[(0, "x")] == 4.0 and v[(1, "x")] == 40.0
    assert v[(0, "r")] == 2.0 and np.isnan(v[(1, "r")])
