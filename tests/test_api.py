"""``experiments.api``: one configuration over seeds, summarised, through the project's runner."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments import api, compare
from model.params import ConfigError

pytestmark = pytest.mark.slow

SMALL = dict(scenario="top_down", community="demo", steps=14)


def test_runs_equal_those_of_compare_bit_for_bit(tmp_path):
    out = tmp_path / "compare"
    assert compare.main(["scenarios=[top_down]", "replications=2", "community=demo", "steps=14",
                         "launcher=serial", "progress=false", f"out={out}"]) == 0
    theirs = pd.read_parquet(out / "timeseries.parquet")
    r = api.evaluate(**SMALL, seeds=[0, 1], timeseries=True)

    assert set(r.keys.values()) == {p.stem for p in (out / "runs").glob("*.parquet")}, "same configs, same keys"
    metrics = list(api.metric_names())
    ours = r.timeseries.reset_index(drop=True)
    theirs = theirs[ours.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True, check_dtype=False)

    # a run's value: its mean over the last 12 months, as compare computes it from the same table (cost per completed
    # project: the run's spending over its projects at the end, analysis.stats.run_outcomes)
    averaged = [m for m in metrics if m != "cost_per_completed_project"]
    tail = theirs.groupby("seed").tail(12).groupby("seed")[averaged].mean()
    assert np.array_equal(r.summary[averaged].to_numpy(), tail.to_numpy(), equal_nan=True)
    end = theirs.groupby("seed").tail(1).set_index("seed")
    cost = end["government_spending_total"] / end["projects_completed_total"].where(end["projects_completed_total"] > 0)
    assert np.array_equal(r.summary["cost_per_completed_project"].to_numpy(), cost.to_numpy(), equal_nan=True)
    means = pd.read_parquet(out / "summary.parquet").set_index("metric")["mean"]
    agg = r.aggregate().set_index("metric")["mean"]
    assert np.allclose(agg[means.index], means, rtol=1e-12, atol=0, equal_nan=True)


def test_joblib_workers_give_the_serial_numbers():
    serial = api.evaluate(**SMALL, seeds=[0, 1], launcher="serial")
    parallel = api.evaluate(**SMALL, seeds=[0, 1], n_jobs=2)
    pd.testing.assert_frame_equal(serial.summary, parallel.summary, check_exact=True)


def test_summary_is_one_row_per_seed_with_the_window_mean():
    r = api.evaluate(**SMALL, seeds=[3, 1], window=5, metrics=["participation_rate", "volunteer_retention"],
                     timeseries=True)
    s = r.summary
    assert list(s.columns) == [*api.ID_COLUMNS, "participation_rate", "volunteer_retention"]
    assert list(s["seed"]) == [3, 1], "seeds in the order given"
    assert set(s["steps"]) == {14} and set(s["window"]) == {5}
    ts = r.timeseries
    assert len(ts) == 2 * 15 and list(ts.columns) == ["scenario", "community", "seed", "step",
                                                      "participation_rate", "volunteer_retention"]
    for seed in (3, 1):
        last = ts[(ts["seed"] == seed) & (ts["step"] >= 10)]  # steps 10..14: the last 5 months
        row = s[s["seed"] == seed].iloc[0]
        assert row["participation_rate"] == pytest.approx(last["participation_rate"].mean(), rel=1e-12)
        # volunteer_retention is NaN before month 12: the window mean leaves those months out
        assert row["volunteer_retention"] == pytest.approx(last["volunteer_retention"].dropna().mean(), rel=1e-12)
    whole = api.evaluate(**SMALL, seeds=[3], window=100, metrics=["participation_rate"])
    assert whole.summary["participation_rate"].iloc[0] == pytest.approx(
        ts.loc[ts["seed"] == 3, "participation_rate"].mean(), rel=1e-12), "a window beyond the run: every row"


def test_overrides_take_numpy_scalars_and_change_the_run():
    plain = api.evaluate(**SMALL, seeds=[0, 1], overrides={"decision.civic_return": 0.5,
                                                          "community.households_per_building": 40})
    numpy = api.evaluate(**SMALL, seeds=np.arange(2), overrides={"decision.civic_return": np.float64(0.5),
                                                                 "community.households_per_building": np.int64(40)})
    assert plain.keys == numpy.keys
    pd.testing.assert_frame_equal(plain.summary, numpy.summary, check_exact=True)
    default = api.evaluate(**SMALL, seeds=[0, 1])
    assert set(default.keys.values()).isdisjoint(plain.keys.values())


def test_a_store_keeps_the_runs_and_a_second_call_computes_nothing(tmp_path):
    first = api.evaluate(**SMALL, seeds=[0, 1], store=tmp_path / "runs")
    files = sorted((tmp_path / "runs").glob("*.parquet"))
    assert [p.stem for p in files] == sorted(first.keys.values())
    stamps = [p.stat().st_mtime_ns for p in files]
    second = api.evaluate(**SMALL, seeds=[0, 1], store=tmp_path / "runs")
    assert [p.stat().st_mtime_ns for p in files] == stamps, "runs were read, not recomputed"
    pd.testing.assert_frame_equal(first.summary, second.summary, check_exact=True)


@pytest.mark.parametrize("kwargs, message", [
    (dict(scenario="nope"), "scenario = 'nope' is unknown; allowed: "),
    (dict(community="nope"), "community = 'nope' is unknown; allowed: "),
    (dict(overrides={"decision.nope": 1}), "decision.nope is not a config key"),
    (dict(overrides={"decision.civic_return": 7.0}), "decision.civic_return = 7 is out of range"),
    (dict(metrics=["nope"]), "metrics: 'nope' is not a metric; allowed: participation_rate"),
    (dict(seeds=[0, 0]), "seeds = [0, 0] lists a seed twice"),
    (dict(seeds=[-1]), "seeds = [-1] must be a non-empty list of integers >= 0"),
    (dict(seeds=[]), "seeds = [] must be a non-empty list of integers >= 0"),
    (dict(window=0), "window = 0 must be an integer >= 1"),
])
def test_bad_input_raises_one_line_config_error(kwargs, message):
    with pytest.raises(ConfigError) as info:
        api.evaluate(**{"steps": 2, **kwargs})
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_aggregate_gives_the_t_interval_over_seeds():
    summary = pd.DataFrame({"scenario": "a", "community": "c", "seed": [0, 1, 2, 3], "steps": 10, "window": 12,
                            "x": [0.1, 0.4, 0.35, 0.2], "flat": 0.5, "one": [np.nan, np.nan, 0.3, np.nan]})
    agg = api.aggregate(summary).set_index("metric")
    x = summary["x"]
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert agg.loc["x", "mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert (agg.loc["x", "ci_low"], agg.loc["x", "ci_high"]) == pytest.approx((low, high), rel=1e-12)
    assert agg.loc["x", "n"] == 4
    assert agg.loc["flat", "ci_low"] == agg.loc["flat", "ci_high"] == 0.5, "no spread: the interval collapses"
    assert agg.loc["one", "n"] == 1 and agg.loc["one", "mean"] == 0.3
    assert np.isnan(agg.loc["one", "ci_low"]) and np.isnan(agg.loc["one", "ci_high"]), "n < 2: no interval"
