"""``python -m experiments.run``: what it writes and prints; every entry point's ``--help`` and bad options."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import run_cli, run_main
from tests.test_mesa_api import REQUIRED


@pytest.mark.slow
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



@pytest.mark.slow
@pytest.mark.parametrize("prog,keys", [
    ("experiments.run", ["scenario={", "community={", "seed=0", "steps=120", "consultation.adoption_rate=",
                         "hydra/launcher="]),
    ("experiments.lab", ["seed=0", "mpcr=", "punishment.enabled="]),
    ("experiments.compare", ["scenarios=", "replications=30", "window=12", "launcher=joblib", "out=null"]),
    ("experiments.calibrate", ["replications=20", "criteria=[]", "launcher=joblib", "out=null"]),
    ("experiments.sensitivity", ["method=sobol", "window=null", "launcher=joblib"]),
    ("experiments.collect", ["sweep=null", "out=null"]),
    ("experiments.benchmark", ["sizes=", "out="]),
    ("analysis.report", ["results=null", "out=null"]),
    ("experiments.odd_tables", ["check=false", "output="]),
])
def test_every_entry_point_lists_its_keys_on_help(prog, keys):
    r = run_main(prog, "--help")
    assert r.returncode == 0, r.stderr
    for k in keys:
        assert k in r.stdout, (k, r.stdout[:2000])


@pytest.mark.slow
@pytest.mark.parametrize("prog,args,fragment", [
    ("experiments.collect", ["colour=blue"], "colour is not an option; allowed: sweep, out"),
    ("experiments.collect", ["sweep=/nowhere/at/all"], "sweep = '/nowhere/at/all' is not a directory"),
    ("experiments.collect", ["/some/dir"], "unexpected argument '/some/dir'"),
    ("experiments.run", ["scenario=nowhere"], "scenario = 'nowhere' is unknown"),
])
def test_a_bad_option_is_one_line_and_exit_2(prog, args, fragment):
    r = run_main(prog, *args)
    err = r.stderr.strip()
    assert r.returncode == 2 and len(err.splitlines()) == 1 and fragment in err, err
