"""Hydra multirun sweeps (``python -m experiments.run -m ...``): manifest, progress bar, collection.

:class:`SweepCallback` is registered in ``scenarios/config.yaml`` (``hydra.callbacks``) and
runs in the process that launches the sweep, whatever the launcher (basic, joblib, Ray,
submitit):

* at the start it writes ``<sweep dir>/manifest.json`` (kind ``sweep``; the swept parameters
  and their values; the command that reproduces — and resumes — the sweep) and starts a
  progress bar (runs done, rate, time left), fed by one line per finished job appended to
  ``<sweep dir>/.progress`` by the jobs (wherever they run, on a shared file system);
* at the end it merges the job directories into ``<sweep dir>/sweep.parquet``
  (:func:`experiments.collect.collect`), prints the failed runs and tells
  ``experiments.run`` to exit with code 1 if there were any.
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

from experiments import io, jobs

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
        from tqdm.auto import tqdm

        self.path, self.start_lines = path, _lines(path)
        self.bar = tqdm(total=total, desc="sweep", unit="run", mininterval=0.5, smoothing=0.05, dynamic_ncols=True)
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


def sweep_overrides(task_overrides: list[str]) -> dict[str, list]:
    """The swept keys of a multirun's overrides and their values, in command-line order."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    out: dict[str, list] = {}
    for o in OverridesParser.create().parse_overrides(list(task_overrides)):
        if o.is_sweep_override():
            out[o.key_or_group.lstrip("+~")] = list(o.sweep_iterator())
    return out


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
    from experiments.simulate import package_version

    task = list(config.hydra.overrides.task)
    swept = sweep_overrides(task)
    sweep_dir = str(config.hydra.sweep.dir)

    def values(key: str, fallback: str) -> list:
        return list(swept[key]) if key in swept else [_value(config, fallback)]

    names = [str(s) for s in values("scenario", "info.scenario")]
    descriptions = {s: scenario_description(s) for s in names}
    communities = [str(c) for c in values("community", "info.community")]
    seeds = values("seed", "seed")
    steps = values("steps", "steps")
    hydra_overrides = [o for o in config.hydra.overrides.hydra if not o.startswith("hydra.mode=")]
    if not any(o.startswith("hydra.sweep.dir=") for o in hydra_overrides):
        hydra_overrides.append(f"hydra.sweep.dir={sweep_dir}")
    total = math.prod(len(v) for v in swept.values()) if swept else 1
    return {
        "kind": "sweep",
        "scenarios": names,
        "descriptions": descriptions,
        "community": communities[0] if len(communities) == 1 else communities,
        "replications": len(seeds),
        "steps": steps[0] if len(steps) == 1 else steps,
        "seeds": seeds,
        "version": package_version(),
        "command": shlex.join(["python", "-m", "experiments.run", "-m", *hydra_overrides, *task]),
        "swept": swept,
        "overrides": task,
        "launcher": str(config.hydra.runtime.choices.get("hydra/launcher", "basic")),
        "runs": total,
        "window": 12,
        "statistic": "sweep.parquet holds every step; summary.json of each job: means over the last 12 months",
    }


class SweepCallback(Callback):
    """Manifest and progress bar at the start of a multirun; collection and failures at its end."""

    def __init__(self, progress: bool = True) -> None:
        self.progress = progress

    # Launchers pickle the callbacks to their workers: keep the bar's thread out of the instance.
    _watcher: _ProgressWatcher | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir)).absolute()
        sweep_dir.mkdir(parents=True, exist_ok=True)
        manifest = describe(config)
        manifest.update(status="running", started=jobs.now())
        io.write_json(manifest, sweep_dir / "manifest.json")
        LAST.clear()
        LAST["sweep_dir"] = sweep_dir
        if self.progress:
            SweepCallback._watcher = _ProgressWatcher(sweep_dir / PROGRESS, manifest["runs"])
            SweepCallback._watcher.start()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from experiments import collect

        if SweepCallback._watcher is not None:
            SweepCallback._watcher.stop()
            SweepCallback._watcher = None
        sweep_dir = Path(str(config.hydra.sweep.dir)).absolute()
        result = collect.collect(sweep_dir)
        LAST.update(failed=result.failures, result=result)
        collect.report(result, file=sys.stderr)
        print(f"results: {sweep_dir}")
