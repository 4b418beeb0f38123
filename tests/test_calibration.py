"""The calibration patterns of the source documents, over 20 replications (``make test-slow``), and
the headline ones over a few (``make test``).

The criteria are defined once, in :mod:`experiments.patterns` (also used by
``python -m experiments.calibrate``). A criterion passes when the 90% interval of its
per-replication statistic (5th to 95th percentile over 20 seeds) lies inside its target
range: the pattern holds in nine replications out of ten, not only on average.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from experiments import patterns
from tests.conftest import FEW, PATTERNS, run_cli, run_main


@pytest.mark.replicated
@pytest.mark.xdist_group(PATTERNS)
@pytest.mark.parametrize("criterion", patterns.CHECKS, ids=[c.key for c in patterns.CHECKS])
def test_pattern_holds_over_replications(pattern_results, criterion):
    (row,) = patterns.evaluate(pattern_results, [criterion])
    lo, hi = row.interval
    assert len(row.values) == 20
    assert row.passed, (f"{criterion.key} {criterion.claim}: target {criterion.target}, mean "
                        f"{criterion.show(row.mean)}, 90% interval [{criterion.show(lo)}, {criterion.show(hi)}]")


@pytest.mark.replicated
@pytest.mark.xdist_group(PATTERNS)
def test_co_creation_participation_rises_year_by_year(pattern_results):
    """Not one jump and no collapse: the mean trajectory over replications rises in (almost) every year."""
    rises_year_by_year(pattern_results)


@pytest.mark.slow
@pytest.mark.xdist_group(FEW)
def test_co_creation_participation_rises_year_by_year_over_a_few_replications(few_pattern_results):
    """The representative of the test above in ``make test``: the mean trajectory over 4 seeds."""
    rises_year_by_year(few_pattern_results)


def rises_year_by_year(results) -> None:
    years = np.mean([r["participation_by_year"] for r in results["co_creation"]], axis=0)
    assert np.all(np.diff(years) > -0.01), years
    assert years[4] - years[0] > 0.15, "most of the rise takes several years"


@pytest.mark.slow
@pytest.mark.xdist_group(FEW)
@pytest.mark.parametrize("key", ["1a", "2a", "2d"])
def test_the_headline_patterns_hold_over_a_few_replications(few_pattern_results, key):
    """The representative of ``test_pattern_holds_over_replications`` in ``make test``: participation under
    top-down (1a) and co-creation (2a) and the satisfaction gap (2d), their 90% intervals over 4 seeds
    inside the targets (every criterion over 20 seeds: ``make test-slow``)."""
    (row,) = patterns.evaluate(few_pattern_results, [c for c in patterns.CHECKS if c.key == key])
    assert len(row.values) == 4 and row.passed, (key, row.criterion.target, row.interval)


@pytest.mark.slow
def test_replications_do_not_depend_on_the_number_of_jobs():
    arms = {"short": patterns.Arm("co_creation", steps=24)}
    one = patterns.replicate(arms, [3, 4], n_jobs=1)
    two = patterns.replicate(arms, [3, 4], n_jobs=2)
    np.testing.assert_equal(one, two)  # NaN measures (no lifts in the default community) compare equal
    np.testing.assert_equal(one["short"][1], patterns.run_arm(arms["short"], 4),
                            err_msg="the runner's measures are those of a direct run")


def _table_rows(stdout: str) -> dict[str, str]:
    keys = {c.key for c in patterns.CHECKS}
    return {ln[:4].strip(): ln for ln in stdout.splitlines() if ln[:4].strip() in keys}


@pytest.mark.slow
def test_calibrate_fails_with_exit_1_when_an_override_breaks_a_criterion(tmp_path):
    """Without incentives the co-creation arm loses ~60% of its volunteers a year: input check i2
    (10-30% with community coins) must FAIL, and the job exit with code 1."""
    r = run_main("experiments.calibrate", "criteria=[i2]", "replications=2", "incentives.allowed=false",
                "launcher=serial", "progress=false", f"out={tmp_path / 'cal'}")
    rows = _table_rows(r.stdout)
    assert list(rows) == ["i2"], r.stdout + r.stderr
    assert rows["i2"].rstrip().endswith("FAIL") and r.returncode == 1, r.stdout + r.stderr
    assert "0/1 inputs hold" in r.stdout and "criteria pass" not in r.stdout and "indicative only" in r.stdout


@pytest.mark.slow
def test_calibrate_passes_with_exit_0_keeps_its_runs_and_resumes(tmp_path):
    """2d (satisfaction co-creation minus top-down >= 0.25; about +0.5 in the model) passes; the
    per-replication values are written, and a second run takes every run from the store."""
    import pandas as pd

    out = tmp_path / "cal"
    args = ["criteria=[2d]", "replications=2", "launcher=serial", "progress=false", f"out={out}"]
    r = run_cli("experiments.calibrate", *args)
    assert r.returncode == 0, r.stdout + r.stderr
    rows = _table_rows(r.stdout)
    assert list(rows) == ["2d"] and rows["2d"].rstrip().endswith("pass")
    assert "4 runs computed, 0 found" in r.stdout and r.stdout.strip().endswith(f"results: {out}")
    frame = pd.read_parquet(out / "calibration.parquet")
    assert list(frame["criterion"]) == ["2d", "2d"] and list(frame["seed"]) == [0, 1] and frame["passed"].all()
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "calibrate" and m["criteria"] == ["2d"] and m["status"] == "complete" and m["window"] == 12
    again = run_cli("experiments.calibrate", *args)
    assert again.returncode == 0 and "0 runs computed, 4 found" in again.stdout, again.stdout + again.stderr
    assert _table_rows(again.stdout)["2d"] == rows["2d"]


@pytest.mark.slow
@pytest.mark.parametrize("args,message", [
    (["replications=1"], "replications = 1 is out of range; allowed: whole numbers 2 to 100000"),
    (["criteria=[9z]"], "criteria: '9z' is not a criterion; allowed: 1a, 1b"),
    (["--seeds", "2"], "unexpected argument '--seeds'"),
    (["incentives.allowed=maybe"], "incentives.allowed"),
])
def test_calibrate_rejects_bad_options_with_one_line_and_exit_code_2(tmp_path, args, message):
    r = run_main("experiments.calibrate", *args, f"out={tmp_path / 'cal'}")
    assert r.returncode == 2, r.stdout + r.stderr
    err = r.stderr.strip()
    assert err.startswith("error: ") and len(err.splitlines()) == 1 and message in err, err
    assert not (tmp_path / "cal").exists()
