"""The run store under a careless or hostile user (issue 18): it verifies every run file it reads,
leaves no temporary file, commits durably, admits one writer per job; Ray connects with a timeout."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from experiments import compare
from experiments import runner
from experiments.runner import RunFileError, RunStore, model_metrics
from model.params import ConfigError
from tests.conftest import ROOT, run_cli, run_main

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_store_hardening")]  # the compare job: one worker

ARGS = ["scenarios=[top_down,co_creation]", "replications=2", "steps=4", "community=demo", "progress=false"]


def run_compare(out, *args) -> int:
    return compare.main([*ARGS, f"out={out}", *args])


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    out = tmp_path_factory.mktemp("store") / "job"
    assert run_compare(out, "launcher=serial") == 0
    return out


def _copy(job, tmp_path):
    out = tmp_path / "job"
    shutil.copytree(job, out)
    return out, sorted(p for p in (out / "runs").glob("*.parquet"))


def _same_results(a, b) -> None:
    for name in ("timeseries.parquet", "summary.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))


# ------------------------------------------------------------------ 1. every read is verified
def test_a_run_file_copied_over_another_is_set_aside_recomputed_and_results_unchanged(job, tmp_path, capsys):
    out, (k0, k1, *_) = _copy(job, tmp_path)
    shutil.copyfile(k1, k0)
    capsys.readouterr()
    assert run_compare(out, "launcher=serial") == 0
    err = capsys.readouterr().err
    assert f"run file {k0.name} does not hold its run (it holds run {k1.stem}" in err
    kept = list((out / "runs").glob(f"{k0.stem}.mismatch-*.parquet"))
    assert len(kept) == 1 and kept[0].read_bytes() == k1.read_bytes(), "the wrong file is kept, not deleted"
    _same_results(out, job)


def test_a_foreign_table_is_not_merged_as_a_run(job, tmp_path, capsys):
    out, (k0, *_) = _copy(job, tmp_path)
    pd.DataFrame({"x": [1, 2]}).to_parquet(k0)
    capsys.readouterr()
    assert run_compare(out, "launcher=serial") == 0
    assert "carries no run identity" in capsys.readouterr().err
    _same_results(out, job)


@pytest.mark.parametrize("damage, reason", [
    (lambda ts: ts.iloc[:-1], "it has 4 rows; a run of 4 months has 5"),
    (lambda ts: ts.drop(columns=["participation_rate"]),
     "columns differ from the model's metrics (participation_rate)"),
    (lambda ts: ts.assign(extra=1.0), "columns differ from the model's metrics (extra)"),
])
def test_a_run_file_cut_short_or_with_other_columns_fails_its_check(job, tmp_path, damage, reason):
    src = RunStore(job / "runs")
    key = sorted(p.stem for p in src.root.glob("*.parquet"))[0]
    store = RunStore(tmp_path / "runs")
    store.save(key, damage(src.load(key)), src.record(key))
    why, text = store.check(key)
    assert why == "mismatch" and reason in text
    with pytest.raises(RunFileError, match=f"run {key} is not in"):
        store.load(key)
    assert not store.path(key).exists() and len(list(store.root.glob(f"{key}.mismatch-*.parquet"))) == 1


def test_a_stored_run_passes_its_check_and_carries_its_identity(job):
    import json

    import pyarrow.parquet as pq

    store = RunStore(job / "runs")
    key = sorted(p.stem for p in store.root.glob("*.parquet"))[0]
    assert store.check(key) is None and store.has(key)
    ident = json.loads(pq.read_metadata(store.path(key)).metadata[b"cogov.identity"])
    assert ident["key"] == key and ident["config_hash"] == key.split("-")[0] and ident["seed"] == int(key.split("-")[1])
    assert ident["steps"] == 4 and tuple(ident["columns"]) == model_metrics() and ident["columns"][0] == "step"


# ----------------------------------------------------------- 2. no temporary file left behind
def test_a_resumed_compare_leaves_no_temporary_file(job, tmp_path):
    out, _ = _copy(job, tmp_path)
    assert run_compare(out, "launcher=serial") == 0
    assert [p.name for p in out.rglob("*.tmp")] == []


@pytest.mark.slow
def test_a_resumed_sweep_leaves_no_temporary_file_and_its_links_stay(tmp_path):
    args = ["-m", "seed=0,1", "steps=3", "community=demo", f"hydra.sweep.dir={tmp_path / 'sweep'}"]
    for attempt in range(2):
        r = run_main("experiments.run", *args)
        assert r.returncode == 0, r.stderr
    assert [p.name for p in (tmp_path / "sweep").rglob("*.tmp")] == []
    linked = sorted((tmp_path / "sweep").glob("*/timeseries.parquet"))
    assert len(linked) == 2 and all(p.stat().st_nlink == 2 for p in linked), "each job's file is the store's"


def test_linking_a_file_onto_itself_is_a_no_op(job, tmp_path):
    store = RunStore(job / "runs")
    key = sorted(p.stem for p in store.root.glob("*.parquet"))[0]
    target = store.link_into(key, tmp_path / "ts.parquet")
    assert store.link_into(key, target) == target and os.path.samefile(target, store.path(key))
    assert list(tmp_path.glob(".*.tmp")) == []


# ------------------------------------------------------------------------- 3. durable commits
def test_a_commit_fsyncs_the_file_before_the_rename_and_the_directory_after(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode)
                                                                else "file"), real_fsync(fd)))
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("rename"), real_replace(a, b)))
    runner.write_json({"a": 1}, tmp_path / "x.json")
    assert events == ["file", "rename", "dir"]
    assert (tmp_path / "x.json").read_text() == '{\n  "a": 1\n}\n' and list(tmp_path.glob(".*")) == []


# ---------------------------------------------------------------------- 4. one writer per job
HOLDER = textwrap.dedent("""
    import subprocess, sys, time
    from experiments import runner
    with runner.job_lock(sys.argv[1]):
        child = subprocess.run([sys.executable, "-c",
                                "import sys; from experiments import runner\\n"
                                "with runner.job_lock(sys.argv[1]): print('worker passes')", sys.argv[1]],
                               capture_output=True, text=True)
        print(child.stdout.strip() or child.stderr.strip().splitlines()[-1], flush=True)
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def _holder(directory, seconds: float):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(directory), str(seconds)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [proc.stdout.readline().strip(), proc.stdout.readline().strip()]
    assert lines[1] == "locked", proc.stderr.read()
    return proc, lines[0]


def test_a_second_writer_of_a_job_is_refused_in_one_line_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "job"
    proc, worker = _holder(out, 60)
    try:
        assert worker == "worker passes", "a process the job started is no second writer"
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_:
            run_compare(out, "launcher=serial")
        assert exit_.value.code == 2
        err = capsys.readouterr().err.strip()
        assert err.splitlines() == [err] and err.startswith(f"error: {out} is being written by process {proc.pid} "
                                                            "(started 20")
        assert err.endswith("); wait for it or choose another out=")
        assert sorted(p.name for p in out.iterdir()) == [".lock"], "no manifest, no run written"
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert run_compare(out, "launcher=serial") == 0, "a killed writer leaves no stale lock"


def test_the_lock_is_re_entrant_in_one_process_and_released_after(tmp_path):
    with runner.job_lock(tmp_path), runner.job_lock(tmp_path):
        assert os.environ[runner.LOCK_ENV] == os.path.realpath(tmp_path)
    assert runner.LOCK_ENV not in os.environ
    proc, _ = _holder(tmp_path, 0)
    proc.wait(timeout=30)
    with runner.job_lock(tmp_path):
        pass


# ------------------------------------------------------------------- 6. Ray with a timeout
def test_an_unreachable_ray_address_is_one_line_within_seconds():
    start = time.monotonic()
    with pytest.raises(ConfigError, match=r"^ray_address: cannot reach the Ray cluster at 127\.0\.0\.1:1 within 10 s"):
        runner.check_ray_address("127.0.0.1:1")
    assert time.monotonic() - start < 2
    with socket.socket() as s:  # a port that answers: passes the check (ray.init then has its own 10 s)
        s.bind(("127.0.0.1", 0))
        s.listen()
        runner.check_ray_address(f"127.0.0.1:{s.getsockname()[1]}")
        runner.check_ray_address(f"ray://127.0.0.1:{s.getsockname()[1]}")


@pytest.mark.slow
def test_compare_on_an_unreachable_ray_cluster_exits_2_in_one_line_within_15_s(tmp_path):
    start = time.monotonic()
    r = run_main("experiments.compare", *ARGS, "launcher=ray", "ray_address=127.0.0.1:1", f"out={tmp_path / 'j'}",
                timeout=60)
    elapsed = time.monotonic() - start
    assert r.returncode == 2 and elapsed < 15, (elapsed, r.stderr)
    assert r.stderr.strip().splitlines() == ["error: ray_address: cannot reach the Ray cluster at 127.0.0.1:1 within "
                                             "10 s (Connection refused); start it (ray start --head) or check the "
                                             "address"]
    assert not (tmp_path / "j").exists(), "checked before the job directory is made: nothing written"


def test_a_second_sweep_into_the_same_sweep_dir_is_refused_in_one_line(tmp_path):
    """Two ``experiments.run -m`` into one ``hydra.sweep.dir``: the second is refused (exit 2, one
    line naming the holder) while the first holds the directory's lock, and writes nothing there."""
    from experiments import runner

    sweep = tmp_path / "sweep"
    sweep.mkdir()
    with open(sweep / runner.LOCK_NAME, "a+", encoding="utf-8") as fh:  # another process's lock, as job_lock writes it
        fh.write(f"{os.getpid()} 2026-12-01T10:00:00\n")
        fh.flush()
        holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); "
                                   "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
                                   str(sweep / runner.LOCK_NAME)], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            r = run_cli("experiments.run", "-m", "community=demo", "steps=1", "seed=0,1", f"hydra.sweep.dir={sweep}",
                        "hydra.callbacks.sweep.progress=false", cwd=tmp_path)
        finally:
            holder.kill()
            holder.wait()
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "is being written by process" in lines[0] and "hydra.sweep.dir" in lines[0], r.stderr
    assert not (sweep / "manifest.json").exists() and not (sweep / "runs").exists()
