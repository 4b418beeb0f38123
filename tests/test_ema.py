"""``experiments.ema``: cogov as an EMA Workbench model, a small design, PRIM."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from experiments import api, ema
from model.params import ConfigError

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_ema")]  # the EMA job: one worker

DESIGN = {
    "community": "demo", "steps": 6, "window": 6, "seeds": [0],
    "uncertainties": {"resident.trust_in_government.mean": [0.2, 0.8],
                      "community.households_per_building": [30, 70]},
    "levers": {"scenario_name": ["top_down", "co_creation"]},
    "outcomes": ["participation_rate", "trust_in_government"],
}
PARAMS = ["resident__trust_in_government__mean", "community__households_per_building", "scenario_name"]


@pytest.fixture(scope="module")
def design_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("ema") / "small.yaml"
    path.write_text(yaml.safe_dump(DESIGN), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def job(design_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("ema") / "job"
    assert ema.main([f"ranges={design_file}", "scenarios=6", f"out={out}"]) == 0
    return out


def test_tables_have_one_row_per_experiment_and_per_seed(job):
    experiments = pd.read_parquet(job / "experiments.parquet")
    outcomes = pd.read_parquet(job / "outcomes.parquet")
    assert len(experiments) == 6 * 2, "6 scenarios x 2 policies (both scenario names)"
    assert set(PARAMS) <= set(experiments.columns)
    assert set(experiments["scenario_name"]) == {"top_down", "co_creation"}
    assert experiments["community__households_per_building"].between(30, 70).all()
    assert pd.api.types.is_integer_dtype(experiments["community__households_per_building"])
    assert list(outcomes.columns) == ["experiment", "seed", "participation_rate", "trust_in_government"]
    assert len(outcomes) == 12 and list(outcomes["seed"]) == [0] * 12
    assert outcomes[["participation_rate", "trust_in_government"]].notna().all().all()


def test_an_outcome_is_the_api_value_of_its_experiment(job):
    experiments = pd.read_parquet(job / "experiments.parquet")
    outcomes = pd.read_parquet(job / "outcomes.parquet")
    for i in (0, 7):
        e = experiments.iloc[i]
        r = api.evaluate(e["scenario_name"], "demo", [0], {
            "resident.trust_in_government.mean": e["resident__trust_in_government__mean"],
            "community.households_per_building": e["community__households_per_building"]},
            steps=6, window=6, metrics=DESIGN["outcomes"])
        row = outcomes[outcomes["experiment"] == i].iloc[0]
        for m in DESIGN["outcomes"]:
            assert row[m] == r.summary[m].iloc[0], (i, m)


def test_same_design_twice_gives_the_same_outcomes_and_prim_finds_a_box(design_file, job, tmp_path, capsys):
    first = pd.read_parquet(job / "outcomes.parquet")
    threshold = float(first["participation_rate"].median())  # cases of interest exist whatever the model's numbers
    out = tmp_path / "again"
    capsys.readouterr()
    assert ema.main([f"ranges={design_file}", "scenarios=6", f"out={out}", "prim.outcome=participation_rate",
                     f"prim.below={threshold}"]) == 0
    printed = capsys.readouterr().out
    pd.testing.assert_frame_equal(first, pd.read_parquet(out / "outcomes.parquet"), check_exact=True)
    a, b = (pd.read_parquet(d / "experiments.parquet")[PARAMS] for d in (job, out))
    pd.testing.assert_frame_equal(a, b, check_exact=True)

    cases = int((first["participation_rate"] < threshold).sum())
    assert 0 < cases < 12
    assert f"PRIM: {cases} of 12 experiments with participation_rate < {threshold:g}; box: coverage" in printed
    assert (out / "prim.txt").read_text().strip() in printed
    box, y = ema.find_box(pd.read_parquet(out / "experiments.parquet"), first, ema.load_design(design_file),
                          "participation_rate", below=threshold)
    assert box is not None and int(y.sum()) == cases
    assert 0 < box.stats["coverage"] <= 1 and 0 < box.stats["density"] <= 1
    trajectory = box.peeling_trajectory
    dense = trajectory[trajectory["density"] >= 0.8]
    if len(dense):  # the selected box: the largest coverage at density >= 0.8
        assert box.stats["density"] >= 0.8 and box.stats["coverage"] == dense["coverage"].max()
    else:
        assert box.stats["density"] == trajectory["density"].max()


def test_the_default_design_loads():
    d = ema.load_design("default")
    assert d.seeds == [0, 1, 2] and "scenario_name" in d.levers
    m = ema.model(d)
    assert [p.name for p in m.uncertainties] == [ema.identifier(k) for k in d.uncertainties]
    assert [r["seed"] for r in m.replications] == d.seeds


@pytest.mark.parametrize("change, message", [
    ({"uncertainties": {"decision.nope": [0, 1]}}, "uncertainties.decision.nope is not a config key"),
    ({"uncertainties": {"decision.civic_return": [0.0, 5.0]}}, "leaves the declared range"),
    ({"levers": {"scenario_name": ["top_down", "nope"]}}, "scenario = 'nope' is unknown"),
    ({"outcomes": ["nope"]}, "outcomes: 'nope' is not a metric"),
    ({"seeds": [0, 0]}, "seeds = [0, 0] lists a seed twice"),
    ({"uncertainties": {"community.households_per_building": [30.5, 70]}},
     "uncertainties.community.households_per_building = 30.5 is not a whole number"),
    ({"levers": {"consultation.voice": ["all", "nope"]}}, "levers.consultation.voice = 'nope' is not allowed"),
    ({"steps": -1}, "steps = -1 is out of range"),
    ({"replications": 3}, "replications is not a key; allowed: "),
])
def test_a_bad_design_is_one_line(tmp_path, change, message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({**DESIGN, **change}), encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ema.load_design(path)
    with pytest.raises(SystemExit) as exit_info:
        ema.main([f"ranges={path}", f"out={tmp_path / 'out'}"])
    assert exit_info.value.code == 2 and not (tmp_path / "out").exists()


def test_prim_options_are_checked(design_file, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        ema.main([f"ranges={design_file}", "prim.outcome=participation_rate", f"out={tmp_path / 'o'}"])
    assert exit_info.value.code == 2
    assert "prim.outcome needs exactly one of prim.below" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_command_line_replaces_design_keys_and_fixes_model_keys(design_file, tmp_path):
    out = tmp_path / "job"
    assert ema.main([f"ranges={design_file}", "scenarios=2", "seeds=[4,5]", "steps=3", "window=2",
                     "decision.civic_return=0.4", f"out={out}"]) == 0
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    experiments = pd.read_parquet(out / "experiments.parquet")
    assert list(outcomes["seed"]) == [4, 5] * 4, "2 scenarios x 2 policies, each with seeds 4 and 5"
    e, row = experiments.iloc[1], outcomes.iloc[3]  # experiment 1, seed 5
    r = api.evaluate(e["scenario_name"], "demo", [5], {
        "resident.trust_in_government.mean": e["resident__trust_in_government__mean"],
        "community.households_per_building": e["community__households_per_building"],
        "decision.civic_return": 0.4}, steps=3, window=2, metrics=DESIGN["outcomes"])
    assert row["participation_rate"] == r.summary["participation_rate"].iloc[0]
