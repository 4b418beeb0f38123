"""Hydra multirun sweeps: the collected table, resuming, failures, and the same numbers under the
basic (serial), joblib, submitit (local executor) and Ray launchers."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from experiments import collect, compare
from tests.conftest import run_cli, run_main, run_model


SWEEP = ["seed=0,1", "resident.trust_in_government.mean=0.3,0.6", "steps=6", "community.buildings=2",
         "community.households_per_building=40"]


def sweep(sweep_dir, *args, timeout=300, process=False):
    """``experiments.run -m`` in this process (Hydra's basic launcher), or with ``process`` in a new one
    (the launchers that start workers: joblib, submitit, Ray)."""
    run = run_cli if process else run_main
    return run("experiments.run", "-m", *args, f"hydra.sweep.dir={sweep_dir}", timeout=timeout)


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_sweep_manifest_follows_the_results_contract(serial_sweep):
    m = json.loads((serial_sweep / "manifest.json").read_text())
    assert m["kind"] == "sweep" and m["scenarios"] == ["co_creation"] and m["community"] == "default"
    assert m["descriptions"]["co_creation"].startswith("The five co-s")
    assert m["seeds"] == [0, 1] and m["replications"] == 2 and m["steps"] == 6 and m["runs"] == 4
    assert m["swept"] == {"seed": [0, 1], "resident.trust_in_government.mean": [0.3, 0.6]}
    assert m["command"].startswith("python -m experiments.run -m ")
    assert f"hydra.sweep.dir={serial_sweep}" in m["command"]
    assert m["status"] == "complete" and m["counts"] == {"finished": 4, "failed": 0, "missing": 0}


@pytest.mark.slow
def test_collector_rebuilds_the_same_table_from_the_run_directories(serial_sweep, tmp_path):
    result = collect.collect(serial_sweep, out=tmp_path / "again.parquet")
    assert result.runs == 4 and result.failures == [] and result.missing == []
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "again.parquet"),
                                  pd.read_parquet(serial_sweep / "sweep.parquet"))


@pytest.mark.slow
def test_running_a_sweep_again_takes_every_run_from_the_store(serial_sweep):
    before = {p.name: p.stat().st_mtime_ns for p in (serial_sweep / "runs").glob("*.parquet")}
    table = pd.read_parquet(serial_sweep / "sweep.parquet")
    r = sweep(serial_sweep, *SWEEP)
    assert r.returncode == 0, r.stderr
    progress = (serial_sweep / ".progress").read_text().splitlines()
    assert len(progress) == 8 and all(ln.endswith(" cached") for ln in progress[4:])
    assert {p.name: p.stat().st_mtime_ns for p in (serial_sweep / "runs").glob("*.parquet")} == before
    pd.testing.assert_frame_equal(pd.read_parquet(serial_sweep / "sweep.parquet"), table)


@pytest.mark.slow
def test_joblib_launcher_gives_the_same_numbers(serial_sweep, tmp_path):
    r = sweep(tmp_path / "joblib", *SWEEP, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", process=True)
    assert r.returncode == 0, r.stderr
    assert "Joblib.Parallel" in r.stdout + r.stderr
    same_runs(serial_sweep, tmp_path / "joblib")


@pytest.mark.slow
def test_submitit_launcher_local_executor_gives_the_same_numbers(serial_sweep, tmp_path):
    """The SLURM launcher's code path (submitit job arrays) run by submitit's local executor."""
    args = [a if not a.startswith("resident.") else "resident.trust_in_government.mean=0.6" for a in SWEEP]
    r = sweep(tmp_path / "submitit", *args, "hydra/launcher=submitit_local", process=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "submitit" / ".submitit").is_dir()
    same_runs(serial_sweep, tmp_path / "submitit")


@pytest.mark.slow
def test_submitit_slurm_config_composes_for_the_official_plugin():
    r = run_cli("experiments.run", "hydra/launcher=submitit_slurm", "hydra.launcher.partition=compute", "--cfg",
                "hydra", "--package", "hydra.launcher")
    assert r.returncode == 0, r.stderr
    cfg = yaml.safe_load(r.stdout.split("\n", 1)[1] if r.stdout.startswith("#") else r.stdout)
    assert cfg["_target_"] == "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"
    assert cfg["partition"] == "compute" and cfg["cpus_per_task"] == 1
    assert "validated against ConfigStore schema" not in r.stderr


@pytest.mark.slow
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


@pytest.mark.slow
@pytest.mark.xdist_group("ray")  # one Ray instance (local_ray) on one worker
def test_ray_launcher_on_a_running_ray_instance_gives_the_same_numbers(serial_sweep, tmp_path, local_ray):
    address = local_ray.get_runtime_context().gcs_address
    r = sweep(tmp_path / "ray", *SWEEP, "hydra/launcher=ray", f"hydra.launcher.ray.init.address={address}",
              process=True)
    assert r.returncode == 0, r.stderr
    log = r.stdout + r.stderr
    assert "Ray Launcher is launching 4 jobs" in log
    assert f"Connecting to existing Ray cluster at address: {address}" in log  # the test's instance
    same_runs(serial_sweep, tmp_path / "ray")


@pytest.mark.slow
@pytest.mark.xdist_group("ray")
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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            cb.on_multirun_start(_multirun_config(tmp_path, task, sweeper))
    finally:
        sweep_mod.release_lock()  # the sweep directory's lock (and COGOV_JOB_LOCK) held by this process
    m = json.loads((tmp_path / "sweep" / "manifest.json").read_text())
    assert m["runs"] == runs and m["status"] == "running" and m["window"] == 12
    key = task[0].split("=")[0]
    assert key in m["swept"]
    if "interval" in task[0]:
        assert "interval(0.2,0.8)" in m["swept"][key]


@pytest.mark.slow
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


# --- a sweep's bad input: one line, exit 2, nothing written, before Hydra launches anything -----------------

@pytest.fixture
def config_copy(tmp_path, monkeypatch):
    """A copy of the config tree with three broken scenario files (YAML syntax, unknown key, wrong type)."""
    import shutil

    import scenarios

    root = tmp_path / "scenarios"
    shutil.copytree(scenarios.CONFIG_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    head = "# @package _global_\ninfo:\n  scenario: {}\n"
    (root / "scenario" / "zz_syntax.yaml").write_text(head.format("zz_syntax") + "consultation: [1, 2\n")
    (root / "scenario" / "zz_unknown.yaml").write_text(head.format("zz_unknown") + "consultation:\n  no_such_key: 1\n")
    (root / "scenario" / "zz_type.yaml").write_text(head.format("zz_type") + "consultation:\n  adoption_rate: fast\n")
    monkeypatch.setattr(scenarios, "CONFIG_DIR", root)
    return root


def refused(argv, capsys, monkeypatch, cwd):
    """Run ``experiments.run`` in this process with ``argv``; return its stderr (it must exit 2)."""
    import sys

    from experiments import run

    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["experiments.run", *argv])
    with pytest.raises(SystemExit) as exc:
        run.main()
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    return err


@pytest.mark.parametrize("argv,message", [
    (["-m", "foo=1,2", "steps=1"], "'foo'"),
    (["-m", "hydra/launcher=bogus", "seed=0,1"], "hydra/launcher = 'bogus' is unknown; allowed: basic, joblib, ray"),
    (["steps=1", "-m", "seed=1,2"], "-m must come before the overrides"),
    (["-m", "seed=1,-5", "steps=1"], "seed = -5 is out of range; allowed: whole numbers 0 to"),
    (["-m", "seed=0,1", "consultation.adoption_rate=0.5,0.6,7"], "consultation.adoption_rate = 7 is out of range"),
    (["-m", "steps=abc,1"], "steps=abc"),
    (["-m", "scenario=top_down,nope"], "scenario = 'nope' is unknown; allowed: building_deliberation, co_creation"),
    (["-m", "seed=range(0,100000)", "steps=1"], "the sweep has 100,000 runs (seed: 100000), more than 10,000; "
                                                "set allow_large=true"),
    (["-m", "seed=range(0,200)", "steps=range(1,100)"], "19,800 runs (seed: 200 × steps: 99)"),
    (["-m", "scenario=top_down,zz_syntax"], "zz_syntax.yaml is not valid YAML: line 5, column 1:"),
    (["-m", "scenario=zz_unknown,top_down"], "Key 'no_such_key' not in 'ConsultationParams'"),
    (["-m", "seed=0,1", "scenario=top_down,zz_type"], "'fast' of type 'str' could not be converted to Float "
                                                       "(key: consultation.adoption_rate)"),
    (["scenario=zz_syntax"], "zz_syntax.yaml is not valid YAML: line 5"),  # a single run too
])
def test_a_bad_sweep_is_one_line_and_exit_2_and_nothing_written(argv, message, config_copy, capsys, monkeypatch,
                                                                 tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    err = refused([*argv, f"hydra.sweep.dir={cwd / 'sweep'}"], capsys, monkeypatch, cwd)
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert list(cwd.iterdir()) == []


def test_a_large_sweep_passes_the_check_with_allow_large_and_the_flag_is_not_passed_to_hydra():
    from experiments import run
    from experiments.command_line import hydra_command_line

    line = hydra_command_line(["-m", "seed=range(0,100000)", "steps=1", "allow_large=true"])
    run.precheck_sweep(line)  # no exit
    assert line.argv == ["-m", "seed=range(0,100000)", "steps=1"] and line.allow_large


def test_the_check_samples_a_long_list_of_values_with_its_extremes():
    from experiments import run

    values = list(range(5, 100_005))
    picked = run._sample(values)
    assert len(picked) <= run.SAMPLE_VALUES + 4 and {5, 100_004} <= set(picked)
    assert run._sample([3, 1, 3, 2]) == [3, 1, 2]  # a short list: each distinct value once, in order


@pytest.mark.slow
def test_the_basic_sweeper_streams_batches(serial_sweep):
    """scenarios/hydra/sweeper/basic.yaml: Hydra composes one batch of jobs at a time, not the whole grid."""
    hydra_cfg = yaml.safe_load((serial_sweep / "multirun.yaml").read_text())["hydra"]
    assert hydra_cfg["sweeper"]["max_batch_size"] == 32


@pytest.mark.slow
def test_a_sweep_of_100000_runs_starts_at_once(tmp_path):
    """Hydra composed every job of a sweep before the first started: 100,000 seeds ran nothing for over 6
    minutes (load ~3). Streamed in batches of 32, the first run finishes within a minute even on a loaded
    machine (measured 17 s at load 4.6, with Python's start-up and the check)."""
    import os
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    d = tmp_path / "big"
    t0 = time.monotonic()
    p = subprocess.Popen([sys.executable, "-m", "experiments.run", "-m", "seed=range(0,100000)", "steps=1",
                          "community=demo", "allow_large=true", f"hydra.sweep.dir={d}",
                          "hydra.callbacks.sweep.progress=false"], cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        while time.monotonic() - t0 < 60 and p.poll() is None and not (d / ".progress").exists():
            time.sleep(0.2)
        assert (d / ".progress").exists(), f"no run finished in {time.monotonic() - t0:.0f} s"
    finally:
        p.kill()
        p.wait()


def test_a_sweep_hydra_stopped_before_its_end_leaves_no_manifest_running(tmp_path):
    from experiments import runner, sweep as sweep_mod

    runner.write_manifest(tmp_path, {"kind": "sweep"}, status="running")
    sweep_mod.LAST.clear()
    sweep_mod.LAST.update(sweep_dir=tmp_path)
    sweep_mod.close_unfinished()
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["status"] == "failed" and "stopped before its end" in m["note"] and "finished" in m
