"""Same config and seed → identical numbers, in this process and in another."""

from __future__ import annotations

import pytest
import pandas as pd

from tests.conftest import run_cli, run_model


def test_same_seed_same_timeseries_and_different_seed_different():
    a = run_model("co_creation", seed=7, steps=30).timeseries()
    b = run_model("co_creation", seed=7, steps=30).timeseries()
    c = run_model("co_creation", seed=8, steps=30).timeseries()
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


@pytest.mark.slow
def test_cli_runs_in_separate_processes_write_identical_timeseries(tmp_path):
    frames = []
    for k in range(2):
        out = tmp_path / f"run{k}"
        r = run_cli("experiments.run", "scenario=co_creation", "seed=5", "steps=30", f"hydra.run.dir={out}")
        assert r.returncode == 0, r.stderr
        frames.append(pd.read_parquet(out / "timeseries.parquet"))
    pd.testing.assert_frame_equal(*frames)
    in_process = run_model("co_creation", seed=5, steps=30).timeseries()
    pd.testing.assert_frame_equal(frames[0], in_process, check_dtype=False)
