"""``experiments.run objective=<metric>``: a float for sweepers, tested with Hydra's Optuna sweeper."""

from __future__ import annotations

import json
import math
import re

import pytest
import yaml

import scenarios
from experiments import api
from model.community import CommunityModel
from tests.conftest import run_cli, run_main

pytestmark = pytest.mark.slow


def expected(seeds, target=None, **overrides) -> float:
    """The objective computed independently through the API: mean over seeds of the last-12 mean."""
    r = api.evaluate(None, "demo", seeds, overrides, steps=12, metrics=["participation_rate"])
    mean = float(r.summary["participation_rate"].mean())
    return mean if target is None else abs(mean - target)


def test_run_keys_stay_out_of_the_model_config():
    data = scenarios.compose_dict("top_down", "demo", ["seeds=[0,1]"])
    assert not set(scenarios.RUN_KEYS) & set(data)
    assert CommunityModel(scenario_name="top_down", community="demo", rng=0).n_residents > 0


def test_single_run_prints_the_objective_and_writes_it(tmp_path):
    out = tmp_path / "run"
    r = run_main("experiments.run", "community=demo", "steps=12", "objective=participation_rate",
                "objective.target=0.25", "seeds=[0,1]", f"hydra.run.dir={out}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("objective: "))
    printed = float(line.rsplit("= ", 1)[1])
    record = json.loads((out / "objective.json").read_text())
    assert record["seeds"] == [0, 1] and record["target"] == 0.25 and record["window"] == 12
    assert record["value"] == pytest.approx(expected([0, 1], 0.25), rel=1e-12, abs=1e-15)
    assert printed == pytest.approx(record["value"], rel=1e-5)
    assert json.loads((out / "summary.json").read_text())["seed"] == 0, "the job's own run: the first seed"


@pytest.mark.parametrize("args, message", [
    (["objective=nope"], "error: objective = 'nope' is not a metric; allowed: participation_rate"),
    (["objective.target=0.2"], "error: objective.target is set but no objective is named"),
    (["objective=participation_rate", "seeds=[-1]"], "error: seeds = [-1] must be a non-empty list"),
    (["seeds=[0,1]"], "error: seeds is set but no objective is named"),
    (["objective=participation_rate", "objective.window=0"], "error: objective.window = 0 must be an integer >= 1"),
    (["objective=participation_rate", "objective.target=abc"], "error: "),
])
def test_bad_objective_is_one_line_and_exit_2(tmp_path, args, message):
    r = run_main("experiments.run", "community=demo", "steps=1", *args, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip().startswith(message) and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "outputs").exists(), "nothing written"


def test_optuna_sweeper_records_every_trial_and_its_best(tmp_path):
    sweep = tmp_path / "sweep"
    r = run_cli("experiments.run", "-m", "hydra/sweeper=optuna", "hydra.sweeper.n_trials=4",
                "hydra.sweeper.sampler.seed=0", "community=demo", "steps=12", "objective=participation_rate",
                "objective.target=0.25", "seeds=[0,1]", "decision.civic_return=interval(0.0,0.5)",
                f"hydra.sweep.dir={sweep}", "hydra.callbacks.sweep.progress=false", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Failed experiment" not in r.stderr + r.stdout and "float-castable" not in r.stderr + r.stdout
    trials = {}
    for job in sorted(p for p in sweep.iterdir() if p.name.isdigit()):
        record = json.loads((job / "objective.json").read_text())
        overrides = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text())
        civic = float(next(o.split("=", 1)[1] for o in overrides if o.startswith("decision.civic_return=")))
        assert isinstance(record["value"], float) and math.isfinite(record["value"])
        trials[civic] = record["value"]
    assert len(trials) == 4, "four trials, four distinct points"
    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert results["best_value"] == min(trials.values())
    assert trials[results["best_params"]["decision.civic_return"]] == results["best_value"]
    assert re.search(r"Best value: [0-9.e-]+", r.stdout + r.stderr)
    civic, value = next(iter(trials.items()))
    assert value == pytest.approx(expected([0, 1], 0.25, **{"decision.civic_return": civic}), rel=1e-12, abs=1e-15)


def test_a_trial_whose_run_fails_is_a_failed_trial_and_the_sweep_goes_on(tmp_path):
    sweep = tmp_path / "sweep"
    # decision.civic_return is declared within [0, 2]: the sampler's points above 2 fail validation
    r = run_cli("experiments.run", "-m", "hydra/sweeper=optuna", "hydra.sweeper.n_trials=4",
                "hydra.sweeper.sampler.seed=0", "hydra.sweeper.max_failure_rate=1.0", "community=demo", "steps=3",
                "objective=participation_rate", "seeds=[0,1]", "decision.civic_return=interval(1.0,2.6)",
                f"hydra.sweep.dir={sweep}", "hydra.callbacks.sweep.progress=false", cwd=tmp_path)
    jobs = sorted(p for p in sweep.iterdir() if p.name.isdigit())
    failed = [j for j in jobs if (j / "failed.json").exists()]
    done = {j: json.loads((j / "objective.json").read_text())["value"] for j in jobs if j not in failed}
    assert len(jobs) == 4 and failed and done, "the design mixes failing and valid trials"
    assert all("is out of range" in json.loads((j / "failed.json").read_text())["error"] for j in failed)
    assert "Failed experiment: job" in r.stdout + r.stderr
    results = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert results["best_value"] == min(done.values())
    assert r.returncode == 1, "the failed runs are reported at the end"
