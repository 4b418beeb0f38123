"""The six calibration patterns of the source documents, over 20 replications.

The criteria are defined once, in :mod:`experiments.patterns` (also used by
``python -m experiments.calibrate``). A criterion passes when the 90% interval of its
per-replication statistic (5th to 95th percentile over 20 seeds) lies inside its target
range: the pattern holds in nine replications out of ten, not only on average.
"""

from __future__ import annotations

import numpy as np
import pytest

from experiments import patterns
from tests.conftest import run_cli


@pytest.mark.parametrize("criterion", patterns.CRITERIA, ids=[c.key for c in patterns.CRITERIA])
def test_pattern_holds_over_replications(pattern_results, criterion):
    (row,) = patterns.evaluate(pattern_results, [criterion])
    lo, hi = row.interval
    assert len(row.values) == 20
    assert row.passed, (f"{criterion.key} {criterion.claim}: target {criterion.target}, mean "
                        f"{criterion.show(row.mean)}, 90% interval [{criterion.show(lo)}, {criterion.show(hi)}]")


def test_co_creation_participation_rises_year_by_year(pattern_results):
    """Not one jump and no collapse: the mean trajectory over replications rises in (almost) every year."""
    years = np.mean([r["participation_by_year"] for r in pattern_results["co_creation"]], axis=0)
    assert np.all(np.diff(years) > -0.01), years
    assert years[4] - years[0] > 0.15, "most of the rise takes several years"


def test_replications_do_not_depend_on_the_number_of_jobs():
    arms = {"short": patterns.Arm("co_creation", steps=24)}
    one = patterns.replicate(arms, [3, 4], n_jobs=1)
    two = patterns.replicate(arms, [3, 4], n_jobs=2)
    assert one == two


def test_calibrate_cli_prints_one_row_per_criterion_and_exits_by_the_result(tmp_path):
    out = tmp_path / "cal.parquet"
    r = run_cli("experiments.calibrate", "--seeds", "2", "--out", str(out))
    lines = r.stdout.splitlines()
    rows = [ln for ln in lines if ln[:4].strip() in {c.key for c in patterns.CRITERIA}]
    assert len(rows) == len(patterns.CRITERIA), r.stdout
    failed = [ln for ln in rows if ln.rstrip().endswith("FAIL")]
    assert r.returncode == (1 if failed else 0), r.stdout + r.stderr
    assert "indicative only" in r.stdout
    import pandas as pd

    frame = pd.read_parquet(out)
    assert set(frame["criterion"]) == {c.key for c in patterns.CRITERIA} and len(frame) == 2 * len(patterns.CRITERIA)


def test_calibrate_cli_rejects_bad_arguments_with_exit_code_2():
    r = run_cli("experiments.calibrate", "--seeds", "1")
    assert r.returncode == 2
    assert r.stderr.strip().startswith("error: --seeds") and len(r.stderr.strip().splitlines()) == 1
