"""Hydra multirun sweeps: the collected table, resuming, failures, and the same numbers under the
basic (serial), joblib, submitit (local executor) and Ray launchers."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from experiments import collect, compare
from tests.conftest import run_cli, run_model

SWEEP = ["seed=0,1", "resident.trust_in_government.mean=0.3,0.6", "steps=6", "community.buildings=2",
         "community.households_per_building=40"]


def sweep(sweep_dir, *args, timeout=300):
    return run_cli("experiments.run", "-m", *args, f"hydra.sweep.dir={sweep_dir}", timeout=timeout)


@pytest.fixture(scope="module")
def serial_sweep(tmp_path_factory):
    """The reference: the sweep run one job after the other (Hydra's basic launcher)."""
    d = tmp_path_factory.mktemp("sweep") / "serial"
    r = sweep(d, *SWEEP)
    assert r.returncode == 0, r.stderr
    return d


def same_runs(a_dir, b_dir):
    """The runs of sweep b equal the runs with the same store key in sweep a (all metrics, every step)."""
    a, b = pd.read_parquet(a_dir / "sweep.parquet"), pd.read_parquet(b_dir / "sweep.parquet")
    assert len(b) and set(b["key"]) <= set(a["key"])
    cols = [c for c in b.columns if c != "job"]
    a = a[a["key"].isin(b["key"])].sort_values(["key", "step"])[cols].reset_index(drop=True)
    b = b.sort_values(["key", "step"])[cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_sweep_table_has_swept_parameters_as_columns_and_the_models_numbers(serial_sweep):
    t = pd.read_parquet(serial_sweep / "sweep.parquet")
    assert list(t.columns[:7]) == ["job", "key", "scenario", "community", "seed", "resident.trust_in_government.mean",
                                   "step"]
    assert t["resident.trust_in_government.mean"].dtype == "float64" and t["seed"].dtype == "int64"
    assert len(t) == 4 * 7 and t.groupby("job").size().eq(7).all()
    runs = t[["job", "seed", "resident.trust_in_government.mean"]].drop_duplicates().set_index("job")
    assert sorted(map(tuple, runs.to_numpy().tolist())) == [(0, 0.3), (0, 0.6), (1, 0.3), (1, 0.6)]
    for job, (seed, trust) in runs.iterrows():  # each job's columns say what its config was
        cfg = yaml.safe_load((serial_sweep / str(job) / ".hydra" / "config.yaml").read_text())
        assert cfg["seed"] == seed and cfg["resident"]["trust_in_government"]["mean"] == trust
    one = t[t["job"] == 3].drop(columns=list(t.columns[:6])).reset_index(drop=True)
    seed, trust = runs.loc[3]
    direct = run_model("co_creation", seed=int(seed), steps=6, **{"community.buildings": 2,
                       "community.households_per_building": 40, "resident.trust_in_government.mean": trust})
    pd.testing.assert_frame_equal(one, direct.timeseries(), check_dtype=False)


def test_sweep_manifest_follows_the_results_contract(serial_sweep):
    m = json.loads((serial_sweep / "manifest.json").read_text())
    assert m["kind"] == "sweep" and m["scenarios"] == ["co_creation"] and m["community"] == "default"
    assert m["descriptions"]["co_creation"].startswith("The five co-s")
    assert m["seeds"] == [0, 1] and m["replications"] == 2 and m["steps"] == 6 and m["runs"] == 4
    assert m["swept"] == {"seed": [0, 1], "resident.trust_in_government.mean": [0.3, 0.6]}
    assert m["command"].startswith("python -m experiments.run -m ")
    assert f"hydra.sweep.dir={serial_sweep}" in m["command"]
    assert m["status"] == "complete" and m["counts"] == {"finished": 4, "failed": 0, "missing": 0}


def test_collector_rebuilds_the_same_table_from_the_run_directories(serial_sweep, tmp_path):
    result = collect.collect(serial_sweep, out=tmp_path / "again.parquet")
    assert result.runs == 4 and result.failures == [] and result.missing == []
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "again.parquet"),
                                  pd.read_parquet(serial_sweep / "sweep.parquet"))


def test_running_a_sweep_again_takes_every_run_from_the_store(serial_sweep):
    before = {p.name: p.stat().st_mtime_ns for p in (serial_sweep / "runs").glob("*.parquet")}
    table = pd.read_parquet(serial_sweep / "sweep.parquet")
    r = sweep(serial_sweep, *SWEEP)
    assert r.returncode == 0, r.stderr
    progress = (serial_sweep / ".progress").read_text().splitlines()
    assert len(progress) == 8 and all(ln.endswith(" cached") for ln in progress[4:])
    assert {p.name: p.stat().st_mtime_ns for p in (serial_sweep / "runs").glob("*.parquet")} == before
    pd.testing.assert_frame_equal(pd.read_parquet(serial_sweep / "sweep.parquet"), table)


def test_joblib_launcher_gives_the_same_numbers(serial_sweep, tmp_path):
    r = sweep(tmp_path / "joblib", *SWEEP, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    assert r.returncode == 0, r.stderr
    assert "Joblib.Parallel" in r.stdout + r.stderr
    same_runs(serial_sweep, tmp_path / "joblib")


def test_submitit_launcher_local_executor_gives_the_same_numbers(serial_sweep, tmp_path):
    """The SLURM launcher's code path (submitit job arrays) run by submitit's local executor."""
    args = [a if not a.startswith("resident.") else "resident.trust_in_government.mean=0.6" for a in SWEEP]
    r = sweep(tmp_path / "submitit", *args, "hydra/launcher=submitit_local")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "submitit" / ".submitit").is_dir()
    same_runs(serial_sweep, tmp_path / "submitit")


def test_submitit_slurm_config_composes_for_the_official_plugin():
    r = run_cli("experiments.run", "hydra/launcher=submitit_slurm", "hydra.launcher.partition=compute", "--cfg",
                "hydra", "--package", "hydra.launcher")
    assert r.returncode == 0, r.stderr
    cfg = yaml.safe_load(r.stdout.split("\n", 1)[1] if r.stdout.startswith("#") else r.stdout)
    assert cfg["_target_"] == "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"
    assert cfg["partition"] == "compute" and cfg["cpus_per_task"] == 1
    assert "validated against ConfigStore schema" not in r.stderr


def test_a_failing_run_is_recorded_and_the_sweep_ends_with_exit_1_and_the_list(tmp_path):
    # One household of one adult is too small a community: that job raises, the other runs.
    d = tmp_path / "failing"
    r = sweep(d, "community.households_per_building=1,20", "community.buildings=1",
              "community.adults_per_household=1.0", "steps=4")
    assert r.returncode == 1
    assert "1 runs failed" in r.stderr and "community.households_per_building=1 " in r.stderr
    assert "fewer than 2 residents" in r.stderr
    failures = json.loads((d / "failures.json").read_text())
    assert len(failures) == 1 and failures[0]["job"] == 0
    record = json.loads((d / "runs" / f"{failures[0]['key']}.failed.json").read_text())
    assert record["config"]["community"]["households_per_building"] == 1 and "Traceback" in record["traceback"]
    t = pd.read_parquet(d / "sweep.parquet")
    assert set(t["job"]) == {1} and set(t["community.households_per_building"]) == {20}
    assert json.loads((d / "manifest.json").read_text())["status"] == "failed"


@pytest.fixture(scope="module")
def local_ray():
    """A real Ray instance on this machine, started by the test."""
    import ray

    ray.init(address="local", num_cpus=2, include_dashboard=False, object_store_memory=100 * 1024 * 1024,
             log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_launcher_on_a_running_ray_instance_gives_the_same_numbers(serial_sweep, tmp_path, local_ray):
    address = local_ray.get_runtime_context().gcs_address
    r = sweep(tmp_path / "ray", *SWEEP, "hydra/launcher=ray", f"hydra.launcher.ray.init.address={address}")
    assert r.returncode == 0, r.stderr
    log = r.stdout + r.stderr
    assert "Ray Launcher is launching 4 jobs" in log
    assert f"Connecting to existing Ray cluster at address: {address}" in log  # the test's instance
    same_runs(serial_sweep, tmp_path / "ray")


def test_compare_on_ray_gives_the_same_numbers_as_serially(tmp_path, local_ray):
    args = ["scenarios=[top_down,co_creation]", "replications=2", "steps=6", "community.buildings=2",
            "community.households_per_building=40", "progress=false"]
    assert compare.main([*args, "launcher=ray", f"out={tmp_path / 'ray'}"]) == 0
    assert compare.main([*args, "launcher=serial", f"out={tmp_path / 'serial'}"]) == 0
    for name in ("timeseries.parquet", "summary.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "ray" / name),
                                      pd.read_parquet(tmp_path / "serial" / name))


def _multirun_config(tmp_path, task: list[str], sweeper: dict | None = None):
    from omegaconf import OmegaConf

    return OmegaConf.create({
        "info": {"scenario": "co_creation", "community": "default"}, "seed": 0, "steps": 6,
        "hydra": {"overrides": {"task": task, "hydra": []}, "sweep": {"dir": str(tmp_path / "sweep")},
                  "runtime": {"choices": {"hydra/launcher": "basic"}}, "sweeper": sweeper or {}}})


@pytest.mark.parametrize("task,sweeper,runs", [
    (["seed=0,1", "steps=choice(4,6,8)"], None, 6),
    (["resident.trust_in_government.mean=interval(0.2,0.8)", "seed=0,1"], {"n_trials": 12}, 12),
    (["resident.trust_in_government.mean=tag(trust,interval(0.2,0.8))"], None, None),
])
def test_sweep_manifest_counts_runs_of_grids_and_sampled_sweeps_without_a_warning(tmp_path, task, sweeper, runs):
    """Grids: their size; a sweeper's interval()/choice()/tag(): its n_trials, else unknown (null)."""
    import warnings

    from experiments import sweep as sweep_mod

    cb = sweep_mod.SweepCallback(progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cb.on_multirun_start(_multirun_config(tmp_path, task, sweeper))
    m = json.loads((tmp_path / "sweep" / "manifest.json").read_text())
    assert m["runs"] == runs and m["status"] == "running" and m["window"] == 12
    key = task[0].split("=")[0]
    assert key in m["swept"]
    if "interval" in task[0]:
        assert "interval(0.2,0.8)" in m["swept"][key]


def test_a_task_of_its_own_is_not_reported_as_interrupted(tmp_path):
    """A user's own Hydra app on cogov's config (so with our SweepCallback) that writes no results."""
    script = tmp_path / "mine.py"
    script.write_text(
        "import hydra\nimport scenarios\n\n"
        "@hydra.main(version_base='1.3', config_path=str(scenarios.CONFIG_DIR), config_name='config')\n"
        "def task(cfg):\n    return float(cfg.seed)\n\n"
        "if __name__ == '__main__':\n    task()\n")
    import subprocess
    import sys

    from tests.conftest import ROOT

    d = tmp_path / "sweep"
    r = subprocess.run([sys.executable, str(script), "-m", "seed=0,1", f"hydra.sweep.dir={d}"], cwd=tmp_path,
                       env={**__import__("os").environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "interrupted" not in r.stderr and "no result" not in r.stderr, r.stderr
    m = json.loads((d / "manifest.json").read_text())
    assert m["status"] == "complete" and "nothing collected" in m["note"]
