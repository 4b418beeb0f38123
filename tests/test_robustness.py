"""Robustness over deep uncertainty (experiments.robustness): regret, minimax regret and PRIM on toy
tables with known answers, and a small EMA job of the model (demo community, a few months)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments import ema
from experiments import robustness as R
from tests.conftest import run_main


def toy_values(seed: int = 0, worlds: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(worlds):
        for p in ("a", "b", "c"):
            rows.append({"world": str(w), "policy": p, "gain": rng.normal(), "cost": rng.uniform(0, 10)})
    return pd.DataFrame(rows)


def test_regret_is_zero_for_the_best_policy_of_each_world_and_positive_otherwise():
    values = toy_values()
    r = R.regret(values, {"gain": 1.0, "cost": -1.0})
    assert (r["regret"] >= 0).all()
    for (world, outcome), rows in r.groupby(["world", "outcome"]):
        v = values[values["world"] == world].set_index("policy")
        best = v["gain"].idxmax() if outcome == "gain" else v["cost"].idxmin()  # cost: lower is better
        by_policy = rows.set_index("policy")["regret"]
        assert by_policy[best] == 0.0
        assert (by_policy.drop(best) > 0).all()
        expected = v["gain"].max() - v["gain"] if outcome == "gain" else v["cost"] - v["cost"].min()
        np.testing.assert_allclose(by_policy, expected.loc[by_policy.index], atol=1e-12)


def test_minimax_regret_chooses_the_policy_whose_worst_regret_is_smallest():
    # a: best in most worlds but terrible in one; b: never best, never far off
    values = pd.DataFrame({"world": [str(w) for w in range(4) for _ in range(2)], "policy": ["a", "b"] * 4,
                           "gain": [1.0, 0.9, 1.0, 0.9, 1.0, 0.9, -5.0, 0.8]})
    table, choice = R.minimax(R.regret(values, {"gain": 1.0}))
    t = table.set_index("policy")
    assert t.loc["a", "max_regret"] == pytest.approx(5.8) and t.loc["b", "max_regret"] == pytest.approx(0.1)
    assert bool(t.loc["b", "minimax"]) and not bool(t.loc["a", "minimax"]) and choice == "b"


@pytest.mark.slow
def test_prim_finds_a_planted_box_of_failures():
    rng = np.random.default_rng(3)
    n = 600
    x = pd.DataFrame({"u1": rng.uniform(0, 1, n), "u2": rng.uniform(0, 1, n), "u3": rng.uniform(0, 1, n)})
    inside = x["u1"].between(0.2, 0.5) & (x["u2"] > 0.6)
    adv = pd.DataFrame({"experiment": np.arange(n), "seed": 0,
                        "participation_rate": np.where(inside, -1.0, 1.0) + rng.normal(0, 0.01, n)})
    design = ema.Design(path=None, community=None, steps=None, window=12, seeds=[0],
                        uncertainties={"u1": [0, 1], "u2": [0, 1], "u3": [0, 1]}, levers={},
                        outcomes=["participation_rate"])
    box, y = ema.find_box(x, adv, design, "participation_rate", below=0.0, peel_alpha=0.05, min_density=0.8)
    assert y.sum() == inside.sum()
    lims = box.box_lim
    assert lims["u1"].iloc[0] == pytest.approx(0.2, abs=0.06) and lims["u1"].iloc[1] == pytest.approx(0.5, abs=0.06)
    assert lims["u2"].iloc[0] == pytest.approx(0.6, abs=0.06)
    assert box.stats["coverage"] >= 0.8 and box.stats["density"] >= 0.8
    text = R.failure_boxes(x, adv, design, "co_creation", "top_down", ["participation_rate"])
    assert "coverage" in text and "u1" in text and "u2" in text and "u3" not in text.splitlines()[1:3]


DESIGN = {
    "community": "demo", "steps": 6, "window": 6, "seeds": [0, 1],
    "uncertainties": {"resident.trust_in_government.mean": [0.2, 0.6], "decision.cost_sensitivity": [0.5, 2.0]},
    "policies": ["top_down", "co_creation"],
    "outcomes": {"participation_rate": "higher", "government_spending": "lower"},
}


@pytest.fixture(scope="module")
def design_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("rob") / "small.yaml"
    path.write_text(yaml.safe_dump(DESIGN), encoding="utf-8")
    return path


@pytest.mark.slow
def test_small_job_writes_regret_with_a_zero_for_each_world_and_outcome(design_file, tmp_path):
    out = tmp_path / "job"
    assert R.main([f"ranges={design_file}", "scenarios=4", f"out={out}"]) == 0
    regrets = pd.read_parquet(out / "regret.parquet")
    assert len(regrets) == 4 * 2 * 2  # worlds × policies × outcomes
    assert (regrets.groupby(["world", "outcome"])["regret"].min() == 0).all()
    table = pd.read_parquet(out / "robustness.parquet")
    assert table.groupby("outcome")["minimax"].any().all()
    manifest = yaml.safe_load((out / "manifest.json").read_text())
    assert manifest["kind"] == "robustness" and manifest["minimax_regret_policy"] in DESIGN["policies"]
    assert "PRIM" in (out / "prim.txt").read_text()
    from analysis.report import build_report

    page = build_report(out).read_text(encoding="utf-8")
    assert '<section id="robustness">' in page and "minimax" in page and "Scenario discovery (PRIM)" in page


@pytest.mark.slow
def test_worlds_from_a_posterior_table_are_the_rows_drawn(design_file, tmp_path):
    key = "resident.trust_in_government.mean"
    posterior = pd.DataFrame({key: [0.25, 0.35, 0.55], "weight": [1.0, 0.0, 2.0], "distance": 0.0})
    path = tmp_path / "posterior.parquet"
    posterior.to_parquet(path)
    out = tmp_path / "job"
    assert R.main([f"ranges={design_file}", "scenarios=5", f"worlds={path}", f"out={out}"]) == 0
    experiments = pd.read_parquet(out / "experiments.parquet")
    # a weight of 0 is never drawn; at most the rows with weight: 2 worlds × 2 policies
    assert sorted(set(experiments[ema.identifier(key)])) == [0.25, 0.55] and len(experiments) == 4
    assert ema.identifier("decision.cost_sensitivity") not in experiments  # kept at its configured value


@pytest.mark.slow
def test_bad_design_and_worlds_are_one_line_and_exit_2(design_file, tmp_path):
    bad = {**DESIGN, "outcomes": {"participation_rate": "up"}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    r = run_main("experiments.robustness", f"ranges={path}", f"out={tmp_path / 'job'}")
    assert r.returncode == 2 and "outcomes.participation_rate" in r.stderr and len(r.stderr.splitlines()) == 1
    worlds = tmp_path / "w.parquet"
    pd.DataFrame({"community.buildings": [1]}).to_parquet(worlds)
    r = run_main("experiments.robustness", f"ranges={design_file}", f"worlds={worlds}", f"out={tmp_path / 'job'}")
    assert r.returncode == 2 and "community.buildings" in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "job").exists()


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        R.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for key in ("ranges=default", "scenarios=40", "worlds=null", "n_processes=1", "prim.min_density=0.8"):
        assert key in text, key
