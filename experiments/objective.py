"""An objective for sweepers: ``experiments.run`` returns a float when an objective is named.

::

    python -m experiments.run objective=participation_rate seeds=[0,1,2]
    python -m experiments.run objective=participation_rate objective.target=0.25 seeds=[0,1,2]
    python -m experiments.run -m hydra/sweeper=optuna hydra.sweeper.n_trials=20 community=demo steps=60 \\
        objective=participation_rate objective.target=0.25 seeds=[0,1] 'decision.civic_return=interval(0.0,0.5)'

``objective`` is a config group with one option per metric of :mod:`model.metrics`
(registered in Hydra's ConfigStore; ``- objective: null`` in ``scenarios/config.yaml``: none by
default). Its keys: ``metric`` (the option's name), ``target`` (null or a number) and
``window`` (months, default 12). The job's value, over the seeds ``seeds`` (null: ``[seed]``):

    m = (1/|S|) Σ_{s ∈ S} x̄_s,   x̄_s = the mean of the metric over run s's last ``window`` months
    value = m                      without a target
    value = |m − target|           with a target (the absolute distance, in the metric's units)

Seeds whose runs have no value in the window (NaN) are left out of m; with none left the value
is NaN, which Optuna refuses (the trial fails); a job whose run fails raises (see :func:`job_return`). Hydra's Optuna sweeper minimises by default:
without a target, set ``hydra.sweeper.direction=maximize`` to maximise the metric.

With ``seeds`` set, the job's own run (its ``summary.json`` and ``timeseries.parquet``, and
``seed`` in its config) is the first of them. Every run goes into a store — a sweep's
``<sweep dir>/runs/``, a single run's ``<output dir>/runs/`` — through :func:`experiments.api.evaluate_config`,
and the job directory gets ``objective.json`` (metric, target, window, seeds, each seed's
value, mean, value). A single run prints the value after the headline table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

import scenarios
from experiments import api, runner
from experiments.command_line import fail, key_of
from model.params import ConfigError


@dataclass
class Objective:
    """An option of the config group ``objective`` (see the module docstring)."""

    metric: str = MISSING  # a metric of model.metrics
    target: Optional[float] = None  # null: the mean itself; a number: |mean − target|
    window: int = 12  # months at the end of each run averaged into its value


def register() -> None:
    """Store one option of the group ``objective`` per metric in Hydra's ConfigStore."""
    store = ConfigStore.instance()
    for name in api.metric_names():
        store.store(group="objective", name=name, node=Objective(metric=name))


register()


def check(overrides: list) -> None:
    """Exit 2 with one line for an unknown ``objective=<metric>``, bad ``seeds`` or
    ``objective.window``, or ``seeds``/``objective.<key>`` without an objective, among the command
    line's overrides (parsed once: :func:`experiments.command_line.hydra_command_line`)."""
    checks = {"seeds": api.check_seeds, "objective.window": api.check_window}
    named = False
    for o in overrides:
        key = key_of(o)
        if key in checks and not o.is_sweep_override() and o.value() is not None:
            try:
                checks[key](o.value())
            except ConfigError as exc:
                fail(str(exc).replace("window =", "objective.window =", 1))
        if key == "objective":
            values = list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.value()]
            for v in values:
                if v is not None and str(v) not in api.metric_names():
                    fail(f"objective = {str(v)!r} is not a metric; allowed: {', '.join(api.metric_names())}")
            named = True
    for o in overrides:
        key = key_of(o)
        if (key == "seeds" or key.startswith("objective.")) and not named:
            fail(f"{key} is set but no objective is named; add objective=<metric>")


def first_seed(cfg_dict: dict) -> dict:
    """With ``seeds`` set, the config with ``seed`` = its first seed (the job's own run)."""
    seeds = cfg_dict.get("seeds")
    if cfg_dict.get("objective") and seeds:
        return {**cfg_dict, "seed": int(seeds[0])}
    return cfg_dict


def value(cfg_dict: dict, out_dir: Path, store_root: Path) -> float:
    """The objective of a job (see the module docstring); also written to ``objective.json``."""
    obj = cfg_dict["objective"]
    seeds = list(cfg_dict.get("seeds") or [cfg_dict.get("seed", 0)])
    result = api.evaluate_config(scenarios.model_data(cfg_dict), seeds, window=int(obj["window"]),
                                 metrics=[obj["metric"]], store=store_root)
    per_seed = dict(zip(result.summary["seed"].tolist(), result.summary[obj["metric"]].tolist()))
    finite = [v for v in per_seed.values() if not math.isnan(v)]
    mean = sum(finite) / len(finite) if finite else math.nan
    target = obj.get("target")
    out = mean if target is None else abs(mean - float(target))
    runner.write_json({"metric": obj["metric"], "target": target, "window": int(obj["window"]), "seeds": seeds,
                   "values": {str(k): (None if math.isnan(v) else v) for k, v in per_seed.items()},
                   "mean": None if math.isnan(mean) else mean, "value": None if math.isnan(out) else out,
                   "keys": {str(k): v for k, v in result.keys.items()}}, out_dir / "objective.json")
    return float(out)


class NoObjective(RuntimeError):
    """A job whose run failed has no objective value."""


def job_return(cfg_dict: dict, job: dict, out_dir: Path, store_root: Path):
    """What a sweep's job returns: its objective when one is named, else the job's own record.

    A job whose run failed (recorded in its ``failed.json``) raises :class:`NoObjective`, as
    does a failed run of another seed (:class:`experiments.api.RunError`): Optuna's sweeper
    marks the trial failed, and stops the sweep when the share of failed trials exceeds
    ``hydra.sweeper.max_failure_rate`` (default 0). Returning NaN instead would crash the
    sweeper (optuna 2.10 refuses NaN and its sweeper then tells the failed trial a value)."""
    if not cfg_dict.get("objective"):
        return job
    if job["status"] == "failed":
        raise NoObjective(f"job {job.get('key')}: the run failed ({job.get('error', '').splitlines()[0]})")
    return value(cfg_dict, out_dir, store_root)


def describe(cfg_dict: dict, result: float) -> str:
    """One line saying what the value is, for a single run's output."""
    obj = cfg_dict["objective"]
    seeds = list(cfg_dict.get("seeds") or [cfg_dict.get("seed", 0)])
    what = f"mean of {obj['metric']} over the last {obj['window']} months, seeds {seeds}"
    if obj.get("target") is not None:
        what = f"|{what} − {obj['target']}|"
    return f"objective: {what} = {result:.6g}"
