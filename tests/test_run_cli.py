"""``python -m experiments.run``: what it writes and prints."""

from __future__ import annotations

import json

import pandas as pd

from tests.conftest import run_cli
from tests.test_mesa_api import REQUIRED


def test_run_writes_timeseries_summary_and_config_and_ends_with_results_line(tmp_path):
    out = tmp_path / "out"
    r = run_cli("experiments.run", "scenario=top_down", "community=ageing", "seed=4", "steps=30",
                f"hydra.run.dir={out}")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[-1] == f"results: {out}"
    assert any(ln.startswith("participation_rate") for ln in lines), "headline table printed"

    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts["step"]) == list(range(31))
    for col in REQUIRED:
        assert col in ts.columns, col

    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 4 and summary["scenario"] == "top_down" and summary["community"] == "ageing"
    assert summary["version"] == "0.1.0"
    assert summary["final"]["participation_rate"] == ts["participation_rate"].iloc[-1]
    w = summary["window"]
    assert w == 12 and "mean_last_12" not in summary
    assert abs(summary["window_mean"]["trust_in_government"] - ts["trust_in_government"].iloc[-w:].mean()) < 1e-12
    assert (out / ".hydra" / "config.yaml").exists()
