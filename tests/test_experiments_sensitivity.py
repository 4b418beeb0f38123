"""``python -m experiments.sensitivity``: SALib Sobol and Morris over declared ranges."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments import sensitivity

pytestmark = pytest.mark.xdist_group("test_experiments_sensitivity")  # the Sobol job: one worker computes it

# In top_down consultation is off, so consultation.adoption_rate cannot matter: a dummy
# parameter. Initial trust in government drives trust in government.
RANGES = {
    "scenario": "top_down", "community": "default", "steps": 8, "window": 4, "replications": 1, "samples": 8,
    "metrics": ["trust_in_government", "participation_rate"],
    "parameters": {"resident.trust_in_government.mean": [0.3, 0.7], "consultation.adoption_rate": [0.3, 0.9]},
}
SMALL = ["community.buildings=2", "community.households_per_building=40", "progress=false", "launcher=serial"]


def write_ranges(path, **changes):
    path.write_text(yaml.safe_dump({**RANGES, **changes}, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    d = tmp_path_factory.mktemp("sensitivity")
    ranges = write_ranges(d / "ranges.yaml")
    out = {}
    for method, n in (("sobol", 8), ("morris", 4)):
        out[method] = d / method
        assert sensitivity.main([f"ranges={ranges}", f"method={method}", f"samples={n}", f"out={out[method]}",
                                 *SMALL]) == 0
    return out


@pytest.mark.slow
def test_sobol_writes_samples_indices_and_manifest(jobs):
    d = jobs["sobol"]
    samples = pd.read_parquet(d / "samples.parquet")
    assert len(samples) == 8 * (2 + 2)  # N·(D+2) without second-order indices
    assert list(samples.columns) == ["sample", "seed", *RANGES["parameters"], *RANGES["metrics"]]
    assert samples["resident.trust_in_government.mean"].between(0.3, 0.7).all()
    idx = pd.read_parquet(d / "indices.parquet")
    assert list(idx.columns) == sensitivity.INDEX_COLUMNS and len(idx) == 2 * 2
    assert (idx["method"] == "sobol").all() and idx[["mu_star", "sigma"]].isna().all().all()
    assert pd.read_csv(d / "indices.csv").shape == idx.shape
    m = json.loads((d / "manifest.json").read_text())
    assert m["kind"] == "sensitivity" and m["method"] == "sobol" and m["samples"] == 8 and m["runs"] == 32
    assert m["parameters"] == RANGES["parameters"] and m["scenarios"] == ["top_down"] and m["seeds"] == [0]
    assert m["steps"] == 8 and m["command"].startswith("python -m experiments.sensitivity ")
    assert m["descriptions"]["top_down"] and m["status"] == "complete"


@pytest.mark.slow
def test_sobol_total_index_is_zero_for_a_parameter_without_effect_and_large_for_a_driver(jobs):
    idx = pd.read_parquet(jobs["sobol"] / "indices.parquet").set_index(["metric", "parameter"])
    dummy = idx.xs("consultation.adoption_rate", level="parameter")
    assert (dummy[["S1", "ST"]].abs() < 1e-12).all().all()  # common seeds: no noise either
    assert idx.loc[("trust_in_government", "resident.trust_in_government.mean"), "ST"] > 0.5


@pytest.mark.slow
def test_sobol_indices_are_salibs_on_the_stored_samples(jobs):
    from SALib.analyze import sobol

    samples = pd.read_parquet(jobs["sobol"] / "samples.parquet").sort_values("sample")
    problem = {"num_vars": 2, "names": list(RANGES["parameters"]), "bounds": list(RANGES["parameters"].values())}
    r = sobol.analyze(problem, samples["trust_in_government"].to_numpy(), calc_second_order=False,
                      seed=np.random.default_rng(0))  # sampler_seed 0 seeds the bootstrap
    idx = pd.read_parquet(jobs["sobol"] / "indices.parquet")
    got = idx[idx["metric"] == "trust_in_government"]
    np.testing.assert_allclose(got["S1"], r["S1"], rtol=1e-12)
    np.testing.assert_allclose(got["ST_conf"], r["ST_conf"], rtol=1e-12)


def test_morris_mu_star_is_zero_for_a_parameter_without_effect(jobs):
    idx = pd.read_parquet(jobs["morris"] / "indices.parquet").set_index(["metric", "parameter"])
    assert len(pd.read_parquet(jobs["morris"] / "samples.parquet")) == 4 * (2 + 1)
    assert (idx.xs("consultation.adoption_rate", level="parameter")[["mu_star", "sigma"]] == 0).all().all()
    assert idx.loc[("trust_in_government", "resident.trust_in_government.mean"), "mu_star"] > 0.1
    assert idx[["S1", "ST"]].isna().all().all()


def test_running_again_takes_every_run_from_the_store(jobs, capsys):
    d = jobs["morris"]
    before = pd.read_parquet(d / "indices.parquet")
    ranges = json.loads((d / "manifest.json").read_text())["ranges_file"]
    assert sensitivity.main([f"ranges={ranges}", "method=morris", "samples=4", f"out={d}", *SMALL]) == 0
    assert "0 runs computed, 10 found" in capsys.readouterr().out  # Morris repeats some points
    pd.testing.assert_frame_equal(pd.read_parquet(d / "indices.parquet"), before)


@pytest.mark.parametrize("change,message", [
    ({"parameters": {"resident.trust_in_gov.mean": [0.1, 0.2]}},
     "parameters.resident.trust_in_gov.mean is not a config key"),
    ({"parameters": {"consultation.adoption_rate": [0.5, 1.5]}}, "leaves the declared range [0.0, 1.0]"),
    ({"parameters": {"social_orgs.contract_rule": [0, 1]}}, "parameters.social_orgs.contract_rule is not numeric"),
    ({"parameters": {"disclosure.level": [0.8, 0.2]}}, "must be [low, high] with low < high"),
    ({"metrics": ["happiness"]}, "metrics: 'happiness' is not a metric"),
])
def test_bad_ranges_end_before_any_run_with_one_line_and_exit_2(tmp_path, capsys, change, message):
    ranges = write_ranges(tmp_path / "r.yaml", **change)
    with pytest.raises(SystemExit) as exc:
        sensitivity.main([f"ranges={ranges}", f"out={tmp_path / 'job'}", *SMALL])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "job").exists()


def test_the_default_ranges_file_is_valid():
    path, data = sensitivity.load_ranges("default")
    assert path.name == "default.yaml" and len(data["parameters"]) >= 5
