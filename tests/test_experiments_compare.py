"""``python -m experiments.compare``: tables, summary, parallel = serial, failures, resuming."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from analysis import stats
from experiments import compare
from experiments.runner import RunStore
from model.metrics import HEADLINE
from tests.conftest import ROOT, run_model

SMALL = ["steps=14", "community.buildings=2", "community.households_per_building=40"]
SCENARIOS = ["top_down", "co_creation"]


def run_compare(out, *args, capsys=None) -> int:
    return compare.main([f"scenarios=[{','.join(SCENARIOS)}]", "replications=3", *SMALL, f"out={out}",
                         "progress=false", *args])


@pytest.fixture(scope="module")
def serial_job(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare") / "serial"
    assert run_compare(out, "launcher=serial") == 0
    return out


def test_timeseries_is_tidy_one_row_per_run_and_step_equal_to_the_model(serial_job):
    ts = pd.read_parquet(serial_job / "timeseries.parquet")
    assert list(ts.columns[:4]) == ["scenario", "community", "seed", "step"]
    assert len(ts) == 2 * 3 * 15 and set(ts["scenario"]) == set(SCENARIOS) and set(ts["seed"]) == {0, 1, 2}
    for col in HEADLINE:
        assert col in ts.columns
    one = ts[(ts["scenario"] == "co_creation") & (ts["seed"] == 2)].drop(columns=["scenario", "community", "seed"])
    direct = run_model("co_creation", seed=2, steps=14, **{"community.buildings": 2,
                                                           "community.households_per_building": 40}).timeseries()
    pd.testing.assert_frame_equal(one.reset_index(drop=True), direct, check_dtype=False)


def test_summary_is_the_mean_over_runs_of_each_runs_last_12_months(serial_job):
    ts = pd.read_parquet(serial_job / "timeseries.parquet")
    summary = pd.read_parquet(serial_job / "summary.parquet")
    assert list(summary.columns) == stats.SUMMARY_COLUMNS
    csv = pd.read_csv(serial_job / "summary.csv")
    assert list(csv.columns) == stats.SUMMARY_COLUMNS and len(csv) == len(summary)
    s = summary.set_index(["scenario", "metric"])
    per_run = ts[ts["step"] > 14 - 12].groupby(["scenario", "seed"])["trust_in_government"].mean()
    for sc in SCENARIOS:
        assert s.loc[(sc, "trust_in_government"), "mean"] == pytest.approx(per_run[sc].mean(), rel=1e-12)
        assert s.loc[(sc, "trust_in_government"), "n"] == 3
    diff = per_run["co_creation"].mean() - per_run["top_down"].mean()
    assert s.loc[("co_creation", "trust_in_government"), "diff"] == pytest.approx(diff, rel=1e-12)
    assert s.loc[("top_down", "trust_in_government")][["diff", "hedges_g"]].isna().all()


def test_manifest_follows_the_results_contract(serial_job):
    m = json.loads((serial_job / "manifest.json").read_text())
    assert m["kind"] == "compare" and m["scenarios"] == SCENARIOS and m["community"] == "default"
    assert m["replications"] == 3 and m["seeds"] == [0, 1, 2] and m["steps"] == 14 and m["version"]
    assert set(m["descriptions"]) == set(SCENARIOS) and all(m["descriptions"].values())
    assert "last 12 months" in m["statistic"] and m["window"] == 12
    assert m["command"].startswith("python -m experiments.compare ") and f"out={serial_job}" in m["command"]
    assert m["status"] == "complete" and m["failed"] == [] and m["counts"]["done"] == 6
    assert len(list((serial_job / "runs").glob("*.parquet"))) == 6


def test_prints_the_headline_table_and_ends_with_results_line(tmp_path, capsys, serial_job):
    # Resumed into a copy of the finished job: nothing is computed again, the table is printed.
    import shutil

    shutil.copytree(serial_job, tmp_path / "job")
    assert run_compare(tmp_path / "job", "launcher=serial") == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == f"results: {tmp_path / 'job'}"
    assert "0 runs computed, 6 found" in out[-2]
    text = "\n".join(out)
    for m in ("participation_rate", "trust_in_government", "free_riding_rate"):
        assert m in text
    assert "Hedges' g" in text and "Welch" in text


def test_a_corrupt_run_file_is_kept_aside_and_recomputed(tmp_path, serial_job, capsys):
    import shutil

    out = tmp_path / "job"
    shutil.copytree(serial_job, out)
    damaged = sorted((out / "runs").glob("*.parquet"))[0]
    damaged.write_bytes(b"half a file")
    assert run_compare(out, "launcher=serial") == 0
    err = capsys.readouterr().err
    assert f"run file {damaged.name} is unreadable" in err
    kept = list((out / "runs").glob("*.corrupt-*.parquet"))
    assert len(kept) == 1 and kept[0].read_bytes() == b"half a file", "the damaged file is kept, not deleted"
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"),
                                  pd.read_parquet(serial_job / "timeseries.parquet"))


@pytest.mark.slow
def test_joblib_workers_give_identical_tables(tmp_path, serial_job):
    assert run_compare(tmp_path / "joblib", "launcher=joblib", "n_jobs=2") == 0
    for name in ("timeseries.parquet", "summary.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "joblib" / name), pd.read_parquet(serial_job / name))


@pytest.mark.slow
def test_a_failing_run_is_recorded_the_rest_continue_and_a_rerun_computes_only_it(tmp_path, capsys, monkeypatch,
                                                                                 serial_job):
    from experiments import runner

    real = runner.simulate

    def flaky(cfg, seed=None, steps=None):
        if cfg.info.scenario == "co_creation" and seed == 1:
            raise FloatingPointError("boom in month 3")
        return real(cfg, seed, steps)

    monkeypatch.setattr(runner, "simulate", flaky)
    out = tmp_path / "job"
    assert run_compare(out, "launcher=serial") == 1
    err = capsys.readouterr().err
    assert "1 runs failed" in err and "FloatingPointError: boom in month 3" in err
    assert "scenario=co_creation seed=1" in err
    failures = json.loads((out / "failures.json").read_text())
    assert [(f["scenario"], f["seed"]) for f in failures] == [("co_creation", 1)]
    record = RunStore(out / "runs").failures()[0]
    assert record["error"] == "FloatingPointError: boom in month 3" and "Traceback" in record["traceback"]
    assert record["config"]["info"]["scenario"] == "co_creation" and record["seed"] == 1
    assert record["config"]["community"]["households_per_building"] == 40
    s = pd.read_parquet(out / "summary.parquet").set_index(["scenario", "metric"])
    assert s.loc[("co_creation", "trust_in_government"), "n"] == 2
    assert s.loc[("top_down", "trust_in_government"), "n"] == 3
    assert json.loads((out / "manifest.json").read_text())["status"] == "failed"

    monkeypatch.setattr(runner, "simulate", real)
    assert run_compare(out, "launcher=serial") == 0
    assert "1 runs computed, 5 found" in capsys.readouterr().out
    assert not (out / "failures.json").exists() and RunStore(out / "runs").failures() == []
    for name in ("timeseries.parquet", "summary.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), pd.read_parquet(serial_job / name))


@pytest.mark.parametrize("args,message", [
    (["scenarios=[top_down,nowhere]"], "scenarios: scenario = 'nowhere' is unknown; allowed: "),
    (["replications=0"], "replications = 0 is out of range; allowed: whole numbers 1 to 100000"),
    (["seed=4"], "seed cannot be set here"),
    (["resident.trust_in_government.mean=1.5"], "resident.trust_in_government.mean = 1.5 is out of range"),
    (["launcher=dask"], "launcher = 'dask' is not allowed; allowed: serial, joblib, ray"),
])
def test_bad_options_end_before_any_run_with_one_line_and_exit_2(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        compare.main([*args, f"out={tmp_path / 'job'}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and message in err
    assert not (tmp_path / "job").exists()


@pytest.mark.slow
def test_a_job_killed_part_way_resumes_with_only_the_rest_and_identical_results(tmp_path):
    """A real SIGKILL to a real compare process (and its joblib workers) part way through."""
    args = ["scenarios=[top_down,co_creation]", "replications=8", "steps=36", "community.buildings=4",
            "progress=false"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "experiments.compare", *args, "launcher=joblib", "n_jobs=2",
                             f"out={killed}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    runs = killed / "runs"
    deadline = time.monotonic() + 120
    try:
        while len(list(runs.glob("*.parquet"))) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the job and its workers, at once, no clean-up
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the job finished before it could be killed: give it more work"
    time.sleep(0.2)
    before = {p.name: p.stat().st_mtime_ns for p in runs.glob("*.parquet")}
    assert 3 <= len(before) < 16
    assert not (killed / "timeseries.parquet").exists()

    resumed = subprocess.run([sys.executable, "-m", "experiments.compare", *args, "launcher=serial",
                              f"out={killed}"], check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{16 - len(before)} runs computed, {len(before)} found" in resumed.stdout
    assert {p.name: p.stat().st_mtime_ns for p in runs.glob("*.parquet") if p.name in before} == before

    whole = tmp_path / "whole"
    assert compare.main([*args, "launcher=serial", f"out={whole}"]) == 0
    for name in ("timeseries.parquet", "summary.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(killed / name), pd.read_parquet(whole / name))


@pytest.mark.slow
def test_submitit_local_launcher_gives_identical_tables_with_its_files_under_the_job_dir(tmp_path, serial_job):
    """The SLURM back-end's code path (a submitit job array) with submitit's local executor."""
    out = tmp_path / "submitit"
    assert run_compare(out, "launcher=submitit_local", "n_jobs=2") == 0
    for name in ("timeseries.parquet", "summary.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), pd.read_parquet(serial_job / name))
    assert len(list((out / ".submitit").glob("*/*_result.pkl"))) == 2, "two array tasks, files under the job dir"
    assert json.loads((out / "manifest.json").read_text())["launcher"] == "submitit_local"


def test_submitit_debug_executor_runs_the_job_array_in_process_with_the_serial_numbers(tmp_path, serial_job):
    from experiments import runner

    serial = RunStore(serial_job / "runs")
    keys = sorted(p.name[: -len(".parquet")] for p in (serial_job / "runs").glob("*.parquet"))
    specs = [runner.make_spec(serial.record(k)["config"], serial.record(k)["seed"], **serial.record(k)["labels"])
             for k in keys]
    assert [s.key for s in specs] == keys, "a stored record's config and seed give the run's key back"
    store = RunStore(tmp_path / "job" / "runs")
    outcomes = runner.execute(specs, store, launcher="submitit_debug", n_jobs=2, progress=False)
    assert sorted(outcomes) == keys and {o.status for o in outcomes.values()} == {"done"}
    for k in keys:
        pd.testing.assert_frame_equal(store.load(k), serial.load(k))
    assert (tmp_path / "job" / ".submitit").is_dir()
