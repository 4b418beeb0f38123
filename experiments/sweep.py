"""Hydra multirun sweeps (``python -m experiments.run -m ...``): manifest, progress bar, collection.

:class:`SweepCallback` is registered in ``scenarios/config.yaml`` (``hydra.callbacks``) and
runs in the process that launches the sweep, whatever the launcher (basic, joblib, Ray,
submitit):

* at the start it takes the sweep directory's lock and writes its manifest
  (:func:`experiments.runner.write_manifest`; kind ``sweep``; the swept parameters and their values;
  the runs: the grid's size, a sweeper's ``n_trials``, else unknown (``null``), e.g. Optuna's
  ``interval()``; the command that reproduces — and resumes — the sweep) and starts the runner's
  progress bar, fed by the line each finished job appends to ``<sweep dir>/.progress``;
* at the end it merges the job directories into ``<sweep dir>/sweep.parquet``
  (:func:`experiments.collect.collect`), prints the failed runs and tells ``experiments.run`` to exit
  with code 1 if there were any. Jobs that wrote no progress line ran a task of their own (not
  ``experiments.run``'s): nothing is collected or reported as interrupted.
"""

from __future__ import annotations

import math
import os
import shlex
import sys
import threading
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from experiments import runner
from experiments.command_line import fail
from model.params import ConfigError

LAST: dict[str, Any] = {}
"""Outcome of the last sweep launched from this process (``failed``: list of failure records)."""

PROGRESS = ".progress"


def report_progress(sweep_dir: Path, key: str, status: str) -> None:
    """Append ``<key> <status>`` to the sweep's progress file (one short atomic append)."""
    fd = os.open(Path(sweep_dir) / PROGRESS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{key} {status}\n".encode())
    finally:
        os.close(fd)


def _lines(path: Path) -> int:
    try:
        with open(path, "rb") as fh:
            return fh.read().count(b"\n")
    except FileNotFoundError:
        return 0


class _ProgressWatcher(threading.Thread):
    """Counts the lines jobs append to the progress file and shows them as a tqdm bar."""

    def __init__(self, path: Path, total: int | None) -> None:
        super().__init__(daemon=True)
        self.path, self.start_lines = path, _lines(path)
        self.bar = runner.progress_bar(total, desc="sweep")
        self.stopped = threading.Event()

    def poll(self) -> None:
        done = _lines(self.path) - self.start_lines
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            self.poll()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=2)
        self.poll()
        self.bar.close()


def sweep_overrides(task_overrides: list) -> dict[str, list | str]:
    """The swept keys of a multirun's overrides (text, or parsed by Hydra's parser) and their values,
    in command-line order: a list for a grid (``a,b``, ``range()``, ``choice()``), the override's text
    for a sweep a sweeper samples (``interval(0,1)``)."""
    import scenarios

    out: dict[str, list | str] = {}
    for o in scenarios.parsed(list(task_overrides)):
        if o.is_sweep_override():
            key = o.key_or_group.lstrip("+~")
            out[key] = list(o.sweep_iterator()) if o.is_discrete_sweep() else o.input_line.split("=", 1)[1]
    return out


def total_runs(config: DictConfig, swept: dict[str, list | str]) -> int | None:
    """Runs of a multirun: the sweeper's ``n_trials`` when it declares one (Optuna), else the size
    of the grid of discrete sweeps; None (unknown) for a sampled sweep without ``n_trials``."""
    trials = OmegaConf.select(config, "hydra.sweeper.n_trials", default=None)
    if trials is not None:
        return int(trials)
    if any(not isinstance(v, list) for v in swept.values()):
        return None
    return math.prod(len(v) for v in swept.values()) if swept else 1


def _value(config: DictConfig, key: str):
    node = OmegaConf.select(config, key, throw_on_missing=False)
    return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node


def scenario_description(name: str) -> str:
    """``info.scenario_description`` of a scenario file ("" for an unknown name, which then
    fails in its jobs). Read from the file, not composed: composing inside a running Hydra app
    would reset its job name."""
    import yaml

    import scenarios

    path = scenarios.CONFIG_DIR / "scenario" / f"{name}.yaml"
    if not path.exists():
        return ""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return str((data.get("info") or {}).get("scenario_description", ""))


def describe(config: DictConfig) -> dict:
    """The manifest of the sweep configured by a multirun's primary config."""
    task = list(config.hydra.overrides.task)
    swept = sweep_overrides(task)
    sweep_dir = str(config.hydra.sweep.dir)

    def values(key: str, fallback: str) -> list:
        return list(swept[key]) if isinstance(swept.get(key), list) else [_value(config, fallback)]

    names = [str(s) for s in values("scenario", "info.scenario")]
    descriptions = {s: scenario_description(s) for s in names}
    communities = [str(c) for c in values("community", "info.community")]
    seeds = values("seed", "seed")
    steps = values("steps", "steps")
    hydra_overrides = [o for o in config.hydra.overrides.hydra if not o.startswith("hydra.mode=")]
    if not any(o.startswith("hydra.sweep.dir=") for o in hydra_overrides):
        hydra_overrides.append(f"hydra.sweep.dir={sweep_dir}")
    window = runner.DEFAULT_WINDOW
    return {
        "kind": "sweep",
        "scenarios": names,
        "descriptions": descriptions,
        "community": communities[0] if len(communities) == 1 else communities,
        "replications": len(seeds),
        "steps": steps[0] if len(steps) == 1 else steps,
        "seeds": seeds,
        "version": runner.package_version(),
        "command": shlex.join(["python", "-m", "experiments.run", "-m", *hydra_overrides, *task]),
        "swept": swept,
        "overrides": task,
        "launcher": str(config.hydra.runtime.choices.get("hydra/launcher", "basic")),
        "runs": total_runs(config, swept),
        "window": window,
        "statistic": f"sweep.parquet holds every step; summary.json of each job: means over the last {window} "
                     "months",
    }


def release_lock() -> None:
    """Release the sweep directory's one-writer lock, if this process holds it."""
    lock, SweepCallback._lock = SweepCallback._lock, None
    if lock is not None:
        lock.__exit__(None, None, None)


def close_unfinished() -> None:
    """After a multirun that Hydra stopped before its end (an error composing or launching a job, an
    interrupt): mark the sweep's manifest ``failed`` instead of leaving it ``running``."""
    release_lock()
    sweep_dir = LAST.get("sweep_dir")
    if sweep_dir is None or "result" in LAST:
        return
    import json

    path = Path(sweep_dir) / "manifest.json"
    if path.exists():
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("status") == "running":
            runner.write_manifest(sweep_dir, manifest, status="failed", finished=runner.now(),
                                note="the sweep stopped before its end (the error above); rerun its command "
                                     "to compute the runs not in runs/")
    LAST.pop("sweep_dir")


class SweepCallback(Callback):
    """Manifest and progress bar at the start of a multirun; collection and failures at its end."""

    def __init__(self, progress: bool = True) -> None:
        self.progress = progress

    _lock = None  # the sweep directory's runner.job_lock while the multirun runs (class-level, as the watcher)

    # Launchers pickle the callbacks to their workers: keep the bar's thread out of the instance.
    _watcher: _ProgressWatcher | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir)).absolute()
        sweep_dir.mkdir(parents=True, exist_ok=True)
        LAST.clear()
        lock = runner.job_lock(sweep_dir)  # one writer per sweep directory, held until the multirun ends
        try:
            lock.__enter__()
        except ConfigError as exc:  # another sweep writes there: one line, nothing written
            fail(str(exc).replace("another out=", "another hydra.sweep.dir="))
        SweepCallback._lock = lock
        manifest = runner.write_manifest(sweep_dir, describe(config), status="running", started=runner.now())
        LAST.update(sweep_dir=sweep_dir, progress_start=_lines(sweep_dir / PROGRESS))
        if self.progress:
            SweepCallback._watcher = _ProgressWatcher(sweep_dir / PROGRESS, manifest["runs"])
            SweepCallback._watcher.start()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from experiments import collect

        if SweepCallback._watcher is not None:
            SweepCallback._watcher.stop()
            SweepCallback._watcher = None
        sweep_dir = Path(str(config.hydra.sweep.dir)).absolute()
        if _lines(sweep_dir / PROGRESS) == LAST.get("progress_start", 0):  # the jobs ran a task of their own
            manifest_path = sweep_dir / "manifest.json"
            if manifest_path.exists():
                import json

                runner.write_manifest(sweep_dir, json.loads(manifest_path.read_text(encoding="utf-8")),
                                    status="complete", finished=runner.now(),
                                    note="the jobs ran a task that writes no cogov results: nothing collected")
            release_lock()
            return
        result = collect.collect(sweep_dir)
        LAST.update(failed=result.failures, result=result)
        collect.report(result, file=sys.stderr)
        release_lock()
        print(f"results: {sweep_dir}")
