"""Run one community under one scenario and write its results; with ``-m``, a Hydra sweep.

Usage::

    python -m experiments.run                                   # defaults (scenario/config.yaml)
    python -m experiments.run scenario=co_creation seed=3 steps=120
    python -m experiments.run scenario=top_down community=ageing
    python -m experiments.run -m scenario=top_down,co_creation seed='range(0,10)'   # sweep
    python -m experiments.run -m ... hydra/launcher=joblib          # all local cores
    python -m experiments.run -m ... hydra/launcher=ray             # Ray (local, or a cluster)
    python -m experiments.run -m ... hydra/launcher=submitit_slurm  # a SLURM cluster

A single run writes into Hydra's output directory: ``timeseries.parquet`` (one row per
step), ``summary.json`` (final values, means over the last ``window`` months with the
``window``, seed, scenario, version)
and the resolved config (``.hydra/config.yaml``). Prints the headline metrics and, last,
``results: <output dir>``.

A sweep (``-m``) writes each run the same way into its job directory ``<sweep dir>/<num>/``
(``summary.json`` then also holds the run's store ``key``, job number and overrides), keeps
every finished run in the sweep's store ``<sweep dir>/runs/`` (:mod:`experiments.store`),
and at the end merges all job directories into ``<sweep dir>/sweep.parquet`` with the swept
parameters as columns (:mod:`experiments.collect`; the sweep's ``manifest.json`` and progress
bar come from :class:`experiments.sweep.SweepCallback`). Running the same sweep again with
``hydra.sweep.dir=<sweep dir>`` takes finished runs from the store and computes only the
rest. A run that raises — also a value out of range in one job of the sweep — is recorded
with its error and config (``<num>/failed.json``, ``runs/<key>.failed.json``), the other
runs go on, and the sweep ends with exit code 1 and the list of failed runs.

Before Hydra launches a sweep, :func:`experiments.cli.precheck_sweep` checks it (one line and exit
code 2 for a bad key, value, group choice or scenario file; a value that fails only combined with
another key's stays a failed run) and bounds it: more than ``cli.MAX_SWEEP_RUNS`` (10,000) runs need
``allow_large=true``. Hydra's basic sweeper launches the jobs in batches
(``hydra.sweeper.max_batch_size``, ``scenarios/hydra/sweeper/streamed.yaml``), so a large sweep starts
at once.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

import scenarios
from experiments import cli, io, jobs, objective, options
from experiments.simulate import headline_table, simulate, summarise
from model.config import ModelConfig, check_size
from model.params import ConfigError

# Our launcher configs (scenarios/hydra/launcher/*.yaml) carry the plugins' names so that
# ``hydra/launcher=joblib`` etc. select them; Hydra then also validates them against the
# plugins' schemas of the same name and warns that this matching is deprecated. Each file is
# complete (``_target_`` and every key), so it works with or without the matching.
warnings.filterwarnings("ignore", message=r"(?s).*is validated against ConfigStore schema with the same name")


ALLOW_LARGE = False
"""``allow_large=true`` on the command line: :func:`main` checked the run's size before Hydra started
(:func:`model.config.check_size`) and takes the flag out of the arguments Hydra sees; the run then
builds its model with it. A sweep passes it to its jobs through the environment (:data:`ALLOW_LARGE_ENV`),
which the launchers' worker processes inherit."""

ALLOW_LARGE_ENV = "COGOV_ALLOW_LARGE"


def execute(cfg_dict: dict, out_dir: Path) -> dict:
    """Validate, simulate and write one run; return its summary."""
    cfg = cli.model_config(cfg_dict)
    ts = simulate(cfg, allow_large=ALLOW_LARGE)
    summary = summarise(ts, cfg, cfg.seed)
    io.write_parquet(ts, out_dir / "timeseries.parquet")
    io.write_json(summary, out_dir / "summary.json")
    return summary


def execute_sweep_job(cfg_dict: dict, out_dir: Path, sweep_dir: Path, job: int, overrides: list[str]) -> dict:
    """One job of a sweep: take the run from the sweep's store or compute it there, then write
    the job directory. A run that raises is recorded, not raised, so the sweep goes on."""
    from experiments import engine, sweep
    from experiments.store import RunStore, run_key
    from model.params import ConfigError

    store = RunStore(sweep_dir / "runs")
    data = cli.model_data(cfg_dict)
    seed = int(data.get("seed", 0))
    ident = {"job": job, "overrides": overrides}
    try:
        cfg = engine.validated(data)  # once: make_spec reuses it
    except ConfigError as exc:  # a value out of range in this job of the sweep
        key = run_key(data, seed)
        store.save_failure(key, exc, {"config": data, "seed": seed, "labels": ident})
        outcome_status, error = "failed", f"ConfigError: {exc}"
    else:
        spec = engine.make_spec(data, seed, allow_large=ALLOW_LARGE or os.environ.get(ALLOW_LARGE_ENV) == "1",
                                scenario=cfg.info.scenario, community=cfg.info.community, **ident)
        key = spec.key
        outcome = engine.run_one(spec, str(store.root))
        outcome_status, error = outcome.status, outcome.error
    if outcome_status == "failed":
        (out_dir / "summary.json").unlink(missing_ok=True)
        (out_dir / "timeseries.parquet").unlink(missing_ok=True)
        io.write_json({"key": key, **ident, "seed": seed, "error": error.splitlines()[0]}, out_dir / "failed.json")
    else:
        ts_path = store.link_into(key, out_dir / "timeseries.parquet")
        import pandas as pd

        summary = {"key": key, **ident, **summarise(pd.read_parquet(ts_path), cfg, seed)}
        io.write_json(summary, out_dir / "summary.json")
        (out_dir / "failed.json").unlink(missing_ok=True)
    sweep.report_progress(sweep_dir, key, outcome_status)
    return {"key": key, "status": outcome_status, "error": error}


@hydra.main(version_base="1.3", config_path=str(scenarios.CONFIG_DIR), config_name="config")
def _main(cfg: DictConfig):
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    cfg_dict = objective.first_seed(scenarios.apply_command_line(OmegaConf.to_container(cfg, resolve=True),
                                                                 list(hc.overrides.task)))
    if hc.mode == RunMode.MULTIRUN:
        job = execute_sweep_job(cfg_dict, out_dir, Path(hc.sweep.dir).absolute(), int(hc.job.num),
                                list(hc.overrides.task))
        return objective.job_return(cfg_dict, job, out_dir, Path(hc.sweep.dir).absolute() / "runs")
    summary = execute(cfg_dict, out_dir)
    print(headline_table(summary))
    if cfg_dict.get("objective"):
        print(objective.describe(cfg_dict, objective.value(cfg_dict, out_dir, out_dir / "runs")))
    print(f"results: {out_dir}")
    return None


def main() -> None:
    argv = sys.argv[1:]
    if any(a in ("-h", "--help") for a in argv):
        cli.hydra_help(argv, "experiments.run", scenarios.compose_dict(), ModelConfig,
                       {g: scenarios.available(g) for g in ("scenario", "community")},
                       [ln.strip() for ln in __doc__.split("Usage::")[1].split("\n\n")[1].splitlines() if ln.strip()])
    global ALLOW_LARGE
    ALLOW_LARGE, argv = options.hydra_app_argv(argv)
    cli.precheck(argv, {"scenario": "", "community": ""}, ModelConfig)
    objective.check_argv(argv)
    jobs.check_hydra_dirs(argv)
    if cli.is_multirun(argv):
        argv = cli.precheck_sweep(argv, max_runs=math.inf if ALLOW_LARGE else cli.MAX_SWEEP_RUNS)
        if ALLOW_LARGE:  # the sweep's jobs, in this process or a launcher's workers, run large configs too
            os.environ[ALLOW_LARGE_ENV] = "1"
    cfg = cli.precompose(argv)
    if cfg is not None:  # a single run: its size, before Hydra creates its directory
        try:
            check_size(cfg, allow_large=ALLOW_LARGE)
        except ConfigError as exc:
            cli.fail(str(exc))
    from experiments import sweep

    sweep.LAST.clear()
    sys.argv = [sys.argv[0], *argv]  # without allow_large, which is not a config key
    try:
        _main()
    finally:
        sweep.close_unfinished()  # a sweep Hydra stopped before its end: its manifest says so
    if sweep.LAST.get("failed"):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
